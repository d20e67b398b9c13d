# SPDX-License-Identifier: GPL-2.0
# New processes under mcexec: fork, vfork (the parent waits, and sees what the
# child wrote: posix_spawn's errors), clone, execve, wait, kill, SIGCHLD,
# system(), popen(), posix_spawn(), a shell running external commands and a "#!"
# script give the same output and statuses as natively, and the children run on
# McKernel (each a process of its own there), unless MCEXEC_LINUX_PROGRAMS names
# them; a bash job script, make -j2 building a C project with gcc and Python's
# multiprocessing run as natively; fork shares memory copy-on-write (each
# side's writes its own, offloaded calls' too, children that only read take
# little memory); a program dying of SIGABRT or SIGSEGV writes a core file
# gdb could read (every thread, its memory, within RLIMIT_CORE, named by
# core_pattern, a planted link replaced, none for a pipe pattern) and an LWK
# parent sees WCOREDUMP; execve with pointers into mcexec, NULL or too
# much gives what Linux gives; a bounded fork bomb gets EAGAIN (its
# RLIMIT_NPROC) and the instance stays up; orphans live on and end when killed;
# System V shared memory works as natively and is shared with Linux processes;
# credentials a program drops hold in every later call; limits of memory and
# RLIMIT_CPU are the program's, enforced by the LWK, the stack growing on
# touch up to RLIMIT_STACK as it is then, also under `ulimit -s unlimited`; mlock counts against RLIMIT_MEMLOCK; munmap
# of a shared file mapping lets go of the file (seals, pinned memory) at once; CPU
# affinity is per thread as on Linux; reaped children's CPU time is the
# parent's; a signal interrupts a blocked call (offloaded or not) and SA_RESTART
# restarts it as on Linux, signals of every kind reach the program, sigsuspend
# and sigtimedwait work, and ppoll, pselect6 and epoll_pwait(2) wait with their
# own signal mask; real-time signals queue and RLIMIT_SIGPENDING holds; tgkill
# and tkill answer as Linux; interval timers, alarm and POSIX timers run on the
# LWK's clocks; stop signals stop the program and its mcexec, SIGCONT continues
# both (job control); SIGPIPE and SIGXFSZ come as on Linux, not for
# MSG_NOSIGNAL, and SIGSEGV or SIGBUS sent by another process reach the program;
# iovec arrays are checked in Linux's order; scheduling attributes hold in
# every later call; 4000 threads run in one
# process; Linux can pin the program's memory (O_DIRECT, vmsplice,
# process_vm_readv/writev from a Linux process) with Linux's results, and the
# LWK reuses no page Linux still holds: not after munmap, not after the program
# ends, and the instance stops without harm while a pipe holds its pages
# (docs/memory.md); the node is clean.
. "$(dirname "$0")/lib.sh"
snapshot_node
P=$IHK_BUILD/tests/vm/programs/spawn
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# same_as_native WHAT cmd...: stdout and status under mcexec equal the native run's.
same_as_native() {
	local what=$1 native rn=0 lwk rl=0
	shift
	native=$("$@" 2>&1) || rn=$?
	lwk=$(timeout -k 5 180 mcexec "$@" 2>&1) || rl=$?
	if [ "$native" == "$lwk" ] && [ $rn -eq $rl ]; then
		echo "ok: $what: same output and status ($rl) as natively"
	else
		fail "$what: native status $rn, under mcexec $rl"
		diff <(echo "$native") <(echo "$lwk") | head -20 || true
	fi
}
forks() { ihkosctl 0 kmsg | grep -c 'forked from' || true; }

expect_eq "mcreboot" 0 "$(mcreboot.sh -c 2-3 -m 768M@0)"

log "fork, exec, wait, signals and the C library's spawners (programs/spawn.c)"
same_as_native "spawn" "$P"
n=$(forks)
[ "$n" -ge 30 ] && echo "ok: $n fork children were processes on McKernel" || fail "only $n fork children on McKernel"

log "a shell running external commands, and a #! script"
before=$(forks)
same_as_native "bash loop of external commands" bash -c 'for i in 1 2 3; do /bin/echo "line $i"; done; /bin/true && /bin/false; echo "status $?"'
[ $(($(forks) - before)) -ge 5 ] && echo "ok: bash's children ran on McKernel" || fail "bash's children did not run on McKernel"
printf '#!/bin/sh -e\necho "script args: $*"\n/bin/echo from a child of the script\nexit 4\n' > "$work/script.sh"
chmod 755 "$work/script.sh"
same_as_native "#! script" "$work/script.sh" one two
same_as_native "#! script through execve" /bin/sh -c "exec $work/script.sh three"
same_as_native "python3 subprocess" python3 -c 'import subprocess, sys; r = subprocess.run(["/bin/echo", "sub"], capture_output=True, text=True); print(r.stdout.strip(), r.returncode); sys.exit(subprocess.call(["/bin/sh", "-c", "exit 6"]))'

