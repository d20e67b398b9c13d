# SPDX-License-Identifier: GPL-2.0
# Ordinary programs that used to take McKernel down, as an unprivileged owner:
# a page flipped by one thread while the kernel copies into it for another,
# brk over a read-only page, mremap of untouched PROT_NONE memory, futexes on
# bad addresses and with a 1e10 s timeout, kernel addresses as thread pointers,
# a SIGSEGV whose frame does not fit, a sigreturn to a non-canonical address
# and one with unreadable FPU state (all must kill with SIGSEGV, as Linux
# does), 256 MiB moved by mremap (contents kept, no fault), madvise over 15 TiB
# of nothing, memory filled to ENOMEM and then a region split page by page
# (the kernel's own memory must not run out with it), threads created until
# pthread_create fails (EAGAIN under a 48 MiB RLIMIT_AS; all joined, as many
# again), 200 futex waiters on 200 words and 100 on one (exact wake counts),
# 10000 SIGUSR1 at a thread making local and offloaded calls and real-time
# signals queued to RLIMIT_SIGPENDING (EAGAIN, all delivered in order), and
# unbounded recursion on the main stack, with a SIGSEGV handler on an
# alternate stack, and on a thread's 64 KiB stack (SIGSEGV, status 139, or
# the handler's 3); and programs/badptr, every pointer argument of the LWK's
# own calls given NULL, kernel, non-canonical, PROT_NONE, read-only,
# straddling, mcexec (64 TiB) and end-of-range addresses, one line per call
# and kind; the program's open descriptors, listed in /proc/self/fd and
# probed with fcntl from 3 to 1023 (no descriptor of mcexec among them).
# Each prints the same lines and ends with the same status under mcexec as
# natively; after each the instance is RUNNING and runs the next program. Then one 600 MiB mapping touched without a page fault while the
# status stays RUNNING, and mcexec killed (kill -9) while the LWK populates
# another: within 5 s the instance is RUNNING with no process left and the
# memory back.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
# The native runs fault on purpose (a bad sigreturn is a general protection
# fault): Linux need not log them, and vmrun would take the line for a kernel problem.
echo 0 > /proc/sys/debug/exception-trace
S=$IHK_BUILD/tests/security/programs/survive
work_out=$(mktemp)
trap 'rm -f "$work_out"' EXIT

# same_as_native CASE [PROGRAM ARGS...]: output and status equal, within 60 s
# (then SIGKILL: mcexec forwards SIGTERM to a program that may be hung)
# (by default the program is `survive CASE`).
same_as_native() {
	local name=$1 native lwk rn=0 rl=0
	shift
	[ $# -gt 0 ] || set -- "$S" "$name"
	native=$(timeout -k 10 60 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$@" 2>/dev/null) || rn=$?
	lwk=$(timeout -k 10 60 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups mcexec "$@" 2>/dev/null) || rl=$?
	if [ "$native" == "$lwk" ] && [ $rn -eq $rl ]; then
		echo "ok: $name: same lines and status ($rl) as natively"
	else
		fail "$name: natively status $rn, under mcexec $rl (< native, > mcexec)"
		diff <(echo "$native") <(echo "$lwk") || true
	fi
	check_alive "$name"
}

expect_eq "mcreboot, owned by uid $OWNER" 0 "$(mcreboot.sh -c 2-3 -m 768M@0 -o $OWNER)"
for c in uaccess-race brk-ro-shrink mremap-none futex-bad clone-tls segv-no-room sigreturn-bad-rip \
	sigreturn-bad-fpstate mremap-big madvise-huge \
	fill-then-split fd-listing thread-exhaust futex-many signal-storm stack-overflow stack-overflow-altstack \
	stack-overflow-thread; do
	log "$c"
	same_as_native "$c"
done
log "badptr: bad pointers to the LWK's own calls, line by line as Linux answers"
same_as_native badptr "$IHK_BUILD/tests/security/programs/badptr"
log "one mapping of 600 MiB: no page faults when touched, RUNNING throughout"
SURVIVE_MIB=600 timeout 120 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups mcexec "$S" map-big > "$work_out" &
big=$!
while kill -0 $big 2>/dev/null; do
	status=$(ihkosctl 0 get status)
	[ "$status" == RUNNING ] || { fail "status $status while mapping 600 MiB"; break; }
	sleep 0.5
done
wait $big || fail "map-big under mcexec failed"
expect_eq "600 MiB mapped and touched" "$(printf 'mapped: yes\nfaults-while-touching: 0')" "$(cat "$work_out")"
check_alive map-big

# The LWK once kept populating a mapping of a killed mcexec for 13 s and then
# stopped answering (HUNGUP): now the process goes within a few seconds. The
# kill comes once the LWK has handed out 100 MiB more than the program starts
# with (about 60 MiB) and the program has not printed: inside its mmap, which
# allocates and clears the 600 MiB (about 2 s here; touching it then is quick).
log "kill -9 of mcexec while the LWK populates its 600 MiB mapping"
mem_used() { ihkosctl --json 0 get rusage | grep -o '"mem_used": *[0-9]*' | grep -o '[0-9]*$'; }
mem_idle=$(mem_used)
SURVIVE_MIB=600 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups mcexec "$S" map-big > "$work_out" &
big=$!
mem_mid=$mem_idle
for ((i = 0; i < 300; i++)); do
	mem_mid=$(mem_used)
	[ $((mem_mid - mem_idle)) -lt $((160 << 20)) ] || break
	kill -0 $big 2>/dev/null || break
	sleep 0.02
done
kill -9 $big 2>/dev/null || true
rc=0
wait $big || rc=$?
echo "LWK memory in use: $((mem_idle >> 20)) MiB idle, $((mem_mid >> 20)) MiB when killed"
expect_eq "map-big killed" 137 $rc
expect_eq "map-big's output when killed (none: still mapping)" "" "$(cat "$work_out")"
for ((i = 0; i < 10; i++)); do
	[ "$(lwk_rusage processes)" != 0 ] || break
	sleep 0.5
done
expect_eq "status 5 s after the kill" RUNNING "$(ihkosctl 0 get status)"
expect_eq "LWK processes 5 s after the kill" 0 "$(lwk_rusage processes)"
mem_after=$(mem_used)
[ $((mem_after - mem_idle)) -le $((4 << 20)) ] ||
	fail "the killed program's memory did not come back: $((mem_after >> 20)) MiB in use, $((mem_idle >> 20)) MiB before"
check_alive "kill -9 mid-mmap"

expect_ok mcstop+release.sh
assert_node_clean
finish
