# SPDX-License-Identifier: GPL-2.0
# Random system calls from a program on the LWK (programs/fuzz.c, under mcexec)
# and random mcctrl ioctls from the instance's owner (programs/fuzz_mcctrl.c,
# natively), as an unprivileged owner. A bounded slice by default (60 s and
# 30 s); after each the instance must be RUNNING (not PANIC or HUNGUP) and run
# `mcexec /bin/true`, the fuzzer must end normally (status 0, "calls="/"ops="),
# the guest kernel must log no oops, BUG or WARNING (vmrun fails on those too),
# no LWK process may be left once the mcctrl fuzzer ended, the LWK's own memory
# in use (`ihkosctl --json 0 get rusage`, mem_used) must come back to what it
# was before the LWK fuzzer once its processes ended, and after
# mcstop+release.sh the node must be clean.
#
# Every run prints its seed; on a failure the last calls the LWK fuzzer made
# and the LWK's log are printed. Longer runs and repeats by hand (the guest
# sees only what is on the command line, so pass settings with env):
#   tests/vm/vmrun --build build --timeout 4000 -- env FUZZ_SECONDS=3600 \
#       FUZZ_MCCTRL_SECONDS=300 FUZZ_SEED=1234 bash tests/security/test_fuzz.sh
#   FUZZ_ROUNDS=N      N rounds on one boot, seeds FUZZ_SEED, FUZZ_SEED+1, ...
#   FUZZ_VERBOSE=1     every call printed before it is made (slow; for replays)
#   FUZZ_MCCTRL_SECONDS=0 / FUZZ_SECONDS=0 skip one of the two
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
P=$IHK_BUILD/tests/security/programs
OWNER=65534
SEED=${FUZZ_SEED:-$(date +%s)}
SECS=${FUZZ_SECONDS:-60}
MCCTRL_SECS=${FUZZ_MCCTRL_SECONDS:-30}
ROUNDS=${FUZZ_ROUNDS:-1}
# The LWK's memory in use after the fuzzer may exceed that before by this much:
# 60 KiB measured (seed 1234, 32400 calls in the emulated node), while a leak
# of 32 bytes per call, or of 4 KiB per process for 128 processes, would not pass.
LWK_MEM_TOLERANCE_KIB=${LWK_MEM_TOLERANCE_KIB:-512}
export FUZZ_VERBOSE=${FUZZ_VERBOSE:-0}

AS_OWNER=(setpriv --reuid=$OWNER --regid=$OWNER --clear-groups)

# A small tmpfs of its own: the fuzzer creates, grows and maps files in it.
sandbox=$(mktemp -d /tmp/fuzz.XXXXXX)
mount -t tmpfs -o size=64m,mode=0777 fuzz "$sandbox"
mkdir -m 0777 "$sandbox/work"

klog_mark=$(dmesg | wc -l)
check_alive() {
	local status rc=0
	status=$(ihkosctl 0 get status 2>&1) || true
	expect_eq "after $1: instance status" RUNNING "$status"
	if [ "$status" == RUNNING ]; then
		timeout 60 "${AS_OWNER[@]}" mcexec /bin/true || rc=$?
		expect_eq "after $1: mcexec /bin/true" 0 $rc
	fi
	if [ "$status" != RUNNING ] || [ $rc -ne 0 ]; then
		echo "--- the LWK's log (last 60 lines):"
		ihkosctl 0 kmsg 2>&1 | cat -v | tail -60 || true
	fi
	local new
	new=$(dmesg | tail -n +$((klog_mark + 1)) | grep -E 'WARNING|BUG|Oops|general protection|panic|mcctrl' || true)
	klog_mark=$(dmesg | wc -l)
	if [ -n "$new" ]; then
		echo "--- Linux's log since the last check:"
		echo "$new" | head -60
		if echo "$new" | grep -qE 'WARNING|BUG|Oops|general protection|panic'; then
			fail "after $1: Linux logged a warning or oops"
		fi
	fi
	[ "$status" == RUNNING ]
}

# The owner may chmod its device, and so may the fuzzer through offloaded calls:
# note it and put it back, so the next program can run.
restore_device() {
	local now
	now=$(stat -c '%U %a' /dev/mcos0)
	if [ "$now" != "$dev_mode" ]; then
		echo "note: $1 changed /dev/mcos0 to '$now' (was '$dev_mode'); restored"
		chown "${dev_mode% *}" /dev/mcos0
		chmod "${dev_mode#* }" /dev/mcos0
	fi
}

# lwk_idle_mem: the LWK's memory in use once no process runs on it (at most 20 s).
lwk_idle_mem() {
	local i
	for ((i = 0; i < 40; i++)); do
		[ "$(lwk_rusage processes)" == 0 ] && break
		sleep 0.5
	done
	[ "$(lwk_rusage processes)" == 0 ] || echo "note: $(lwk_rusage processes) processes still on the LWK" >&2
	lwk_rusage mem_used
}