log "real work: a bash job script, make -j2 with gcc, Python's os.system and multiprocessing.Pool"
cat > "$work/job.sh" <<'EOF'
#!/bin/bash
set -e
n=$(seq 1 100 | grep -c 5)
( cd /; echo "subshell in $(pwd)" )
echo "count $n" | tr a-z A-Z
for i in 1 2 3; do echo $i; done | awk '{ s += $1 } END { print "sum", s }'
x=$( (echo inner; exit 4) || echo "status $?")
echo "$x"
exit 3
EOF
chmod 755 "$work/job.sh"
same_as_native "bash: pipelines, command substitution, subshells" "$work/job.sh"
cp -r "$(dirname "$0")/programs/make_project" "$work/proj"
before=$(forks)
same_as_native "make -j2 of a C project with gcc" sh -c "make -s -j2 --no-print-directory -C $work/proj && $work/proj/prog; rc=\$?; make -s -C $work/proj clean; exit \$rc"
[ $(($(forks) - before)) -ge 8 ] && echo "ok: make, gcc and their children ran on McKernel" ||
	fail "only $(($(forks) - before)) processes of make's build on McKernel"
same_as_native "python3 os.system and multiprocessing.Pool(2)" python3 -c 'import os, multiprocessing as mp
print("system", os.system("exit 3") >> 8)
if __name__ == "__main__":
    with mp.Pool(2) as p:
        print("pool", p.map(abs, [-1, -2, -3, -4]))'

log "children reaped as they end when SIGCHLD is ignored or SA_NOCLDWAIT, zombies otherwise (programs/child_reap.c)"
same_as_native "child_reap" "$IHK_BUILD/tests/vm/programs/child_reap"
# A launcher's ignored signal (nohup's SIGHUP) is the program's: mcexec started with it.
R=$IHK_BUILD/tests/vm/programs/child_reap
expect_eq "SIGHUP ignored by the launcher" "$(bash -c "trap '' HUP; exec $R after-exec" 2>&1)" \
	"$(bash -c "trap '' HUP; exec mcexec $R after-exec" 2>&1)"
log "two threads changing SIGCHLD's action at once: mcexec ends with the latest one's reaping (child_reap race)"
same_as_native "child_reap race" "$R" race

log "signals sent on the LWK wake sigsuspend, sigtimedwait and pause; setsid, kill(-pgid) (programs/groups_wakes.c)"
same_as_native "groups_wakes" "$IHK_BUILD/tests/vm/programs/groups_wakes"
# A dynamic program (dash) execs a static one (busybox), both on the LWK.
same_as_native "execve of a static program" /bin/sh -c '/bin/busybox echo static; exec /bin/busybox sh -c "exit 4"'

log "execve keeps the signal mask, the signals pending and descriptors without O_CLOEXEC; a launcher's mask is the program's (programs/exec_keeps.c)"
K=$IHK_BUILD/tests/vm/programs/exec_keeps
same_as_native "exec_keeps" "$K"
# A launcher that blocks SIGUSR2 and SIGCHLD: the program starts with both blocked
# and nothing pending (mcexec's own helper child is not one of the program's).
launch_blocked='import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGCHLD})
os.execvp(sys.argv[1], sys.argv[1:])'
expect_eq "a launcher's signal mask" "$(python3 -c "$launch_blocked" "$K" after 2>&1)" \
	"$(timeout -k 5 60 python3 -c "$launch_blocked" mcexec "$K" after 2>&1)"
# A program run on Linux by execve (MCEXEC_LINUX_PROGRAMS) gets the mask too.
MCEXEC_LINUX_PROGRAMS=grep same_as_native "exec_keeps into a Linux program" \
	"$K" linux grep -E '^Sig(Blk|Pnd)' /proc/self/status

log "fork shares memory copy-on-write: each side's writes are its own, an offloaded call's too; readers take little memory (programs/cow_fork.c)"
same_as_native "cow_fork" "$IHK_BUILD/tests/vm/programs/cow_fork"
# Measured from outside, while the program waits: what three children that only
# read add to the instance's memory in use (a copy each would be 192 MiB more).
used_mib() { ihkosctl 0 get rusage | awk '/^memory/ {print $2}'; }
coproc COW { timeout -k 5 180 mcexec "$IHK_BUILD/tests/vm/programs/cow_fork" hold 2>&1; }
exec {cow_out}<&"${COW[0]}" {cow_in}>&"${COW[1]}"
cow_pid=$COW_PID alone="" children=""
while read -r line <&"$cow_out"; do
	case $line in
	"hold: alone") alone=$(used_mib); echo go >&"$cow_in" ;;
	"hold: children") children=$(used_mib); echo go >&"$cow_in" ;;
	*WRONG*) fail "cow_fork hold: $line" ;;
	esac
