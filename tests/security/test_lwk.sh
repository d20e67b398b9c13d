# SPDX-License-Identifier: GPL-2.0
# Hostile LWK programs and instance owners. Everything runs as uid 65534, the
# owner of the instance; programs/hostile.c runs under mcexec and natively, and
# the two runs must print the same lines unless a case says otherwise.
#
#   1 ro-file       a file the user may only read cannot be written through a
#                   mapping: mprotect and pkey_mprotect to RW, an offloaded read()
#                   into it and mmap RW give EACCES/EFAULT; the user's own file and
#                   a private copy may be written (positive controls)
#   2 ro-memory     offloaded calls cannot write read-only, inaccessible or text
#                   pages (mcexec's view must honour the program's protections)
#   3 stale-view    after munmap, mcexec's view of the pages is gone even when
#                   pkey_mprotect or mbind (offloaded) changed mcexec's mapping, so
#                   a read() into the old address cannot write memory reused since
#   6 mcexec-fds    mcexec's own descriptors sit at the top of RLIMIT_NOFILE, above
#                   the program's hard limit: ioctl, fcntl, close, dup, dup2, dup3,
#                   F_DUPFD, pidfd_getfd at 1000, 1001 and around the program's soft
#                   and hard limits answer as natively (dup2(1, 1000) is 1000); the
#                   program's RLIMIT_NOFILE is Linux's less 2 (hard, soft capped), the
#                   same through getrlimit, prlimit64, sysconf, getdtablesize, and
#                   holds as natively when set; close_range(3, ~0U) leaves mcexec working
#   7 mcexec-ptr    pointers at and above 64 TiB (mcexec's memory) give EFAULT and
#                   mcexec survives every one
#   8 proc-self-mem /proc/self/mem (mcexec's memory) cannot be opened read-write; while
#                   a thread opens it (and /proc/<pid>/mem, pagemap) again and again,
#                   another reading every descriptor 3..64 never reads through one
#   9 map-matrix    programs/matrix.c: mmap MAP_FIXED, mprotect, pkey_mprotect,
#                   munmap, mremap (shrink, grow, move), madvise DONTNEED/FREE, mlock,
#                   munlock, msync on anonymous memory and on private and shared
#                   mappings of a file opened read-only, write-only and read-write;
#                   brk shrink and grow; the file ends as natively
#  10 shared-repin  a shared read-only mapping of a writable file made writable
#                   (whole, after a split, piece by piece): the writes reach the file
#  11 memfd-seals   F_SEAL_WRITE and F_SEAL_FUTURE_WRITE hold through mappings
#  12 mcexec-io     SCM_RIGHTS with mcexec's descriptors, iovecs and message headers
#                   pointing into mcexec, process_vm_writev there, mcexec's private
#                   request numbers, a socket filter and pselect6's sigset there,
#                   bpf: the native answers
#  13 mcexec-only   what only mcexec refuses: MCEXEC_CREATE from the program,
#                   /proc/self/task/<tid>/mem, PR_SET_SECCOMP, traps on its worker
#                   (PR_SET_SYSCALL_USER_DISPATCH, PR_SET_TSC)
#  14 iov-race      another thread flips an iovec's base into mcexec during writev
#  15 pin-limit     Linux pages pinned for shared file mappings are charged to
#                   RLIMIT_MEMLOCK (VmPin): past it mmap gives EAGAIN; root
#                   (CAP_IPC_LOCK) is not limited; the charge goes with the program
#  16 sysv-shm      a System V segment of root's, readable by all: attached for
#                   writing or executing gives EACCES, read-only works; writes to
#                   it fault and mprotect to RW gives EACCES; IPC_RMID is refused
#  17 noexec       a noexec mount: mmap PROT_EXEC (private or shared) EPERM,
#                   mprotect/pkey_mprotect adding PROT_EXEC EACCES, dlopen of a
#                   library there and execve of a program there fail, as natively;
#                   mcexec of a program there exits 126
#  18 mcexec-range  mmap MAP_FIXED, pkey_mprotect, madvise, mbind, brk at
#                   0x500000000000 (mcexec's range) as Linux answers above the task
#                   size or for unmapped memory; ptrace of mcexec (attach, seize,
#                   traceme) EPERM; the owner cannot split, re-protect or move
#                   mcexec's unified view (programs/view_owner.c)
#  20 close-in-call programs/close_in_call.c, as the owner: 100 times, a process
#                   whose thread waits (spinning, then asleep) for an offloaded
#                   call nobody answers, its file closed at a random moment: every
#                   one ends (no process left, the next CREATE works); on
#                   vulnerable code a KILL taken by the very CPU the thread spun
#                   on left it blocked for good
#  21 early-signal  programs/early_signal.c, as the owner: each signal 1..64, then
#                   SIGCONT, sent to a process before its START: the instance
#                   stays RUNNING, and one so signalled still starts and runs; on
#                   vulnerable code the main thread returned to user mode with no
#                   user state (a #GP in the kernel) and the whole machine reset
#   4 kernel-addr   memory calls on kernel, non-canonical and mcexec addresses fail
#                   as on Linux; on vulnerable code madvise zeroes the LWK's text
#                   and the whole virtual machine resets
#   5 pin           MCEXEC_PIN by the owner cannot make mcctrl write into the LWK's
#                   image; on vulnerable code the LWK dies
#  19 entry-modes   programs/entry_modes.c: SYSCALL, SYSENTER and INT 0x80 from
#                   32-bit code (a far jump to the 32-bit code segment) and from
#                   64-bit code give ENOSYS or a signal to a 64-bit handler, INT3
#                   SIGTRAP; on
#                   vulnerable code SYSCALL from 32-bit code entered the LWK's
#                   kernel mode at MSR_CSTAR (0) and the whole machine reset
#
# After every case the instance is RUNNING and runs /bin/true. SECURITY_CASES="5"
# runs only the cases listed, e.g. on the vulnerable code, where case 4 ends the run:
#   tests/vm/vmrun --build build -- env SECURITY_CASES=5 bash tests/security/test_lwk.sh
# Cases 4, 5, 19 and 21 come last: on vulnerable code they take the node down, and
# vmrun reports the guest's end (status 125) within its --timeout instead of a result.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
PROGS=$IHK_BUILD/tests/security/programs
H=$PROGS/hostile
MX=$PROGS/matrix
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# run_prog_lwk PROG ARGS...: PROG ARGS under mcexec as the owner; its stderr is kept in $work/lwk.err.
run_prog_lwk() { timeout 120 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups mcexec "$@" 2>"$work/lwk.err"; }
# run_lwk ARGS...: hostile ARGS under mcexec as the owner.
run_lwk() { run_prog_lwk "$H" "$@"; }

