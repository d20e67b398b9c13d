# SPDX-License-Identifier: GPL-2.0
# Unloading the modules with resources reserved, assigned and in use returns
# everything to Linux, in either order of unloading.
. "$(dirname "$0")/lib.sh"
snapshot_node

setup() {
	ihk_load
	ihkconfig 0 reserve cpu 1-3
	ihkconfig 0 reserve mem 512M@0
	os=$(ihkconfig 0 create)
	ihkosctl "$os" assign cpu 2-3
	ihkosctl "$os" assign mem 256M@0
	ihkosctl "$os" set ikc_map 2-3:0
}

log "driver first, then ihk"
setup
rmmod ihk_smp_x86
[ ! -e /dev/mcos0 ] || fail "/dev/mcos0 survived the driver"
expect_eq "resources back in the pool" 1-3 "$(ihkconfig 0 query cpu)"
rmmod ihk
expect_eq "online CPUs" "$start_online" "$(online_cpus)"

log "with an instance file still open"
setup
exec 9</dev/mcos0
if rmmod ihk 2>/dev/null; then fail "ihk unloaded while /dev/mcos0 is open"; fi
rmmod ihk_smp_x86
[ ! -e /dev/mcos0 ] || fail "/dev/mcos0 survived the driver"
exec 9<&-
rmmod ihk
expect_eq "online CPUs" "$start_online" "$(online_cpus)"

log "CPUs are usable after unload"
run_pinned_on 2
run_pinned_on 3
assert_node_clean
finish