done
exec {cow_out}<&- {cow_in}>&-
wait "$cow_pid" || fail "cow_fork hold: status $?"
if [ -n "$alone" ] && [ -n "$children" ] && [ $((children - alone)) -lt 24 ]; then
	echo "ok: three children of a 64 MiB process added $((children - alone)) MiB to the instance's memory in use"
else
	fail "three children of a 64 MiB process: '$alone' MiB in use before, '$children' MiB with them"
fi

log "core files: written by McKernel as Linux writes them, WCOREDUMP for an LWK parent (programs/core_dump.c)"
old_pattern=$(cat /proc/sys/kernel/core_pattern)
mkdir -m 777 "$work/cores"
echo "$work/cores/core.%e.%p" > /proc/sys/kernel/core_pattern
same_as_native "core_dump" "$IHK_BUILD/tests/vm/programs/core_dump" "$work/cores"
kmsg_has 'wrote core file' && echo "ok: the LWK's log names the core files" ||
	fail "no 'wrote core file' in the LWK's log"
# From a Linux parent: the file is there, the status is 134 (mcexec itself writes no core).
echo "$work/cores/core" > /proc/sys/kernel/core_pattern
echo keep > "$work/victim"
ln -s "$work/victim" "$work/cores/core" # planted: the dump must replace the link, not follow it
rc=0
(ulimit -c unlimited; exec timeout -k 5 120 mcexec /bin/bash -c 'kill -ABRT $$') || rc=$?
expect_eq "bash under mcexec killed by SIGABRT" 134 "$rc"
if [ -f "$work/cores/core" ] && [ ! -L "$work/cores/core" ] && [ "$(head -c 4 "$work/cores/core" | od -An -c | tr -d ' ')" = '177ELF' ] &&
	[ "$(cat "$work/victim")" = keep ]; then
	echo "ok: bash's core file replaced the planted link, its target kept"
else
	fail "bash's core file: $(ls -l "$work/cores" "$work/victim" 2>&1 | tr '\n' ' ')"
fi
rm -f "$work/cores/core"
echo "|/bin/false" > /proc/sys/kernel/core_pattern
rc=0
(ulimit -c unlimited; exec timeout -k 5 120 mcexec /bin/bash -c 'kill -SEGV $$') || rc=$?
expect_eq "bash under mcexec killed by SIGSEGV" 139 "$rc"
kmsg_has 'no core file: core_pattern pipes' && [ -z "$(ls "$work/cores")" ] &&
	echo "ok: a core_pattern that pipes to a program gives no core file, and the log says why" ||
	fail "core_pattern '|/bin/false': $(ls "$work/cores")"
echo "$old_pattern" > /proc/sys/kernel/core_pattern

log "System V shared memory: attach, fork, flags, detach; shared with Linux processes"
S=$IHK_BUILD/tests/vm/programs/sysv_shm
same_as_native "sysv_shm basic" "$S" basic
expect_eq "LWK writes, Linux reads" "write: ok|read: from McKernel|remove: ok" \
	"$({ timeout 60 mcexec "$S" write 0x4d430001 "from McKernel"; "$S" read 0x4d430001; } | paste -sd'|')"
expect_eq "Linux writes, LWK reads" "write: ok|read: from Linux|remove: ok" \
	"$({ "$S" write 0x4d430002 "from Linux"; timeout 60 mcexec "$S" read 0x4d430002; } | paste -sd'|')"
expect_eq "segments left" 0 "$(ipcs -m | grep -c '^0x' || true)"

log "MAP_SHARED|MAP_ANONYMOUS and /dev/zero shared with fork children; futexes and NUMA policy on them"
A=$IHK_BUILD/tests/vm/programs/shared_anon
# Linux frees the shared anonymous memory (4 MiB and more in "share") with the
# last mcexec that maps it: Shmem is back once the runs are over.
shmem_before=$(awk '/^Shmem:/ {print $2}' /proc/meminfo)
for part in share futex hostile mlock mempolicy; do
	same_as_native "shared_anon $part" "$A" "$part"
done
for _ in $(seq 50); do pgrep -x mcexec >/dev/null || break; sleep 0.2; done
shmem_after=$(awk '/^Shmem:/ {print $2}' /proc/meminfo)
[ $((shmem_after - shmem_before)) -lt 1024 ] && echo "ok: shared anonymous memory given back to Linux" ||
	fail "Shmem grew by $((shmem_after - shmem_before)) KiB after the programs ended"