# Lines whose value under mcexec may differ from the native one: allow[name]=regex.
declare -A allow=()

# compare_lines WHAT NATIVE LWK: line by line, the same name and value, or a value allow[] accepts.
compare_lines() {
	local what=$1 i bad=0 n l name
	local -a nl ll
	mapfile -t nl <<<"$2"
	mapfile -t ll <<<"$3"
	[ ${#nl[@]} -eq ${#ll[@]} ] || bad=1
	for i in "${!nl[@]}"; do
		n=${nl[i]} l=${ll[i]:-}
		[ "$n" == "$l" ] && continue
		name=${n%%: *}
		if [ "${l%%: *}" == "$name" ] && [ -n "${allow[$name]:-}" ] && [[ ${l#*: } =~ ^(${allow[$name]})$ ]]; then
			echo "ok: $what: '$l' (natively '$n'), allowed"
			continue
		fi
		bad=1
	done
	if [ $bad -eq 0 ]; then
		echo "ok: $what: ${#ll[@]} lines as natively"
	else
		fail "$what: under mcexec the lines differ from the native run (< native, > mcexec)"
		diff <(echo "$2") <(echo "$3") || true
		if [ -s "$work/lwk.err" ]; then echo "mcexec's stderr: $(head -c 2000 "$work/lwk.err")"; fi
	fi
}

# expect_lines WHAT EXPECTED ACTUAL: each line of ACTUAL matches the extended regex on EXPECTED's line.
expect_lines() {
	local what=$1 i bad=0
	local -a el al
	mapfile -t el <<<"$2"
	mapfile -t al <<<"$3"
	[ ${#el[@]} -eq ${#al[@]} ] || bad=1
	for i in "${!el[@]}"; do
		[[ ${al[i]:-} =~ ^(${el[i]})$ ]] || bad=1
	done
	if [ $bad -eq 0 ]; then
		echo "ok: $what: as expected"
	else
		fail "$what: not as expected (< expected, > got)"
		diff <(echo "$2") <(echo "$3") || true
		if [ -s "$work/lwk.err" ]; then echo "mcexec's stderr: $(head -c 2000 "$work/lwk.err")"; fi
	fi
}

# same_as_native WHAT ARGS...: hostile ARGS prints the same lines and ends with the
# same status under mcexec as natively.
same_as_native() {
	local what=$1 native lwk rn=0 rl=0
	shift
	native=$(as_owner "$H" "$@" 2>&1) || rn=$?
	lwk=$(run_lwk "$@") || rl=$?
	compare_lines "$what" "$native" "$lwk"
	expect_eq "$what: status under mcexec (natively $rn)" $rn $rl
}

# mx_same_as_native WHAT ARGS...: matrix ARGS prints the same lines and ends with the
# same status under mcexec as natively; $MAP_FILE is reset before each run and, when
# ARGS name it, must end the same.
mx_same_as_native() {
	local what=$1 native lwk rn=0 rl=0
	shift
	reset_map_file
	native=$(as_owner "$MX" "$@" 2>&1) || rn=$?
	cp "$MAP_FILE" "$work/map.native"
	reset_map_file
	lwk=$(run_prog_lwk "$MX" "$@") || rl=$?
	compare_lines "$what" "$native" "$lwk"
	expect_eq "$what: status under mcexec (natively $rn)" $rn $rl
	if [[ " $* " != *" $MAP_FILE "* ]]; then
		return 0
	elif cmp -s "$work/map.native" "$MAP_FILE"; then
		echo "ok: $what: the file is as the native run left it"
	else
		fail "$what: the file differs from the native run's (offset, native, mcexec): $(cmp -l "$work/map.native" "$MAP_FILE" | head -5 | tr '\n' ' ')"
	fi
}


RO_FILE=$work/sec-ro
OWN_FILE=$work/sec-own
head -c 4096 /dev/zero | tr '\0' r > "$work/ro.orig"

# reset_files: root's read-only file and the owner's own file, as they were.
reset_files() {
	install -m 0644 -o 0 -g 0 "$work/ro.orig" "$RO_FILE"
	head -c 4096 /dev/zero | tr '\0' o > "$OWN_FILE"
	chown $OWNER:$OWNER "$OWN_FILE"
	chmod 0644 "$OWN_FILE"
}

# check_files WHO: the read-only file is intact, the owner's file was written.
check_files() {
	if cmp -s "$work/ro.orig" "$RO_FILE"; then
		echo "ok: $1: the read-only file is unchanged"
	else
		fail "$1: the read-only file was written: starts with '$(head -c 40 "$RO_FILE")'"
	fi
	expect_eq "$1: the owner's file was written through its mapping" W "$(head -c 1 "$OWN_FILE")"
}

MAP_FILE=$work/sec-map

# reset_map_file: the owner's 8-page file, page i all 'a' + i.
reset_map_file() {
	local i
	for i in 0 1 2 3 4 5 6 7; do
		head -c 4096 /dev/zero | tr '\0' "\\$(printf %03o $((97 + i)))"
	done > "$MAP_FILE"
	chown $OWNER:$OWNER "$MAP_FILE"
	chmod 0644 "$MAP_FILE"
}

case_ro_file() {
	log "case 1: a file the owner may only read stays unwritten"
	local native lwk rn=0 rl=0
	reset_files
	native=$(as_owner "$H" ro-file "$RO_FILE" "$OWN_FILE" 2>&1) || rn=$?
	check_files native
	reset_files
	lwk=$(run_lwk ro-file "$RO_FILE" "$OWN_FILE") || rl=$?
	check_files "under mcexec"
	compare_lines ro-file "$native" "$lwk"
	expect_eq "ro-file: status under mcexec (natively $rn)" $rn $rl
	check_alive "case 1"
}

case_ro_memory() {
	log "case 2: offloaded calls do not write read-only, inaccessible or text pages"
	same_as_native ro-memory ro-memory
	check_alive "case 2"
}

case_stale_view() {
	log "case 3: no stale view of unmapped memory in mcexec (pkey_mprotect, mbind)"
	same_as_native "stale-view after pkey_mprotect" stale-view pkey
	check_alive "case 3 (pkey_mprotect)"
	same_as_native "stale-view after mbind" stale-view mbind
	check_alive "case 3 (mbind)"
}

case_mcexec_fds() {
	log "case 6: mcexec's own descriptors are not the program's"
	local native lwk rn=0 rl=0 soft hard opens want
	same_as_native mcexec-fds mcexec-fds
	check_alive "case 6 (ioctl, fcntl, close, dup*, pidfd_getfd)"
	# The program's RLIMIT_NOFILE: Linux's hard limit less mcexec's two, the soft
	# one capped by it (docs/security.md). open needs a second free number for
	# a moment, so the last one goes to dup, pipe and the like only.
	native=$(as_owner "$H" nofile 2>&1) || rn=$?
	lwk=$(run_lwk nofile) || rl=$?
	soft=$(sed -n 's/^nofile-soft: //p' <<<"$native")
	hard=$(sed -n 's/^nofile-hard: //p' <<<"$native")
	opens=$(sed -n 's/^opens-until-full: //p' <<<"$native")
	echo "natively RLIMIT_NOFILE $soft/$hard, $opens opens below 64"
	if [ -z "$soft" ] || [ -z "$hard" ] || [ -z "$opens" ]; then
		fail "nofile: the native run printed no limits"
	else
		want=$((hard - 2))
		[ "$soft" -lt "$want" ] || soft=$want
		compare_lines nofile "$(sed -e "s/^nofile-soft: .*/nofile-soft: $soft/" -e "s/^nofile-hard: .*/nofile-hard: $want/" \
			-e "s/^opens-until-full: .*/opens-until-full: $((opens - 1))/" <<<"$native")" "$lwk"
	fi
	expect_eq "nofile: status under mcexec (natively $rn)" $rn $rl
	check_alive "case 6 (RLIMIT_NOFILE)"
	# Last in its own program: on vulnerable code it closes mcexec's descriptors.
	same_as_native close-range close-range
	check_alive "case 6 (close_range)"
}

case_mcexec_ptr() {
	log "case 7: pointers into mcexec's memory (at and above 64 TiB)"
	local i native lwk rn rl want
	for i in 0 1 2 3 4 5 6 7 8; do
		rn=0 rl=0
		native=$(as_owner "$H" mcexec-ptr $i 2>&1) || rn=$?
		# Every check is EFAULT natively (the address is not mapped there); the
		# straddling one first maps the last page of the user range.
		want=$(sed -e 's/: .*/: EFAULT/' -e 's/^map-last-user-page: EFAULT$/map-last-user-page: ok/' <<<"$native")
		expect_lines "mcexec-ptr $i natively (the address must be unmapped there)" "$want" "$native"
		lwk=$(run_lwk mcexec-ptr $i) || rl=$?
		compare_lines "mcexec-ptr $i" "$native" "$lwk"
		expect_eq "mcexec-ptr $i: status under mcexec (natively $rn)" $rn $rl
	done
	rl=0
	lwk=$(run_lwk mcexec-maps) || rl=$?
	expect_lines "mcexec-maps: mappings /proc/self/maps shows above 64 TiB are out of reach" \
		"$(printf '%s\n' 'read-into-stack-above-64TiB: (EFAULT|none)' \
			'process_vm_readv-stack-above-64TiB: (EFAULT|none)' 'done')" "$lwk"
	expect_eq "mcexec-maps: status" 0 $rl
	check_alive "case 7"
}

case_proc_self_mem() {
	log "case 8: /proc/self/mem is mcexec's memory: not for the program"
	local native lwk rl=0
	native=$(as_owner "$H" proc-self-mem 2>&1) || true
	echo "natively (for reference): ${native%%$'\n'*}"
	lwk=$(run_lwk proc-self-mem) || rl=$?
	expect_lines "proc-self-mem under mcexec" "$(printf '%s\n' 'open-proc-self-mem-rdwr: EACCES' 'done')" "$lwk"
	expect_eq "proc-self-mem: status" 0 $rl
	native=$(as_owner "$H" mem-race 2>&1) || true
	expect_lines "mem-race natively (the reader finds the open files)" \
		"$(printf '%s\n' 'opens: some' 'reads-of-the-program-through-mem: some' 'done')" "$native"
	rl=0
	lwk=$(run_lwk mem-race) || rl=$?
	expect_lines "mem-race under mcexec: nothing opened, nothing read, not for a moment" \
		"$(printf '%s\n' 'opens: none' 'reads-of-the-program-through-mem: none' 'done')" "$lwk"
	expect_eq "mem-race: status" 0 $rl
	check_alive "case 8"
}

case_map_matrix() {
	log "case 9: every call that changes a mapping, on every kind of mapping"
	local t
	for t in anon private-rdonly private-wronly private-rdwr shared-rdonly shared-wronly shared-rdwr; do
		allow=()
		case $t in
		anon)
			# MADV_FREE lets the kernel drop the pages whenever it likes: the old
			# data (Linux without memory pressure) and zero pages (the LWK frees
			# them at once) are both right.
			allow=([after-free]='cE|00')
			;;
		private-*)
			# Documented differences (docs/syscalls.md): pages of a private file
			# mapping dropped by MADV_DONTNEED, or added by mremap, read as zero
			# on the LWK; Linux reads the file again.
			allow=([after-dontneed]='00' [mremap-grow-data]='abcd00' [mremap-move-data]='abcd00')
			;;
		shared-*)
			# mremap of a MAP_SHARED file mapping is a documented difference:
			# EINVAL on the LWK, which does not move Linux's pages (docs/syscalls.md).
			allow=([mremap-grow]='EINVAL' [mremap-grow-data]='none' [mremap-move]='EINVAL'
				[mremap-move-data]='none' [mincore-moved-away]='none')
			;;
		esac
		if [ $t == anon ]; then
			mx_same_as_native "map $t" map $t
		else
			mx_same_as_native "map $t" map $t "$MAP_FILE"
		fi
		allow=()
		check_alive "case 9 ($t)"
	done
	mx_same_as_native "brk shrink and grow" brk
	check_alive "case 9 (brk)"
}

case_shared_repin() {
	log "case 10: a shared read-only mapping of a writable file made writable (re-pin)"
	mx_same_as_native shared-repin shared-repin "$MAP_FILE"
	check_alive "case 10"
}

case_memfd_seals() {
	log "case 11: sealed memfds stay sealed through mappings"
	# Documented difference (docs/mcexec.md): mcexec keeps its own writable
	# mapping of a shared file until the program ends, so sealing for writes
	# after the program's munmap still finds a writable mapping.
	allow=([add-seal-write-after-munmap]='EBUSY')
	mx_same_as_native memfd-seals memfd-seals
	allow=()
	check_alive "case 11"
}

case_mcexec_io() {
	log "case 12: descriptors, iovecs and message headers aimed at mcexec"
	local i native lwk rn rl
	# The native answers: 1000 and 1001 are not open, 0x500000000000 is not
	# mapped, the numbers are no system calls.
	local -a want=(
		$'sendmsg-scm-rights-fd1000: EBADF\nsendmsg-scm-rights-fd1001: EBADF\nsendmsg-scm-rights-fd0: 1\ndone'
		$'sendmsg-iov-far: EFAULT\ndone'
		$'recvmsg-iov-far: EFAULT\ndone'
		$'writev-far: EFAULT\ndone'
		$'readv-far: EFAULT\ndone'
		$'sendmsg-name-far: EFAULT\nsendmsg-control-far: EFAULT\ndone'
		$'recvmsg-name-far: EFAULT\ndone'
		$'process_vm_writev-self-remote-far: EFAULT\nprocess_vm_writev-self-local-far: EFAULT\ndone'
		$'syscall-mck-map-shared: ENOSYS\nsyscall-mck-shared-writable: ENOSYS\nsyscall-mck-child-reap: ENOSYS\nsyscall-602: ENOSYS\ndone'
		# Nested pointers; bpf is EPERM for an unprivileged user (unprivileged_bpf_disabled).
		$'setsockopt-filter-far: EFAULT\npselect6-sigset-far: EFAULT\npselect6-sigset-own: ok\nbpf-map-create: EPERM\ndone'
	)
	for i in "${!want[@]}"; do
		rn=0 rl=0
		native=$(as_owner "$MX" mcexec-io $i 2>&1) || rn=$?
		expect_lines "mcexec-io $i natively" "${want[i]}" "$native"
		lwk=$(run_prog_lwk "$MX" mcexec-io $i) || rl=$?
		compare_lines "mcexec-io $i" "$native" "$lwk"
		expect_eq "mcexec-io $i: status under mcexec (natively $rn)" $rn $rl
		check_alive "case 12 ($i)"
	done
}

case_mcexec_only() {
	log "case 13: what only mcexec refuses (/dev/mcos0, its /proc/<tid>/mem, seccomp, traps, Landlock, speculation controls)"
	local i native lwk rl
	local -a want=(
		# The program may open its instance's device (mcexec may), but mcctrl
		# makes one program per mcexec: no second process from the program.
		$'open-dev-mcos0: (ok|EACCES|EPERM)\nioctl-mcexec-create: (EBUSY|EACCES|EPERM|EBADF)\ndone'
		$'open-proc-self-task-tid-mem: EACCES\nopen-proc-self-task-tid-mem-rdwr: EACCES\nopen-proc-thread-self-mem-rdwr: EACCES\ndone'
		# prctl's pointer into mcexec may be refused first (EFAULT).
		$'prctl-set-seccomp-strict: EINVAL\nprctl-set-seccomp-filter-far: (EINVAL|EFAULT)\nseccomp-strict: ENOSYS\nalive-after-seccomp: yes\ndone'
		# Traps that would end mcexec at its own next call (the fuzzer found the first).
		$'prctl-syscall-user-dispatch-on: EINVAL\ngetppid-after-dispatch: ok\nprctl-set-tsc-sigsegv: EINVAL\nprctl-get-tsc: ok\ntsc-mode: 1\nprctl-set-tsc-enable: ok\nclock-and-files-after: ok\nalive-after-prctl: yes\ndone'
		# A Landlock domain would confine one worker: 39 of 40 opens got past it.
		$'landlock-abi-version: ENOSYS\nlandlock-create-ruleset: ENOSYS\nno-new-privs: ok\nlandlock-restrict-self: ENOSYS\nopens-after: 40 of 40\ndone'
		# Speculation controls would be the worker's, not the LWK CPU's: no
		# mitigation claimed that the program does not have.
		$'spec-store-bypass-control: none\nprctl-set-spec-store-bypass-disable: ENXIO\nspec-store-bypass-disabled-after: no\nprctl-get-spec-unknown: ENODEV\ndone'
	)
	# Natively these are the program's own: /proc/<tid>/mem opens (shown for
	# reference); the others are not run (a second LWK process, strict seccomp,
	# armed traps, a Landlock domain); speculation controls for the node's answer.
	native=$(as_owner "$MX" mcexec-only 1 2>&1) || true
	echo "natively, speculation controls: $(as_owner "$MX" mcexec-only 5 2>&1 | tr '\n' ' ')"
	echo "natively (for reference): $(tr '\n' ' ' <<<"$native")"
	for i in "${!want[@]}"; do
		rl=0
		lwk=$(run_prog_lwk "$MX" mcexec-only $i) || rl=$?
		expect_lines "mcexec-only $i under mcexec" "${want[i]}" "$lwk"
		expect_eq "mcexec-only $i: status" 0 $rl
		check_alive "case 13 ($i)"
	done
}

case_iov_race() {
	log "case 14: a thread flips an iovec's base into mcexec while writev runs (1 s)"
	mx_same_as_native iov-race iov-race
	check_alive "case 14"
}

case_noexec() {
	log "case 17: a noexec mount: no PROT_EXEC, no dlopen, no execve from it"
	local nx=$work/noexec so native lwk rn=0 rl=0 want
	so=$(ldd "$H" | awk '$1 ~ /^libc\.so/ { print $3 }')
	so=${so%/libc.so.6}/libm.so.6
	mkdir -p "$nx"
	mount -t tmpfs -o noexec,size=32m sec-noexec "$nx"
	chmod 755 "$nx"
	cp "$so" "$nx/libm-copy.so"
	install -m 0755 "$H" "$nx/hostile"
	head -c 8192 /dev/zero | tr '\0' x > "$nx/data"
	cp "$nx/data" "$work/data-exec"
	chmod 644 "$nx/data" "$work/data-exec" "$nx/libm-copy.so"
	want=$(printf '%s\n' 'mmap-private-exec-noexec: EPERM' 'mmap-shared-exec-noexec: EPERM' \
		'mmap-private-read-noexec: ok' 'mprotect-exec-private-noexec: EACCES' \
		'pkey_mprotect-exec-private-noexec: EACCES' 'mprotect-rw-private-noexec: ok' \
		'mmap-shared-read-noexec: ok' 'mprotect-exec-shared-noexec: EACCES' \
		'mprotect-exec-private-control: ok' 'mmap-private-exec-control: ok' \
		'dlopen-noexec: failed to map segment' 'execve-noexec: EACCES' 'done')
	native=$(as_owner "$H" noexec "$nx/data" "$nx/libm-copy.so" "$nx/hostile" "$work/data-exec" 2>&1) || rn=$?
	expect_lines "noexec natively" "$want" "$native"
	lwk=$(run_lwk noexec "$nx/data" "$nx/libm-copy.so" "$nx/hostile" "$work/data-exec") || rl=$?
	compare_lines noexec "$native" "$lwk"
	expect_eq "noexec: status under mcexec (natively $rn)" $rn $rl
	rl=0
	run_prog_lwk "$nx/hostile" mcexec-range >/dev/null || rl=$?
	expect_eq "mcexec of a program on a noexec mount (as execve: EACCES)" 126 $rl
	umount "$nx"
	# A program whose dynamic loader lies on a noexec mount (the same length of
	# path in its PT_INTERP): Linux's execve is EACCES, mcexec does not load it.
	mkdir -p /tmp/nx
	mount -t tmpfs -o noexec,size=8m sec-nx /tmp/nx
	cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" /tmp/nx/ld-linux-x86-64.so2
	perl -0777 -pe 's|/lib64/ld-linux-x86-64\.so\.2|/tmp/nx/ld-linux-x86-64.so2|' "$H" >"$work/hostile-nxld"
	chmod 755 "$work/hostile-nxld"
	rn=0
	as_owner "$work/hostile-nxld" traceme >/dev/null 2>&1 || rn=$?
	expect_eq "natively, a program whose loader is on a noexec mount does not run" yes "$([ $rn -ne 0 ] && echo yes)"
	rl=0
	run_prog_lwk "$work/hostile-nxld" traceme >/dev/null || rl=$?
	expect_eq "mcexec of a program whose loader is on a noexec mount" 126 $rl
	umount /tmp/nx
	rmdir /tmp/nx
	check_alive "case 17"
}

case_mcexec_range() {
	log "case 18: memory calls and ptrace aimed at mcexec; the owner against mcexec's view"
	local native lwk rn=0 rl=0 out
	# Natively 0x500000000000 is ordinary user space: MAP_FIXED maps it. The
	# LWK's task size is 64 TiB: ENOMEM, as Linux says above its own.
	allow=([mmap-fixed-mcexec-range]='ENOMEM')
	native=$(as_owner "$H" mcexec-range 2>&1) || rn=$?
	lwk=$(run_lwk mcexec-range) || rl=$?
	compare_lines mcexec-range "$native" "$lwk"
	allow=()
	expect_eq "mcexec-range: status under mcexec (natively $rn)" $rn $rl
	expect_lines "mcexec-range under mcexec" "$(printf '%s\n' 'mmap-fixed-mcexec-range: ENOMEM' \
		'pkey_mprotect-mcexec-range: ENOMEM' 'madvise-dontneed-mcexec-range: ENOMEM' \
		'mbind-mcexec-range: EFAULT' 'mbind-bind-mcexec-range: EFAULT' 'brk-to-mcexec-range: unchanged' \
		'ptrace-attach-self: EPERM' 'ptrace-seize-self: EPERM' 'getpid-after: ok' 'done')" "$lwk"
	check_alive "case 18 (memory calls)"
	# Natively the program may ask its parent to trace it; mcexec's tracer
	# would trace mcexec (docs/security.md: EPERM).
	lwk=$(run_lwk traceme) || true
	expect_lines "PTRACE_TRACEME under mcexec" "$(printf '%s\n' 'ptrace-traceme: EPERM' 'done')" "$lwk"
	check_alive "case 18 (ptrace)"
	rl=0
	out=$(timeout 60 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$PROGS/view_owner" /dev/mcos0 2>&1) || rl=$?
	expect_lines "the owner splits, re-protects, moves mcexec's view" "$(printf '%s\n' 'map-view: ok' \
		'munmap-part: EINVAL' 'mprotect-part: EACCES' 'mprotect-whole: EACCES' 'mprotect-whole-exec: EACCES' \
		'madvise-dofork-part: EINVAL' 'mbind-part: EINVAL' 'mremap-shrink: EINVAL' 'mremap-grow: EFAULT' \
		'mremap-move-part: EINVAL' 'view-whole: yes' 'done')" "$out"
	expect_eq "view_owner status" 0 $rl
	check_alive "case 18 (view)"
}

case_close_in_call() {
	log "case 20: mcexec gone while its program waits for a call (a process left when vulnerable)"
	local out rc=0 i
	out=$(timeout 300 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$PROGS/close_in_call" /dev/mcos0 100 \
		$RANDOM 2>&1) || rc=$?
	expect_lines "close_in_call" 'rounds: 100, calls seen: [0-9]+' "$out"
	expect_eq "close_in_call: status" 0 $rc
	for ((i = 0; i < 20; i++)); do
		[ "$(lwk_rusage processes)" != 0 ] || break
		sleep 0.25
	done
	expect_eq "LWK processes 5 s after the last close" 0 "$(lwk_rusage processes)"
	check_alive "case 20"
}

# ---- The cases below reset the whole virtual machine on vulnerable code. ----

case_early_signal() {
	log "case 21: signals to a process before its START (VM reset when vulnerable)"
	local out rc=0
	out=$(timeout 300 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$PROGS/early_signal" /dev/mcos0 2>&1) ||
		rc=$?
	expect_lines "early_signal" "$(printf '%s\n' 'signals taken before START: 64, instance RUNNING after each: 64' \
		'started after signals: ran')" "$out"
	expect_eq "early_signal: status" 0 $rc
	check_alive "case 21"
}

case_kernel_addr() {
	log "case 4: memory calls on kernel, non-canonical and mcexec addresses (VM reset when vulnerable)"
	# The LWK's task size is 64 TiB: munmap there may say EINVAL as Linux's does
	# above its task size, and mremap EINVAL for a range outside the user range.
	# (0x800000000000 is non-canonical with 4-level paging, as the LWK's; a guest
	# Linux with 5-level paging maps user memory there, so munmap succeeds natively.)
	allow=([munmap-mcexec-range]='EINVAL|ok' [munmap-noncanonical]='EINVAL|ok' [mremap-kernel]='EFAULT|EINVAL'
		[mremap-noncanonical]='EFAULT|EINVAL' [mremap-mcexec-range]='EFAULT|EINVAL')
	same_as_native kernel-addr kernel-addr
	allow=()
	check_alive "case 4"
}

case_pin_limit() {
	log "case 15: pinned shared-file pages are charged to RLIMIT_MEMLOCK"
	local out
	head -c $((4 * 1024 * 1024)) /dev/urandom > "$work/pin.data"
	chmod 644 "$work/pin.data"
	# 1 MiB limit: 512 KiB fits, 768 KiB more does not, 512 KiB more does (exactly 1 MiB).
	out=$(timeout 120 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups \
		prlimit --memlock=1048576 mcexec "$H" pin-limit "$work/pin.data" 512 768 512 2>&1) || true
	expect_lines "as the owner, memlock 1 MiB" "$(printf '%s\n' 'map-512-KiB: ok' 'vmpin-kB: 512' \
		'map-768-KiB: EAGAIN' 'vmpin-kB: 512' 'map-512-KiB: ok' 'vmpin-kB: 1024' 'done')" "$out"
	out=$(timeout 120 prlimit --memlock=1048576 mcexec "$H" pin-limit "$work/pin.data" 2048 2>&1) || true
	expect_lines "as root (CAP_IPC_LOCK), memlock 1 MiB" "$(printf '%s\n' 'map-2048-KiB: ok' 'vmpin-kB: 2048' 'done')" "$out"
	check_alive "case 15"
}

case_sysv_shm() {
	log "case 16: someone else's System V shared memory, readable only"
	local S=$IHK_BUILD/tests/vm/programs/sysv_shm key=0x4d430016 native lwk rn=0 rl=0
	expect_eq "root makes the segment" "write: ok" "$("$S" write $key "root's secret")"
	native=$(as_owner "$S" perms $key 2>&1) || rn=$?
	lwk=$(run_prog_lwk "$S" perms $key) || rl=$?
	compare_lines sysv-shm "$native" "$lwk"
	expect_eq "sysv-shm: status under mcexec (natively $rn)" $rn $rl
	expect_lines "sysv-shm: what the owner may do" "$(printf '%s\n' 'shmget: ok' 'shmat for writing: EACCES' \
		'shmat executable: EACCES' "shmat read-only: ok, reads root's secret" 'write to it: signal SEGV' \
		'mprotect it writable: EACCES' 'IPC_RMID: EPERM' 'shmdt: ok')" "$lwk"
	expect_eq "the segment is unchanged" "read: root's secret|remove: ok" "$("$S" read $key | paste -sd'|')"
	check_alive "case 16"
}

case_pin() {
	log "case 5: MCEXEC_PIN into the LWK's image by the owner (LWK dies when vulnerable)"
	local chunk sym target out rc=0
	# The image lies at the start of the first memory chunk + 2 MiB, linked at
	# 0xffffffff80000000 + 2 MiB (ihk/boot.h); aim at the system call entry.
	chunk=$(grep -o 'memory: chunk 0: 0x[0-9a-f]*' <<<"$boot_kmsg" | awk '{ print $4 }') || true
	sym=$(nm "$IHK_BUILD/lwk/mckernel.img" 2>/dev/null | awk '$3 == "mck_syscall_entry" { print $1 }') || true
	if [ -z "$chunk" ]; then
		fail "pin: no 'memory: chunk 0' line in the LWK's boot log"
		return 0
	fi
	[ -n "$sym" ] || sym=ffffffff80200000
	printf -v target '%x' $((chunk + 0x$sym - 0xffffffff80000000))
	echo "chunk 0 at $chunk, target 0x$target (mck_syscall_entry or the image's start)"
	out=$(timeout 60 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$PROGS/pin_lwk" /dev/mcos0 "$target" 2>&1) ||
		rc=$?
	expect_lines "pin into the LWK's image" "$(printf '%s\n' 'create: ok' 'pin-into-lwk-image: refused .*' 'pin-call-forged-token: refused .*' 'unpin-call-forged-token: refused .*')" "$out"
	expect_eq "pin_lwk status" 0 $rc
	check_alive "case 5"
}

case_entry_modes() {
	log "case 19: SYSCALL, SYSENTER, INT 0x80 from 32-bit and 64-bit code (VM reset when vulnerable)"
	local out rc=0
	# Natively these are Linux's IA32 emulation (for reference only: under
	# QEMU's emulation some end in a signal there too).
	echo "natively (for reference): $(as_owner "$PROGS/entry_modes" 2>&1 | tr '\n' ' ' || true)"
	out=$(run_prog_lwk "$PROGS/entry_modes") || rc=$?
	# The LWK runs no 32-bit programs: ENOSYS, as a Linux without IA32 emulation
	# answers SYSCALL from 32-bit code (SIGILL on Intel CPUs, where that is #UD);
	# SYSENTER is #GP (MSR_SYSENTER_CS 0; #UD on AMD); INT 0x80 is #GP; INT3 is
	# SIGTRAP, as natively (its gate was DPL 0: SIGSEGV).
	expect_lines "entry modes under mcexec" "$(printf '%s\n' 'syscall-32bit: (returned -38|signal ILL)' \
		'int80-32bit: signal SEGV' 'sysenter-32bit: signal (SEGV|ILL)' 'sysenter-64bit: signal (SEGV|ILL)' \
		'int80-64bit: signal SEGV' 'int3-64bit: signal TRAP' 'done')" "$out"
	expect_eq "entry_modes: status" 0 $rc
	check_alive "case 19"
}

expect_eq "mcreboot, owned by uid $OWNER" 0 "$(mcreboot.sh -c 2-3 -m 768M@0 -o $OWNER)"
expect_eq "/dev/mcos0's owner" $OWNER "$(stat -c %u /dev/mcos0)"
boot_kmsg=$(ihkosctl 0 kmsg) || true
check_alive "boot"

# In this order (the machine-resetting ones last); SECURITY_CASES picks some by number.
for c in "1 ro_file" "2 ro_memory" "3 stale_view" "6 mcexec_fds" "7 mcexec_ptr" "8 proc_self_mem" \
	"9 map_matrix" "10 shared_repin" "11 memfd_seals" "12 mcexec_io" "13 mcexec_only" "14 iov_race" \
	"15 pin_limit" "16 sysv_shm" "17 noexec" "18 mcexec_range" "20 close_in_call" "4 kernel_addr" "5 pin" \
	"19 entry_modes" "21 early_signal"; do
	if [[ " ${SECURITY_CASES:-1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21} " == *" ${c% *} "* ]]; then
		"case_${c#* }"
	fi
done

log "teardown"
expect_ok mcstop+release.sh
assert_node_clean
finish
