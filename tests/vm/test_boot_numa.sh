# SPDX-License-Identifier: GPL-2.0
# McKernel on two NUMA nodes (vmrun --numa 2): CPUs and memory chunks of both;
# a program's NUMA policy (set_mempolicy, mbind) places its memory as on Linux,
# and execve keeps it and the CPU affinity (numactl, taskset).
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
# What execve keeps (numactl and taskset set, then exec the program): the
# NUMA policy, which places the new image's memory too, and the CPUs.
# (Interleaved, which node one page is on follows its address, which differs.)
for how in --membind=1 --membind=0 --interleave=all --preferred=1; do
	cut=cat
	[ $how == --interleave=all ] && cut="sed -E s/stack.on.[0-9],.data.on.[0-9],.//"
	expect_eq "numactl $how: the exec'd program's policy and memory as natively" \
		"$(numactl $how "$P" placed 2>&1 | $cut)" "$(timeout -k 5 120 mcexec numactl $how "$P" placed 2>&1 | $cut)"
done
expect_eq "taskset -c 1: the exec'd program's CPUs" "$(printf 'Cpus_allowed_list:\t1')" \
	"$(mcexec taskset -c 1 grep Cpus_allowed_list /proc/self/status)"
# Under the default (local) policy, the exec'd image's memory is where it runs
# first: LWK CPU 0 is on node 0, CPU 1 on node 1 (the setup, which maps it,
# runs on whichever CPU Linux's message came to).
for c in 0 1; do
	expect_eq "taskset -c $c, default policy: the exec'd image's memory on its CPU's node" \
		"policy 0 nodes 0; stack on $c, data on $c, a new mapping on $c" \
		"$(timeout -k 5 120 mcexec taskset -c $c "$P" placed 2>&1)"
done
expect_eq "taskset -pc 1 of a shell, then its exec: the CPUs stay" "pid 1 mask 2" \
	"$(mcexec bash -c 'taskset -pc 1 $$ >/dev/null && exec taskset -p $$' | sed -E 's/pid [0-9]+.*mask: /pid 1 mask /')"
expect_fail "--cpus '100': no node or CPU of this share" mcexec --cpus 100 /bin/true
expect_fail "expected MODE:FLAGS:NODES" mcexec --mempolicy 2:0 /bin/true
expect_fail "--mempolicy '2:0:4': no node or CPU of this share" mcexec --mempolicy 2:0:4 /bin/true
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
