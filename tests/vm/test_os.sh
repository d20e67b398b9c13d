# SPDX-License-Identifier: GPL-2.0
# OS instances with the tools: create, assign, IKC map, kargs, status, query,
# release, destroy; refusals name the value and why.
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load

expect_ok ihkconfig 0 reserve cpu 1-3
expect_ok ihkconfig 0 reserve mem 256M@0
expect_eq "create" 0 "$(ihkconfig 0 create)"
expect_eq "create --json" '{"os":1}' "$(ihkconfig --json 0 create | tr -d ' \n')"
expect_eq "os_instances" 0,1 "$(ihkconfig 0 get os_instances)"
[ -c /dev/mcos0 ] && [ -c /dev/mcos1 ] || fail "/dev/mcos0 and /dev/mcos1 should exist"
expect_eq "mcos0 mode" "600 root" "$(stat -c '%a %U' /dev/mcos0)"
expect_eq "status" INACTIVE "$(ihkosctl 0 get status)"
expect_eq "status --json" '{"status":"INACTIVE"}' "$(ihkosctl --json 0 get status | tr -d ' \n')"

log "assign and query"
expect_ok ihkosctl 0 assign cpu 2-3
expect_ok ihkosctl 0 assign mem 128M@0
expect_eq "os cpus" 2-3 "$(ihkosctl 0 query cpu)"
expect_eq "os mem" 134217728@0 "$(ihkosctl 0 query mem)"
expect_eq "pool still lists all reserved" 1-3 "$(ihkconfig 0 query cpu)"
expect_ok ihkosctl 1 assign cpu all
expect_eq "assign cpu all takes the rest" 1 "$(ihkosctl 1 query cpu)"
expect_ok ihkosctl 1 assign mem all
expect_eq "assign mem all takes the rest" 134217728@0 "$(ihkosctl 1 query mem)"

log "IKC map and kernel arguments"
expect_ok ihkosctl 0 set ikc_map 2:0+3:0
expect_eq "ikc_map" 2-3:0 "$(ihkosctl 0 get ikc_map)"
expect_fail "the LWK CPU is not assigned" ihkosctl 0 set ikc_map 1:0
expect_fail "the Linux CPU is offline or reserved" ihkosctl 0 set ikc_map 2:1
expect_fail "expected LWK-CPUS:LINUX-CPU" ihkosctl 0 set ikc_map 2-3
expect_ok ihkosctl 0 kargs "hidos dump_level=24"
expect_eq "kargs" "hidos dump_level=24" "$(ihkosctl 0 get kargs)"
expect_fail "at most 4095 fit" ihkosctl 0 kargs "$(head -c 5000 /dev/zero | tr '\0' x)"
expect_eq "kargs unchanged" "hidos dump_level=24" "$(ihkosctl 0 get kargs)"

log "refusals"
expect_fail "CPU 2 is already assigned" ihkosctl 1 assign cpu 2
expect_fail "CPU 2 is not assigned to this OS" ihkosctl 1 release cpu 2
expect_fail "CPU 0 is not reserved" ihkosctl 0 assign cpu 0
expect_fail "more than the unassigned reserved memory" ihkosctl 0 assign mem 2M@0
expect_fail "more than this OS instance holds" ihkosctl 0 release mem 130M@0
expect_fail "CPU 3 is assigned to an OS instance" ihkconfig 0 release cpu 3
expect_fail "assigned to an OS instance" ihkconfig 0 release mem all
expect_fail "OS instance 5 does not exist" ihkconfig 0 destroy 5
expect_fail "/dev/mcos5 does not exist" ihkosctl 5 get status
expect_fail "index: Value 64 not in range" ihkosctl 64 get status

log "an instance handed to a user: queries work, changes stay root's"
chown 65534 /dev/mcos0
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_eq "status as its owner" INACTIVE "$(as_nobody ihkosctl 0 get status)"
expect_fail "only root may change IHK resources" as_nobody ihkosctl 0 kargs hidos
expect_fail "permission denied for /dev/mcos1" as_nobody ihkosctl 1 get status

log "release from the OS: the IKC map follows"
expect_ok ihkosctl 0 release cpu 3
expect_eq "ikc_map after release" 2:0 "$(ihkosctl 0 get ikc_map)"
expect_ok ihkosctl 0 release mem all
expect_eq "os mem empty" "" "$(ihkosctl 0 query mem)"

log "destroy returns resources to the pool"
expect_ok ihkconfig 0 destroy 1
[ ! -e /dev/mcos1 ] || fail "/dev/mcos1 still exists"
expect_eq "os_instances" 0 "$(ihkconfig 0 get os_instances)"
expect_ok ihkconfig 0 destroy 0
expect_eq "os_instances" "" "$(ihkconfig 0 get os_instances)"
expect_ok ihkconfig 0 release cpu all
expect_ok ihkconfig 0 release mem all
expect_eq "pool empty" "" "$(ihkconfig 0 query cpu)$(ihkconfig 0 query mem)"

log "create without the x86 driver"
rmmod ihk_smp_x86
expect_fail "no architecture driver" ihkconfig 0 create
assert_node_clean
finish
