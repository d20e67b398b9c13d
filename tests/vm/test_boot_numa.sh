# SPDX-License-Identifier: GPL-2.0
# McKernel on two NUMA nodes (vmrun --numa 2): CPUs and memory chunks of both;
# a program's NUMA policy (set_mempolicy, mbind) places its memory as on Linux.
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
# NUMA policy places the program's memory as on Linux (programs/numa_policy.c).
P=$IHK_BUILD/tests/vm/programs/numa_policy
native=$("$P" 2>&1) lwk=$(timeout -k 5 120 mcexec "$P" 2>&1)
echo "$lwk"
[ "$native" == "$lwk" ] && [[ $native == *"BIND 1: pages on 1"* ]] &&
	echo "ok: set_mempolicy and mbind place the program's memory as natively" ||
	{ fail "NUMA policy: native and mcexec differ"; diff <(echo "$native") <(echo "$lwk"); }
# migrate_pages of another process of the same user, without capabilities.
chown 65534 /dev/mcos0
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
native=$(cd / && "${as_nobody[@]}" "$P" other 2>&1) lwk=$(cd / && timeout -k 5 120 "${as_nobody[@]}" mcexec "$P" other 2>&1)
chown 0 /dev/mcos0
echo "$lwk"
[ "$native" == "$lwk" ] && [[ $native == *"same user: ok"* ]] &&
	echo "ok: migrate_pages of another process of the same user as natively" ||
	{ fail "migrate_pages of another process: native and mcexec differ"; diff <(echo "$native") <(echo "$lwk"); }
expect_eq "status after the policies" RUNNING "$(ihkosctl 0 get status)"
expect_ok mcstop+release.sh
assert_node_clean
finish