# fuzz_lwk SEED: the system-call fuzzer under mcexec.
fuzz_lwk() {
	local out rc=0 log=$sandbox/calls.$1 mem_before mem_after
	rm -rf "$sandbox/work"/* "$log"
	# After one program ran: what the first one leaves for good (caches) is not a leak.
	"${AS_OWNER[@]}" mcexec /bin/true || true
	mem_before=$(lwk_idle_mem)
	log "fuzz (under mcexec): $SECS s, seed $1"
	out=$(cd "$sandbox/work" && FUZZ_LOG=$log FUZZ_DIR=$sandbox/work \
		timeout -s KILL $((SECS + 120)) "${AS_OWNER[@]}" mcexec "$P/fuzz" "$SECS" "$1" </dev/null 2>&1 | tr -d '\0') || rc=$?
	echo "$out" | grep -a -E '^(seed|calls)=' | cat -v
	restore_device "fuzz seed $1"
	if [ $rc -ne 0 ] || ! grep -a -q '^calls=' <<<"$out"; then
		fail "fuzz seed $1: ended with status $rc$( [ $rc -gt 128 ] && echo " (signal $((rc - 128)))")"
		if [ -s "$log" ]; then
			echo "--- its last calls (seq, call/done/escaped, nr, args, result):"
			sort -n "$log" | grep -v '^ *$' | tail -20
		fi
		echo "--- the LWK's log (last 40 lines):"
		ihkosctl 0 kmsg 2>&1 | cat -v | tail -40 || true
	fi
	check_alive "fuzz seed $1" || return 1
	# Everything the fuzzer's processes had (memory, regions, page tables, threads,
	# signals, timers) is given back when they end.
	mem_after=$(lwk_idle_mem)
	echo "LWK memory in use: $((mem_before >> 10)) KiB before, $((mem_after >> 10)) KiB after"
	if [ $((mem_after - mem_before)) -gt $((LWK_MEM_TOLERANCE_KIB << 10)) ]; then
		fail "fuzz seed $1: the LWK kept $(((mem_after - mem_before) >> 10)) KiB after its processes ended"
		ihkosctl 0 get rusage
	fi
}

# fuzz_mcctrl SEED: random ioctls on /dev/mcos0 and process files, natively.
fuzz_mcctrl() {
	local out rc=0
	log "fuzz_mcctrl (native, as the owner): $MCCTRL_SECS s, seed $1"
	out=$(timeout -s KILL $((MCCTRL_SECS + 120)) "${AS_OWNER[@]}" "$P/fuzz_mcctrl" /dev/mcos0 "$MCCTRL_SECS" "$1" </dev/null 2>&1) ||
		rc=$?
	restore_device "fuzz_mcctrl seed $1"
	if [ $rc -ne 0 ] || ! grep -q '^ops=' <<<"$out"; then
		echo "$out" | tail -40
		fail "fuzz_mcctrl seed $1: ended with status $rc"
	else
		echo "$out" | tail -5
		# Coverage: the process-file ioctls are reached only through created sessions.
		grep -q '^ops=.* sessions=[1-9]' <<<"$out" || fail "fuzz_mcctrl seed $1: no CREATE succeeded (no session)"
	fi
	if grep -q 'succeeded' <<<"$out"; then
		fail "fuzz_mcctrl seed $1: $(grep succeeded <<<"$out" | head -3)"
	fi
	check_alive "fuzz_mcctrl seed $1" || return 1
	# Every process it made ends with its file: a late answer from the LWK once
	# made a CREATE fail while the process stayed, for good.
	lwk_idle_mem >/dev/null
	local left
	left=$(lwk_rusage processes)
	expect_eq "fuzz_mcctrl seed $1: LWK processes left" 0 "$left"
	if [ "$left" != 0 ]; then
		echo "--- mcexec processes on Linux: $(pgrep -c -x mcexec || true); the LWK's log (last 30 lines):"
		ihkosctl 0 kmsg 2>&1 | cat -v | tail -30 || true
	fi
}

expect_eq "mcreboot, owned by uid $OWNER" 0 "$(mcreboot.sh -c 2-3 -m 768M@0 -o $OWNER)"
dev_mode=$(stat -c '%U %a' /dev/mcos0)
for ((round = 0; round < ROUNDS; round++)); do
	seed=$((SEED + round))
	if [ "$SECS" != 0 ]; then fuzz_lwk $seed || break; fi
	if [ "$MCCTRL_SECS" != 0 ]; then fuzz_mcctrl $seed || break; fi
done
expect_ok mcstop+release.sh
umount "$sandbox"
rmdir "$sandbox"
assert_node_clean
finish
