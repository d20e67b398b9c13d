# SPDX-License-Identifier: GPL-2.0
# mcexec: real programs from the host run unmodified on McKernel with the same
# output and exit status as natively; kprint (syscall 599) reaches the LWK's
# log; bad input gets clear errors; signals, a killed mcexec and a stopped LWK
# end cleanly; a non-root owner of the instance can run programs; the node is
# clean afterwards.
. "$(dirname "$0")/lib.sh"
snapshot_node
PROGS=$IHK_BUILD/tests/vm/programs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# same_as_native WHAT cmd...: stdout and status under mcexec equal the native run's.
same_as_native() {
	local what=$1 native rn=0 lwk rl=0
	shift
	native=$("$@" 2>&1) || rn=$?
	lwk=$(timeout 120 mcexec "$@" 2>&1) || rl=$?
	if [ "$native" == "$lwk" ] && [ $rn -eq $rl ]; then
		echo "ok: $what: same output and status ($rl) as natively"
	else
		fail "$what: native status $rn, under mcexec $rl"
		diff <(echo "$native") <(echo "$lwk") | head -20 || true
	fi
}

expect_eq "mcreboot" 0 "$(mcreboot.sh -c 2-3 -m 768M@0)"
expect_eq "mcctrl loaded" 1 "$(grep -c '^mcctrl ' /proc/modules)"

log "real programs from the host, unmodified"
printf 'line one\nline two\n' > "$work/file.txt"
same_as_native "/bin/echo" /bin/echo hello from the LWK
# /proc's link count is the number of processes, which differs from run to run.
native=$(/bin/ls -l / | grep -v ' proc$')
lwk=$(mcexec /bin/ls -l / | grep -v ' proc$')
expect_eq "ls -l / (but /proc's link count)" "$native" "$lwk"
same_as_native "cat of a file" /bin/cat "$work/file.txt"
same_as_native "busybox (static)" /bin/busybox sh -c 'echo static busybox; exit 3'
same_as_native "python3" /usr/bin/python3 -c 'import sys, os, json; print(json.dumps({"sum": sum(range(1000)), "cwd": os.getcwd()})); sys.exit(4)'
same_as_native "C++ std::thread" "$IHK_BUILD/conformance/cxx_threads"
same_as_native "PATH lookup" echo resolved on PATH
(cd "$work" && same_as_native "working directory" /bin/pwd)
out=$(echo piped input | mcexec /bin/cat) && expect_eq "stdin through a pipe" "piped input" "$out"
expect_eq "mcexec os index 0 syntax" "x" "$(mcexec 0 /bin/echo x)"
# After "--" a number is the program (mck-task runs mcexec ... -- PROGRAM).
mkdir -p "$work/bin" && printf '#!/bin/sh\necho "program 7: $1"\n' > "$work/bin/7" && chmod +x "$work/bin/7"
expect_eq "mcexec -- 7 (a program named 7)" "program 7: x" "$(PATH=$work/bin:$PATH mcexec -- 7 x)"
expect_eq "mcexec 0 -- 7" "program 7: y" "$(PATH=$work/bin:$PATH mcexec 0 -- 7 y)"

log "kprint: system call 599 into the LWK log"
ihkosctl 0 clear_kmsg
expect_eq "kprint output" "kprint: 19 bytes" "$(mcexec "$PROGS/kprint" "hello kernel log 42")"
if kmsg_has "kprint: pid [0-9]*: hello kernel log 42"; then echo "ok: kprint line in kmsg"; else fail "kprint line missing from kmsg"; fi
# Bytes that are not UTF-8 in the log: --json prints them as U+FFFD (it aborted).
expect_eq "kprint of bytes that are not UTF-8" "kprint: 10 bytes" "$(mcexec "$PROGS/kprint" $'bad \xff\xfe end')"
expect_eq "ihkosctl --json kmsg with them" "bad \ufffd\ufffd end" "$(ihkosctl --json 0 kmsg |
	python3 -c 'import json, sys; k = json.load(sys.stdin)["kmsg"]; print(k[k.index("bad "):k.index(" end") + 4].encode("ascii", "backslashreplace").decode())')"

