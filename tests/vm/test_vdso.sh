# SPDX-License-Identifier: GPL-2.0
# The vDSO on McKernel (programs/vdso.c): every process gets AT_SYSINFO_EHDR and
# glibc loads linux-vdso.so.1 from it; 1,000,000 clock_gettime calls (and
# gettimeofday, time, getcpu) take no system call on the LWK CPU (McKernel's
# per-CPU count, cpu_syscalls); CLOCK_MONOTONIC and CLOCK_REALTIME never go back
# across threads on all the instance's CPUs, and getcpu agrees with the system
# call on each; Linux's own clock_gettime, read by a Linux process during the
# run, falls between two of the program's readings (five times, 1 s apart);
# a fork child keeps the vDSO; the node is clean afterwards.
. "$(dirname "$0")/lib.sh"
snapshot_node
P=$IHK_BUILD/tests/vm/programs/vdso

expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-3 -m 1G@0)"

log "AT_SYSINFO_EHDR and glibc's view of the vDSO"
out=$(mcexec "$P" auxv 2>&1) && echo "ok: vdso auxv" || fail "vdso auxv: $out"
echo "$out"
native=$("$P" auxv 2>&1) || true
[ "$out" == "$native" ] && echo "ok: same as natively" || fail "differs from native: $native"

log "glibc's clock calls enter the kernel not once"
out=$(mcexec "$P" calls 1000000 2>&1) || fail "vdso calls: $out"
echo "$out"
n=$(sed -n 's/^clock_gettime .*syscalls=\([0-9-]*\).*/\1/p' <<<"$out")
e=$(sed -n 's/^clock_gettime .*interrupts_exceptions=\([0-9-]*\).*/\1/p' <<<"$out")
[ "$n" == 0 ] && [ "$e" == 0 ] && echo "ok: 1000000 clock_gettime, no system call, interrupt or exception" ||
	fail "1000000 clock_gettime took '$n' system calls and '$e' interrupts or exceptions"
n=$(sed -n 's/^gettimeofday.*syscalls=\([0-9-]*\).*/\1/p' <<<"$out")
[ "$n" == 0 ] && echo "ok: gettimeofday, time, getcpu: no system call" ||
	fail "gettimeofday, time, getcpu took '$n' system calls"

log "monotonic across threads and CPUs, getcpu on each CPU"
out=$(mcexec "$P" mono 3 3 2>&1) && echo "ok: vdso mono" || fail "vdso mono"
echo "$out"

log "in step with Linux's clock_gettime (a Linux process reads it during the run)"
out=$(MCEXEC_LINUX_PROGRAMS=vdso mcexec "$P" agree "$P" 2>&1) && echo "ok: vdso agree" || fail "vdso agree"
echo "$out"

log "a fork child and an exec'd program have it too"
out=$(mcexec bash -c "$P auxv && $P calls 100000" 2>&1) || fail "under bash: $out"
grep -q 'AT_SYSINFO_EHDR=present' <<<"$out" && grep -q 'clock_gettime calls=100000 syscalls=[0-5] ' <<<"$out" &&
	echo "ok: a program bash started on McKernel uses the vDSO" || fail "under bash: $out"

expect_ok mcstop+release.sh
assert_node_clean
finish