log "credentials: what a program drops stays dropped in every later call"
C=$IHK_BUILD/tests/vm/programs/creds
mkdir -m 700 "$work/root-only"
install -m 600 -o 65534 /dev/null "$work/nobodys"
same_as_native "setresuid to nobody" "$C" drop "$work"
same_as_native "setfsuid" "$C" fsuid "$work"
same_as_native "capset" "$C" caps "$work"
same_as_native "capset dropping CAP_SETUID, then setresuid and setgroups" "$C" capdrop "$work"
same_as_native "PR_SET_KEEPCAPS across setresuid, capset again" "$C" keepcaps "$work"
# Each ran in one worker only, and the exec'd program then had what the call had dropped.
same_as_native "no_new_privs, bounding and ambient sets, across execve" "$C" nnp "$work"
MCEXEC_LINUX_PROGRAMS=/usr/bin/id same_as_native "setpriv drops to nobody, id on Linux" \
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/id
# The program it runs then, as nobody, may no longer open root's instance: it
# runs on McKernel all the same (its mcexec passes the descriptor on), as nobody.
created() { ihkosctl --json 0 get rusage | python3 -c "import json, sys; print(json.load(sys.stdin)['rusage']['processes_started'])"; }
before=$(created)
same_as_native "setpriv drops to nobody, then id on McKernel" setpriv --reuid=65534 --regid=65534 --clear-groups id
same_as_native "setpriv drops to nobody, then cannot write root's directory" \
	setpriv --reuid=65534 --regid=65534 --clear-groups touch "$work/root-only/x"
same_as_native "su to nobody runs a shell and its command" su -s /bin/sh nobody -c 'id; touch /proc/1/environ'
[ $(($(created) - before)) -ge 7 ] && echo "ok: the programs after the drop ran on McKernel" ||
	fail "the programs after the drop did not run on McKernel ($(($(created) - before)) new processes)"
expect_fail "descriptor 0 is not /dev/mcos0" mcexec --os-fd 0 /bin/true
expect_fail "descriptor 7 is not /dev/mcos0" mcexec --os-fd 7 /bin/true
expect_fail "descriptor 5 is not /dev/mcos0" setpriv --reuid=65534 mcexec --os-fd 5 /bin/true 5</dev/null
expect_fail "descriptor 5 is not /dev/mcos0 open for reading and writing" mcexec --os-fd 5 /bin/true 5</dev/mcos0
same_as_native "personality" "$C" persona "$work"
# A fork child's mcexec once inherited the lock of a change another worker had
# under way, and its own first change waited on it for good.
same_as_native "fork while another thread changes credentials" "$C" forkrace "$work"
expect_eq "personality natively" "persona was: 0
persona read back: 40 of 40
persona after execve: 0x40000" "$("$C" persona "$work")"

log "namespaces: refused under mcexec, where a new one was one worker's (programs/namespaces.c)"
N=$IHK_BUILD/tests/vm/programs/namespaces
expect_eq "namespaces natively" "unshare CLONE_NEWUTS: ok
sethostname: ok
hostname read back: 40 of 40
setns to init's UTS namespace: ok" "$("$N")"
node_name=$(hostname)
expect_eq "namespaces under mcexec" "unshare CLONE_NEWUTS: EINVAL
setns to init's UTS namespace: EINVAL" "$(mcexec "$N")"
expect_eq "the node's hostname afterwards" "$node_name" "$(hostname)"

log "limits of memory (RLIMIT_AS, DATA, STACK) are the LWK's, kept across fork and exec"
same_as_native "limits" "$IHK_BUILD/tests/vm/programs/limits"
expect_eq "a soft RLIMIT_AS: the program's" "as: 180 MiB / inf" \
	"$(prlimit --as=$((180 << 20)):unlimited mcexec "$IHK_BUILD/tests/vm/programs/limits" | grep -m1 '^as:')"
expect_eq "--rlimits above mcexec's own hard limits" "mcexec: --rlimits 'inf:inf,inf:inf,inf:inf': a limit above mcexec's own hard limit" \
	"$(prlimit --data=100000000:100000000 setpriv --reuid=65534 mcexec --rlimits inf:inf,inf:inf,inf:inf /bin/true 2>&1)"

log "the stack grows on first touch up to RLIMIT_STACK as it is then, 1 MiB clear of the mapping below (programs/stack_grow.c)"
SG=$IHK_BUILD/tests/vm/programs/stack_grow
same_as_native "stack_grow" "$SG"
same_as_native "stack_grow after ulimit -S -s in a shell on the LWK" bash -c 'ulimit -S -s 131072; exec "$0"' "$SG"
# Linux lays out mcexec's own memory inside the program's range under an
# unlimited stack; mcexec runs itself again with a limit (the program keeps none).
expect_eq "stack_grow started under ulimit -s unlimited" "$(bash -c 'ulimit -s unlimited; exec "$0"' "$SG" 2>&1)" \
	"$(bash -c 'ulimit -s unlimited; exec timeout -k 5 180 mcexec "$0"' "$SG" 2>&1)"
expect_eq "/proc/self/limits under ulimit -s unlimited: the program's" \
	"$(bash -c 'ulimit -s unlimited; exec grep -E "^Max (stack|data|address|cpu)" /proc/self/limits')" \
	"$(bash -c 'ulimit -s unlimited; exec mcexec grep -E "^Max (stack|data|address|cpu)" /proc/self/limits')"
