# SPDX-License-Identifier: GPL-2.0
# McKernel boots on reserved cores with mcreboot.sh, logs its CPUs and memory,
# reports RUNNING, can be shut down and booted again, and mcstop+release.sh
# returns the node to its starting state. One CPU and several.
. "$(dirname "$0")/lib.sh"
snapshot_node

log "mcreboot.sh -c 2-3 -m 512M@0"
expect_eq "mcreboot prints the OS index" 0 "$(mcreboot.sh -c 2-3 -m 512M@0)"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"
kmsg=$(ihkosctl 0 kmsg)
echo "$kmsg"
for want in "McKernel booting: 2 CPU(s)" "cpu 0: Linux CPU 2, APIC id 2" "cpu 1: Linux CPU 3, APIC id 3" \
	"memory: chunk 0:" "kernel arguments: \"hidos dump_level=24\"" "cpu 1 up" "McKernel running on 2 CPU(s)"; do
	[[ $kmsg == *"$want"* ]] && echo "ok: kmsg has '$want'" || fail "kmsg lacks '$want'"
done
total=$(echo "$kmsg" | sed -n 's/.*memory: chunk [0-9]*: .* (\([0-9]*\) MiB).*/\1/p' | awk '{ s += $1 } END { print s }')
expect_eq "kmsg memory adds up to the assignment" 512 "$total"
expect_eq "CPUs stay offline in Linux" 0-1 "$(online_cpus)"
expect_eq "ihkmond --once" "mcos0: status RUNNING" "$(ihkmond --once 0 | head -1)"
expect_ok ihkosctl 0 clear_kmsg
expect_eq "kmsg after clear_kmsg" "" "$(ihkosctl 0 kmsg)"

log "shutdown, then boot the same instance again"
expect_ok ihkosctl 0 shutdown
expect_eq "status" SHUTDOWN "$(ihkosctl 0 get status)"
expect_fail "not running (status SHUTDOWN)" ihkosctl 0 shutdown
expect_ok ihkosctl 0 boot
expect_eq "status after reboot" RUNNING "$(ihkosctl 0 get status)"
expect_fail "booting or running" ihkosctl 0 boot
expect_fail "booting or running" ihkosctl 0 assign cpu 1
expect_ok mcstop+release.sh
assert_node_clean

log "one CPU, and an owner for the device"
snapshot_node
expect_eq "mcreboot -c 3" 0 "$(mcreboot.sh -c 3 -m 256M@0 -o nobody -O -K 'dump_level=8')"
expect_eq "device owner" nobody "$(stat -c %U /dev/mcos0)"
expect_eq "status as the owner" RUNNING "$(setpriv --reuid=nobody --regid=nogroup --clear-groups ihkosctl 0 get status)"
kmsg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups ihkosctl 0 kmsg)
[[ $kmsg == *"McKernel running on 1 CPU(s)"* ]] && echo "ok: the owner reads kmsg" || fail "owner cannot read kmsg: $kmsg"
[[ $kmsg == *"allow_oversubscribe"* ]] && echo "ok: -O reaches kargs" || fail "-O missing in kargs"
expect_fail "only root may change" setpriv --reuid=nobody --regid=nogroup --clear-groups ihkosctl 0 shutdown
expect_ok mcstop+release.sh
expect_ok mcstop+release.sh
run_pinned_on 3
assert_node_clean

log "memory comes back from an instance cleared: the next instance finds only zeroes"
snapshot_node
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1 -m 128M@0 -K 'test_fill_memory test_check_memory')"
kmsg=$(ihkosctl 0 kmsg)
[[ $kmsg == *"test_fill_memory: wrote 0xa5"* ]] && echo "ok: the first instance filled its memory" || fail "no fill: $kmsg"
filled=$(echo "$kmsg" | sed -n 's/.*test_check_memory: \([0-9]*\) non-zero bytes.*/\1/p')
[ "${filled:-0}" -gt 100000000 ] && echo "ok: the check sees the pattern ($filled non-zero bytes)" ||
	fail "the memory check did not see the pattern: '$filled'"
expect_ok ihkconfig 0 destroy 0
expect_eq "create" 0 "$(ihkconfig 0 create)"
expect_ok ihkosctl 0 assign cpu 1
expect_ok ihkosctl 0 assign mem all
expect_ok ihkosctl 0 load "$IHK_BUILD/lwk/mckernel.img"
expect_ok ihkosctl 0 kargs test_check_memory
expect_ok ihkosctl 0 boot
kmsg=$(ihkosctl 0 kmsg)
[[ $kmsg == *"test_check_memory: 0 non-zero bytes"* ]] && echo "ok: the second instance found its memory cleared" ||
	fail "memory was not cleared between instances: $(echo "$kmsg" | grep test_check_memory)"
expect_ok mcstop+release.sh
assert_node_clean
finish