log "a futex in a shared file mapping: LWK and Linux wakers and waiters"
f=$work/futex-page
# wait_woken NAME PID OUT [LINE]: the waiter PID ends within 30 s having printed LINE ("woken").
wait_woken() {
	if timeout 30 tail --pid="$2" -f /dev/null; then
		expect_eq "$1" "${4:-woken}" "$(grep -v waiting "$3")"
	else
		fail "$1: still waiting after 30 s"
		kill "$2" 2>/dev/null || true
	fi
}
# until_waiting OUT: the waiter got to its wait (mcexec may take long to start on a busy host).
until_waiting() {
	for _ in $(seq 300); do grep -q waiting "$1" 2>/dev/null && break; sleep 0.2; done
	sleep 1
}
mcexec "$PROGS/shm_futex" wait "$f" > "$work/waiter1" &
waiter=$!
until_waiting "$work/waiter1"
expect_eq "LWK waker finds the LWK waiter" "woke 1" "$(mcexec "$PROGS/shm_futex" wake "$f")"
wait_woken "LWK waiter woken by an LWK process" $waiter "$work/waiter1"
rm -f "$f"
mcexec "$PROGS/shm_futex" wait "$f" > "$work/waiter3" &
waiter=$!
until_waiting "$work/waiter3"
expect_eq "an LWK waker held up 5 ms after changing the word still finds the waiter" "woke 1" \
	"$(mcexec "$PROGS/shm_futex" slowwake "$f")"
wait_woken "LWK waiter woken by a held-up LWK process" $waiter "$work/waiter3"
rm -f "$f"
mcexec "$PROGS/shm_futex" wait "$f" > "$work/waiter2" &
waiter=$!
until_waiting "$work/waiter2"
"$PROGS/shm_futex" wake "$f" >/dev/null
wait_woken "LWK waiter woken by a Linux process" $waiter "$work/waiter2"
rm -f "$f"
"$PROGS/shm_futex" wait "$f" > "$work/waiter6" &
waiter=$!
until_waiting "$work/waiter6"
expect_eq "an LWK waker finds the Linux waiter" "woke 1" "$(mcexec "$PROGS/shm_futex" wake "$f")"
wait_woken "Linux waiter woken by an LWK process" $waiter "$work/waiter6"
rm -f "$f"
"$PROGS/shm_futex" wait "$f" > "$work/waiter7" &
waiter=$!
mcexec "$PROGS/shm_futex" wait "$f" > "$work/waiter8" &
waiter_lwk=$!
until_waiting "$work/waiter7"
until_waiting "$work/waiter8"
expect_eq "an LWK waker finds the LWK's and Linux's waiters" "woke 2" "$(mcexec "$PROGS/shm_futex" wake "$f")"
wait_woken "Linux waiter woken with an LWK one" $waiter "$work/waiter7"
wait_woken "LWK waiter woken with a Linux one" $waiter_lwk "$work/waiter8"
rm -f "$f"
mcexec "$PROGS/shm_futex" waitv "$f" > "$work/waiter4" &
waiter=$!
until_waiting "$work/waiter4"
expect_eq "an LWK waker finds the LWK's futex_waitv" "woke 1" "$(mcexec "$PROGS/shm_futex" wake "$f")"
wait_woken "futex_waitv woken by an LWK process" $waiter "$work/waiter4" "woken index 1"
rm -f "$f"
mcexec "$PROGS/shm_futex" waitv "$f" > "$work/waiter5" &
waiter=$!
until_waiting "$work/waiter5"
"$PROGS/shm_futex" wake "$f" >/dev/null
wait_woken "futex_waitv woken by a Linux process" $waiter "$work/waiter5" "woken index 1"
expect_eq "a timed wait nobody wakes, natively" ETIMEDOUT "$("$PROGS/shm_futex" timed "$f")"
expect_eq "a timed wait nobody wakes, on the LWK" ETIMEDOUT "$(mcexec "$PROGS/shm_futex" timed "$f")"

log "futex_waitv: arguments, deadlines, wakes, signals (programs/futex_waitv.c)"
same_as_native "futex_waitv" "$PROGS/futex_waitv"

log "a fatal fault is reported in the LWK log"
ihkosctl 0 clear_kmsg
rc=0; mcexec "$IHK_BUILD/conformance/crash" segv >/dev/null 2>&1 || rc=$?
expect_eq "crash segv status" 139 "$rc"
kmsg=$(ihkosctl 0 kmsg)
if grep -q "pid [0-9]*: ended by signal 11" <<<"$kmsg" && grep -q "fault: vector 14, error 0x6 at 0x0, ip" <<<"$kmsg" &&
	grep -q "no region; page not mapped" <<<"$kmsg"; then
	echo "ok: the fault is in kmsg"
else
	fail "no fault report in kmsg: $kmsg"
fi