expect_eq "a program run on Linux from the LWK has the LWK program's limits" \
	"$(bash -c 'ulimit -S -s 4096; ulimit -S -v 2000000; exec prlimit --stack --as')" \
	"$(MCEXEC_LINUX_PROGRAMS=/usr/bin/prlimit mcexec bash -c 'ulimit -S -s 4096; ulimit -S -v 2000000; exec prlimit --stack --as')"

log "execve takes arguments and environment to Linux's limit, to the byte (programs/exec_arg_max.c)"
EA=$IHK_BUILD/tests/vm/programs/exec_arg_max
expect_eq "exec_arg_max natively: Linux's own limits, as the program computes them" \
	"stack limit 8192 KiB: 2097152 bytes ok, one more E2BIG
stack limit 1024 KiB: 262144 bytes ok, one more E2BIG
stack limit 256 KiB: 131072 bytes ok, one more E2BIG
stack limit 64 MiB: 4 KiB less than 6 MiB ok, one more than 6 MiB E2BIG
one argument of 131071 characters ok, of 131072 E2BIG
a relative name: at the limit ok, one more E2BIG
execveat of a descriptor: at the limit ok, one more E2BIG
a missing file: at the limit ENOENT, one more E2BIG, an unmapped environment array EFAULT" "$("$EA" 2>&1)"
same_as_native "exec_arg_max" "$EA"

log "RLIMIT_CPU counts the program's CPU time on the LWK: SIGXCPU each second past the soft limit, SIGKILL at the hard one (programs/cpu_limit.c)"
same_as_native "RLIMIT_CPU set by the program" "$IHK_BUILD/tests/vm/programs/cpu_limit" set
same_as_native "RLIMIT_CPU from the launcher" prlimit --cpu=1:1 "$IHK_BUILD/tests/vm/programs/cpu_limit" spin
expect_eq "--rlimits with a CPU limit above mcexec's own" "mcexec: --rlimits 'inf:inf,inf:inf,inf:inf,2:inf': a limit above mcexec's own hard limit" \
	"$(prlimit --cpu=5:5 setpriv --reuid=65534 mcexec --rlimits inf:inf,inf:inf,inf:inf,2:inf /bin/true 2>&1)"

log "mlock and mlockall against RLIMIT_MEMLOCK, without CAP_IPC_LOCK (programs/mlock_limit.c)"
same_as_native "mlock_limit" "$IHK_BUILD/tests/vm/programs/mlock_limit"
expect_eq "mlock_limit natively: a page past the limit" "mlock page 16: ENOMEM" \
	"$("$IHK_BUILD/tests/vm/programs/mlock_limit" | grep -m1 'page 16')"
expect_eq "mlock_limit natively: MCL_FUTURE counts a new mapping" "mmap of 1 pages: EAGAIN" \
	"$("$IHK_BUILD/tests/vm/programs/mlock_limit" | grep -m1 'mmap of 1 pages')"

log "munmap of a shared file mapping lets go of the file at once: seals, partial unmaps, fork, pinned memory (programs/shared_release.c)"
same_as_native "shared_release" "$IHK_BUILD/tests/vm/programs/shared_release"
expect_eq "shared_release natively: sealing waits for the last mapping" "seal after munmap: ok" \
	"$("$IHK_BUILD/tests/vm/programs/shared_release" | grep -m1 'seal after munmap')"

log "mremap of shared mappings (a file, shared anonymous memory) and MREMAP_FIXED (programs/mremap_shared.c)"
same_as_native "mremap_shared" "$IHK_BUILD/tests/vm/programs/mremap_shared"
expect_eq "mremap_shared natively: the moved mapping's memfd can be sealed once unmapped" \
	"seal after munmap of the moved mapping: ok" \
	"$("$IHK_BUILD/tests/vm/programs/mremap_shared" | grep -m1 'seal after munmap')"

log "mremap(MREMAP_DONTUNMAP): private and shared memory, 2 MiB pages, MREMAP_FIXED, refusals (programs/mremap_dontunmap.c)"
same_as_native "mremap_dontunmap" "$IHK_BUILD/tests/vm/programs/mremap_dontunmap"

log "mremap racing a reader of its new place: moved pages and zeroed growth, nothing else seen (programs/mremap_race.c)"
same_as_native "mremap_race" "$IHK_BUILD/tests/vm/programs/mremap_race" 2000

log "signalfd: the LWK's signals through poll, epoll and read, dup, fork, bad arguments (programs/signalfd.c)"
same_as_native "signalfd" "$IHK_BUILD/tests/vm/programs/signalfd"
expect_eq "signalfd natively: epoll woken by the itimer's SIGALRM" "epoll_wait woken by SIGALRM: 1, fd is the signalfd: 1" \
	"$("$IHK_BUILD/tests/vm/programs/signalfd" | grep -m1 'epoll_wait woken')"

