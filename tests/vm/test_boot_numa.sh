# SPDX-License-Identifier: GPL-2.0
# McKernel on two NUMA nodes (vmrun --numa 2): CPUs and memory chunks of both.
. "$(dirname "$0")/lib.sh"
snapshot_node
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1,3 -m 256M@0,256M@1 -r 1:0+3:2)"
kmsg=$(ihkosctl 0 kmsg)
echo "$kmsg"
for want in "NUMA node 0, offloads to Linux CPU 0" "Linux CPU 3, APIC id 3, NUMA node 1, offloads to Linux CPU 2" \
	"on NUMA node 0" "on NUMA node 1" "McKernel running on 2 CPU(s)"; do
	[[ $kmsg == *"$want"* ]] && echo "ok: kmsg has '$want'" || fail "kmsg lacks '$want'"
done
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"
expect_ok mcstop+release.sh
assert_node_clean
finish