log "bad input"
head -c 1000 /dev/urandom > "$work/noelf"
chmod +x "$work/noelf"
expect_fail "not an ELF executable" mcexec "$work/noelf"
rc=0; mcexec "$work/noelf" 2>/dev/null || rc=$?; expect_eq "non-ELF status" 126 "$rc"
expect_fail "command not found" mcexec no-such-program-here
rc=0; mcexec /no/such/file 2>/dev/null || rc=$?; expect_eq "missing program status" 127 "$rc"
cp /bin/true "$work/arm64"
printf '\xb7\x00' | dd of="$work/arm64" bs=1 seek=18 conv=notrunc status=none
expect_fail "built for another architecture" mcexec "$work/arm64"
expect_fail "too little memory" mcexec "$PROGS/big_bss"
expect_fail "does not exist" mcexec 3 /bin/true
expect_fail "no program given" mcexec
expect_fail "not in range" mcexec -n 0 /bin/true
expect_fail "cannot tell this process's local rank" mcexec -n 2 /bin/true
expect_fail "not a hexadecimal signal mask" mcexec --blocked zz /bin/true
expect_fail "not a hexadecimal signal mask" mcexec --pending -1 /bin/true
expect_fail "expected AS,DATA,STACK[,CPU]" mcexec --rlimits inf:inf,inf:inf,inf:inf,1:inf, /bin/true
expect_fail "is the legacy address space layout on?" setarch -L mcexec /bin/true

log "-n: two processes share the instance"
a=$(MCEXEC_LOCAL_RANK=0 mcexec -n 2 "$PROGS/mem_hog" 200 2 &
    MCEXEC_LOCAL_RANK=1 mcexec -n 2 "$PROGS/mem_hog" 200 2 & wait)
expect_eq "both ranks ran" 2 "$(echo "$a" | grep -c 'mem_hog: 200 MiB')"
expect_fail "cannot allocate" mcexec -n 2 --local-rank 1 "$PROGS/mem_hog" 500
log "started by a launcher, mcexec takes its share without -n"
expect_fail "cannot allocate" env SLURM_LOCALID=1 SLURM_STEP_TASKS_PER_NODE=2 SLURM_NODEID=0 mcexec "$PROGS/mem_hog" 500
expect_eq "Open MPI's variables" "mem_hog: 300 MiB, checksum 9792000" \
	"$(OMPI_COMM_WORLD_LOCAL_RANK=1 OMPI_COMM_WORLD_LOCAL_SIZE=2 mcexec "$PROGS/mem_hog" 300)"
expect_fail "is not below the local size" env MCEXEC_LOCAL_RANK=2 MCEXEC_LOCAL_SIZE=2 mcexec /bin/true

log "round robin: two spinning threads share one CPU"
expect_eq "spin_pair on one CPU" "spin_pair: 50 rounds" "$(timeout 120 mcexec -n 2 --local-rank 0 "$PROGS/spin_pair" 50)"
expect_eq "getrusage: the program's own page faults (none: memory is mapped at mmap)" "0" \
	"$(mcexec /usr/bin/python3 -c 'import resource, mmap; f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt; m = mmap.mmap(-1, 64 << 20); m[::4096] = bytes(len(range(0, 64 << 20, 4096))); print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)')"

log "signals sent to mcexec reach the program"
mcexec /bin/sleep 100 & pid=$!
sleep 3
kill -TERM $pid
rc=0; wait $pid || rc=$?
expect_eq "SIGTERM: the shell sees the program die of it" 143 "$rc"
# A background job of this (non-interactive) shell starts with SIGINT ignored,
# and a shell cannot trap what it started ignoring: natively as under mcexec,
# which passes ignored signals on. So the job gets SIGINT's default back first.
env --default-signal=INT mcexec /bin/sh -c 'trap "echo got INT; exit 7" INT; while :; do :; done' > "$work/trap.out" & pid=$!
sleep 4
kill -INT $pid
rc=0; wait $pid || rc=$?
expect_eq "SIGINT handled by the program" 7 "$rc"
expect_eq "handler output" "got INT" "$(cat "$work/trap.out")"
# The other way: a signal ignored when mcexec started stays ignored for the
# program (Linux keeps SIG_IGN through execve), so its shell cannot trap it.
bg_int() { { "$@" /bin/sh -c 'trap "echo trapped" INT; kill -INT $$; echo alive' & } 2>&1; wait; }
expect_eq "a background job's SIGINT stays ignored, natively" alive "$(bg_int env)"
expect_eq "a background job's SIGINT stays ignored, under mcexec" alive "$(bg_int mcexec)"