log "CPU affinity: per thread, masks of any length, inherited (2 CPUs natively and on the LWK)"
same_as_native "affinity" "$IHK_BUILD/tests/vm/programs/affinity"
# Hostile: the program's own mcexec's worker threads (listed by ls, run on
# Linux) are no threads of the program's: sched_*affinity gets ESRCH for them.
workers=$(MCEXEC_LINUX_PROGRAMS=ls timeout -k 5 60 mcexec python3 -c 'import os, subprocess
me = os.getpid()
tids = [int(t) for t in subprocess.run(["ls", "/proc/%d/task" % me], capture_output=True, text=True).stdout.split() if int(t) != me]
out = []
for t in tids:
    for call in (lambda: os.sched_getaffinity(t), lambda: os.sched_setaffinity(t, {0})):
        try:
            call()
            out.append("allowed")
        except ProcessLookupError:
            out.append("ESRCH")
print(len(tids), " ".join(sorted(set(out))))' 2>&1)
case $workers in
[1-9]*" ESRCH") echo "ok: sched_*affinity of mcexec's own workers: ESRCH ($workers)" ;;
*) fail "sched_*affinity of mcexec's own workers: $workers" ;;
esac

log "CPU time of ended threads, reaped children and their children (getrusage, wait4, waitid, times)"
same_as_native "rusage" "$IHK_BUILD/tests/vm/programs/rusage"

log "signals interrupting blocked calls: SA_RESTART, EINTR, other threads, sigsuspend, sigtimedwait"
same_as_native "sig_restart" "$IHK_BUILD/tests/vm/programs/sig_restart"

log "ppoll, pselect6, epoll_pwait(2): the call's signal mask is the program's on the LWK (programs/sigmask_wait.c)"
same_as_native "sigmask_wait" "$IHK_BUILD/tests/vm/programs/sigmask_wait"

log "400 threads blocked in offloaded reads, interrupted at once, then read again (programs/interrupt_burst.c)"
# The burst of interruptions fills the ring to Linux of the sender's CPU, and
# the reads' own messages wait for room. Both used to be lost: an interruption
# dropped after 1000 tries left its read blocked, and a thread that slept while
# its call waited for room unlinked the CPU's other waiters on Linux, whose
# answers then woke nobody (3 runs of 6 hung, with 200 or 400 threads).
same_as_native "interrupt_burst" "$IHK_BUILD/tests/vm/programs/interrupt_burst" 400

log "a signal at every moment of a call's way in interrupts it, and only it (programs/signal_race.c)"
# A signal that came after the call entered McKernel but before notify() could
# see it was not passed on: the call blocked with its signal pending (9 to 20
# of 2000 rounds of read and epoll_wait lost so before the fix, 0 after). Also
# checked: an interruption never ends a later call (the call's number in the
# offload block), and a masked ppoll fails with EINTR however early its signal.
same_as_native "signal_race" "$IHK_BUILD/tests/vm/programs/signal_race" 2000
expect_eq "sigmask_wait natively: ppoll's mask lets SIGALRM through" \
	"ppoll through: EINTR, handled 1, blocked after: yes" \
	"$("$IHK_BUILD/tests/vm/programs/sigmask_wait" | grep -m1 'ppoll through')"

log "real-time signals queue, RLIMIT_SIGPENDING, tgkill and tkill's answers (programs/sig_queue.c)"
same_as_native "sig_queue" "$IHK_BUILD/tests/vm/programs/sig_queue"
"$IHK_BUILD/tests/vm/programs/sig_queue" >/dev/null 2>&1 || fail "sig_queue: fails natively"

log "setitimer, getitimer and alarm on the LWK's clocks, across fork and execve (programs/itimer.c)"
same_as_native "itimer" "$IHK_BUILD/tests/vm/programs/itimer"
"$IHK_BUILD/tests/vm/programs/itimer" >/dev/null 2>&1 || fail "itimer: fails natively"

log "POSIX timers on the LWK's clocks: each clock and sigevent, overruns, fork, execve (programs/posix_timer.c)"
same_as_native "posix_timer" "$IHK_BUILD/tests/vm/programs/posix_timer"
"$IHK_BUILD/tests/vm/programs/posix_timer" >/dev/null 2>&1 || fail "posix_timer: fails natively"

log "job control: stop signals stop the program and its mcexec, a SIGSTOP sent to mcexec stops the program too, SIGCONT continues both (programs/jobctl.c)"
same_as_native "jobctl" "$IHK_BUILD/tests/vm/programs/jobctl"
"$IHK_BUILD/tests/vm/programs/jobctl" >/dev/null 2>&1 || fail "jobctl: fails natively"

log "SIGPIPE and SIGXFSZ of offloaded writes as on Linux (none for MSG_NOSIGNAL); SIGSEGV, SIGBUS, SIGPIPE, SIGXFSZ from another process reach the program (programs/kept_signals.c)"
same_as_native "kept_signals" "$IHK_BUILD/tests/vm/programs/kept_signals"

log "iovec arrays checked in Linux's order: EINVAL for a negative length, then EFAULT (programs/iov_checks.c)"
same_as_native "iov_checks" "$IHK_BUILD/tests/vm/programs/iov_checks"

log "scheduling attributes: what the program sets is what every later call reads, whichever worker serves it (programs/sched_attrs.c)"
same_as_native "sched_attrs" "$IHK_BUILD/tests/vm/programs/sched_attrs"
"$IHK_BUILD/tests/vm/programs/sched_attrs" >/dev/null 2>&1 || fail "sched_attrs: fails natively"
# Changed from outside (by pid: mcexec's main thread), as the program, its
# fork children and its new image see them.
same_as_native "renice -p and ionice -p of the program, then it, a child and its new image read them" bash -c \
	'renice -n 3 -p $$ >/dev/null; ionice -c 2 -n 5 -p $$; python3 -c "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"; nice; ionice; exec nice'
same_as_native "renice -p of the program: getpriority in the program" python3 -c \
	'import os, subprocess; subprocess.run(["renice", "-n", "4", "-p", str(os.getpid())], stdout=subprocess.DEVNULL); print(os.getpriority(os.PRIO_PROCESS, 0))'

log "4000 threads in one process, all alive at once (offloaded and local calls, a barrier)"
expect_eq "many_threads" "many_threads: 4000 created, 4000 alive together, 4000 offloaded calls ok, 4000 own tids, 4000 joined" \
	"$(timeout -k 5 600 mcexec "$IHK_BUILD/tests/vm/programs/many_threads" 4000 2>&1)"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"

log "150 processes alive at once, each blocked in an offloaded read (programs/many_procs.c; the LWK used to stop at 64)"
# While they are, what each costs Linux's kernel allocator (Slab, where large
# kmallocs count too): the task and file structures of its mcexec, and no
# longer mcctrl's call queues, which were sized for 16384 threads (400 KiB for
# every process: 612 KiB in all, measured).
slab_kib() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
hold=$work/many_procs
slab_before=$(slab_kib)
timeout -k 5 600 mcexec "$IHK_BUILD/tests/vm/programs/many_procs" 150 "$hold" > "$hold.out" 2>&1 &
many=$!
for _ in $(seq 2400); do [ -e "$hold.ready" ] || ! kill -0 $many 2>/dev/null && break; sleep 0.25; done
per_proc=$((($(slab_kib) - slab_before) / 150))
touch "$hold.go"
# Let go, all 150 end at once on one LWK CPU: more end messages than its ring
# to Linux holds (64). One dropped left that child's mcexec, and the parent's
# wait, waiting for good (2 CI runs of 2 hung here); they now wait for room.
for _ in $(seq 480); do kill -0 $many 2>/dev/null || break; sleep 0.25; done
if kill -0 $many 2>/dev/null; then
	fail "many_procs: not all ended within 120 s of their release ($(pgrep -fc 'programs/many_procs') mcexecs left)"
	pkill -KILL -f 'programs/many_procs' || true
fi
wait $many || true
expect_eq "many_procs" "many_procs: 150 forked, 150 alive together, 150 reaped with their status" "$(cat "$hold.out")"
echo "info: times an LWK CPU's ring to Linux was full (kept messages): $(ihkosctl 0 kmsg | grep -c 'ring to Linux full' || true)"
[ -e "$hold.ready" ] && [ $per_proc -lt 256 ] && echo "ok: $per_proc KiB of kernel slab per LWK process" ||
	fail "kernel slab per LWK process: $per_proc KiB (at most 256 expected)"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"

log "LWK memory Linux can pin: O_DIRECT, vmsplice, process_vm_readv/writev (programs/direct_io.c, pvm.c)"
D=$IHK_BUILD/tests/vm/programs/direct_io
V=$IHK_BUILD/tests/vm/programs/pvm
# O_DIRECT needs a file system that has it: ext4 on a loop device (tmpfs has none on 6.1).
modprobe loop && modprobe ext4 || fail "loop or ext4 module missing"
truncate -s 64M "$work/ext4.img"
mkfs.ext4 -q -F "$work/ext4.img"
mkdir -p "$work/ext4"
dev=$(losetup -f --show "$work/ext4.img")
mount -t ext4 "$dev" "$work/ext4"
same_as_native "O_DIRECT write, read, read-only buffers" "$D" rw "$work/ext4/f"
same_as_native "vmsplice, unmap, new memory, read the pipe" "$D" splice
same_as_native "the same with 200 separate pages (more than one report)" "$D" splice-sparse
held0=$(ihkosctl 0 kmsg | grep -c 'still held by Linux' || true)
same_as_native "munmap while O_DIRECT reads into it" "$D" race "$work/ext4/f"
echo "info: runs of pages Linux held at an unmap: $(($(ihkosctl 0 kmsg | grep -c 'still held by Linux' || true) - held0))"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"
umount "$work/ext4"
losetup -d "$dev"