log "overcommit: Linux's default heuristic (programs/overcommit.c); half of the 768 MiB used"
want_heuristic="mremap of half the memory to all of it: ok
the old half kept its bytes: ok
the new half works on touch: ok
sbrk by three quarters of the memory: ok
fork holding half the memory: ok, child status 0, parent's byte 0
mmap of twice the memory: Cannot allocate memory"
expect_eq "overcommit, heuristic" "$want_heuristic" "$(timeout 120 mcexec "$PROGS/overcommit" 2>&1)"
mcexec "$PROGS/mem_hog" 400 60 > "$work/hold.out" & hold=$!
for _ in $(seq 150); do grep -q checksum "$work/hold.out" && break; sleep 0.2; done
rc=0; timeout 120 mcexec "$PROGS/mem_hog" 500 > /dev/null 2>&1 || rc=$?
expect_eq "500 MiB malloc'ed while another holds 400 of 768: touching more than there is ends in SIGBUS" 135 "$rc"
kill $hold; wait $hold 2>/dev/null || true
if kmsg_has "out of memory at"; then echo "ok: the LWK log says why"; else fail "no out-of-memory line in kmsg"; fi

log "a killed mcexec tears the program down and frees its memory"
mcexec "$PROGS/mem_hog" 600 100 > "$work/hog.out" & pid=$!
for _ in $(seq 100); do grep -q checksum "$work/hog.out" && break; sleep 0.2; done
kill -KILL $pid; wait $pid 2>/dev/null || true
sleep 1
if kmsg_has "mcexec is gone, ending it"; then echo "ok: the LWK ended the process"; else fail "no teardown in kmsg"; fi
out=$(timeout 60 mcexec "$PROGS/mem_hog" 600) || fail "600 MiB again after the kill: $out"
[[ $out == "mem_hog: 600 MiB"* ]] && echo "ok: the memory came back" || fail "unexpected: $out"

log "the instance owner may run programs; others may not"
chown 65534 /dev/mcos0
expect_eq "as the owner" 65534 "$(setpriv --reuid=65534 --regid=65534 --clear-groups mcexec /usr/bin/id -u)"
chown 0 /dev/mcos0
expect_fail "belongs to another user" setpriv --reuid=65534 --regid=65534 --clear-groups mcexec /bin/true

log "status checks do not interrupt a compute core"
# 20 status reads while a compute loop runs on an LWK CPU: the check reads the
# CPUs' published state; a CPU in user mode gets no probe interrupt (one each
# before). A few stray entries (Linux's broadcast IPIs) are allowed.
mcexec "$IHK_BUILD/bench/mcexec_bench" noise 6 > "$work/noise" &
noisy=$!
sleep 1
for _ in $(seq 20); do
	[ "$(ihkosctl 0 get status)" == RUNNING ] || fail "status not RUNNING during the compute loop"
	sleep 0.2
done
wait $noisy || fail "the compute loop failed"
entries=$(sed -n 's/.*entries=\([0-9]*\) .*/\1/p' "$work/noise")
if [ -n "$entries" ] && [ "$entries" -lt 5 ]; then
	echo "ok: $entries kernel entries on the compute core during 20 status checks"
else
	fail "the compute core took '$entries' kernel entries during 20 status checks ($(cat "$work/noise"))"
fi

log "the LWK stops under a running program: mcexec ends with a clear error"
mcexec /bin/sleep 100 2> "$work/stop.err" & pid=$!
sleep 3
expect_ok ihkosctl 0 shutdown
start=$(date +%s)
rc=0; wait $pid || rc=$?
expect_eq "status when the LWK stops" 125 "$rc"
[ $(($(date +%s) - start)) -le 10 ] && echo "ok: bounded" || fail "mcexec took too long to notice"
grep -q "stopped (shutdown or panic)" "$work/stop.err" && echo "ok: $(cat "$work/stop.err")" || fail "message: $(cat "$work/stop.err")"
expect_fail "is not running" mcexec /bin/true
expect_ok mcstop+release.sh

log "overcommit=strict: a page held for every page promised; the same program"
expect_eq "mcreboot -K overcommit=strict" 0 "$(mcreboot.sh -c 2-3 -m 768M@0 -K overcommit=strict)"
want_strict="mremap of half the memory to all of it: Cannot allocate memory
the old mapping is still there: ok
sbrk by three quarters of the memory: Cannot allocate memory
fork holding half the memory: Cannot allocate memory
mmap of twice the memory: Cannot allocate memory"
expect_eq "overcommit, strict" "$want_strict" "$(timeout 120 mcexec "$PROGS/overcommit" 2>&1)"
if kmsg_has "kargs: ignoring"; then fail "overcommit=strict not taken: $(ihkosctl 0 kmsg | grep kargs)"; else echo "ok: the argument was taken"; fi
expect_ok mcstop+release.sh
assert_node_clean
finish