# pvm_run LAUNCHER: a server (natively, or under mcexec) read and written by a native peek.
pvm_run() {
	local pid addr ro srv
	coproc SRV { exec $1 "$V" serve; }
	srv=$SRV_PID
	read -r -t 60 pid addr ro <&"${SRV[0]}" || { echo "no server"; return; }
	"$V" peek "$pid" "$addr" "$ro"
	echo go >&"${SRV[1]}"
	timeout 60 cat <&"${SRV[0]}"
	wait "$srv"
	echo "server status $?"
}
expect_eq "process_vm_readv/writev into an LWK program" "$(pvm_run "")" "$(pvm_run "timeout 120 mcexec")"

log "MCEXEC_LINUX_PROGRAMS: named programs run on Linux"
expect_eq "exec of a program named there" "exec-where: elsewhere" "$(MCEXEC_LINUX_PROGRAMS=spawn timeout 60 mcexec "$P" exec-where)"
expect_eq "exec of another one" "exec-where: where the parent is" "$(MCEXEC_LINUX_PROGRAMS=bash:/bin/nothing timeout 60 mcexec "$P" exec-where)"

log "a fork bomb (bounded): fork fails as on Linux (RLIMIT_NPROC of 64, for a user), the instance stays up"
chown 65534 /dev/mcos0
out=$(cd / && timeout -k 5 300 setpriv --reuid=65534 --regid=65534 --clear-groups \
	bash -c 'ulimit -u 64; exec mcexec "$0" fork-limit' "$P" 2>/dev/null) || true
chown 0 /dev/mcos0
expect_eq "fork until it fails" "fork-limit: EAGAIN|fork-limit: all children reaped" \
	"$(echo "$out" | sed 's/ENOMEM/EAGAIN/' | paste -sd'|')"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"
expect_eq "the next program runs" 0 "$(timeout 60 mcexec /bin/true; echo $?)"

log "a parent killed with children running: the orphans live on, as on Linux, and end when killed"
timeout -k 5 120 mcexec bash -c '/bin/sleep 300 & /bin/sleep 300 & sleep 1; kill -9 $$' || true
sleep 2
# Each orphan's mcexec (and its view's cleaner, a fork of it) runs /bin/sleep.
orphans=$(pgrep -c -f 'exec /bin/sleep -- /bin/sleep 300' || true)
[ "$orphans" -ge 2 ] && echo "ok: the orphans still run" || fail "the orphans are gone ($orphans processes)"
pkill -9 -f 'exec /bin/sleep -- /bin/sleep 300' 2>/dev/null || true
for _ in $(seq 50); do pgrep -x mcexec >/dev/null || break; sleep 0.2; done
expect_eq "mcexec processes left" 0 "$(pgrep -c -x mcexec || true)"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"
expect_eq "the next program runs" 0 "$(timeout 60 mcexec /bin/true; echo $?)"

log "pages Linux still holds when the program ends and the instance stops"
want=$("$D" pattern 1 | md5sum)
mkfifo "$work/fifo"
exec 7<>"$work/fifo"
expect_eq "vmsplice to a pipe, exit" 0 "$(timeout 60 mcexec "$D" splice-out 1 >&7; echo $?)"
expect_ok timeout 120 mcexec "$IHK_BUILD/tests/vm/programs/mem_hog" 600
expect_eq "the pipe, after the LWK reused its memory" "$want" "$(head -c 1048576 <&7 | md5sum)"
want_sparse=$("$D" pattern 1 sparse | md5sum)
expect_eq "vmsplice of 200 separate pages to a pipe, exit" 0 "$(timeout 60 mcexec "$D" splice-out 1 sparse >&7; echo $?)"
expect_eq "more held than one report: all of its pages kept" 1 \
	"$(ihkosctl 0 kmsg | grep -c 'too many of its pages to list: keeping all' || true)"
expect_ok timeout 120 mcexec "$IHK_BUILD/tests/vm/programs/mem_hog" 600
expect_eq "that pipe, after the LWK reused its memory" "$want_sparse" "$(head -c 819200 <&7 | md5sum)"
expect_eq "vmsplice to a pipe, exit (again)" 0 "$(timeout 60 mcexec "$D" splice-out 1 >&7; echo $?)"
expect_ok mcstop+release.sh
expect_eq "the pipe, after the instance is gone" "$want" "$(head -c 1048576 <&7 | md5sum)"
given=$(dmesg | grep -c 'still held by Linux: given back' || true)
[ "$given" -ge 1 ] && echo "ok: $given 2 MiB block(s) Linux held went back to Linux, not to the pool" ||
	fail "no block held by Linux at the instance's end was given back to Linux"
exec 7<&-
assert_node_clean
finish
