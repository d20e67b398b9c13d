# SPDX-License-Identifier: GPL-2.0
# Inside the virtual node (started by tests/ltp/run_ltp.sh): boots McKernel and runs
# each LTP test of a list natively, then under mcexec, each with a time limit, and
# appends one line per test to OUT/results: tag, native result, LWK result, result
# under mcexec with LTP's own wait restarted (LTP_WAIT_SHIM, "=" when not needed),
# with the seconds of each. The output of every run is kept in OUT/logs/. If McKernel stops under a
# test (panic, hang), the line says so and McKernel is booted again for the next one.
# Usage (guest): bash ltp_guest.sh LTP_DIR LIST OUT
set -uo pipefail
: "${IHK_BUILD:?run inside tests/vm/vmrun}"
ltp=$1 list=$2 out=$3
per_test=${LTP_TEST_TIMEOUT:-120}
mcreboot_args=${LTP_MCREBOOT_ARGS:--c 2-3 -m 1G@0}
mkdir -p "$out/logs"

# LTP's environment: LTPROOT finds helpers and data, TMPDIR gets each test's
# scratch directory (the guest's tmpfs), LTP_TIMEOUT_MUL stretches LTP's own
# timeouts for the emulator; LTP's library kills a test on its own before ours.
export LTPROOT=$ltp PATH=$ltp/testcases/bin:$PATH
export TMPDIR=/tmp/ltp LTP_TIMEOUT_MUL=${LTP_TIMEOUT_MUL:-3}
mkdir -p "$TMPDIR"
chmod 1777 "$TMPDIR"
# Socket tests need loopback; POSIX message queue tests need the mqueue file system.
ip link set lo up 2>/dev/null || true
mkdir -p /dev/mqueue && { mountpoint -q /dev/mqueue || mount -t mqueue none /dev/mqueue; } 2>/dev/null

boot_lwk() {
	# shellcheck disable=SC2086
	mcreboot.sh $mcreboot_args >/dev/null 2>"$out/logs/.mcreboot.err" ||
		{ echo "ltp_guest: mcreboot.sh $mcreboot_args failed: $(cat "$out/logs/.mcreboot.err")" >&2; return 1; }
}
lwk_running() { [ "$(ihkosctl 0 get status 2>/dev/null)" = RUNNING ]; }

# LTP's exit status is a mask: 1 TFAIL, 2 TBROK, 4 TWARN, 32 TCONF (only skips).
classify() {
	local rc=$1
	case $rc in
	0) echo PASS ;;
	32) echo CONF ;;
	124|137) echo TIMEOUT ;;
	*) if [ "$rc" -gt 128 ]; then echo "SIG$((rc - 128))"
	   elif ((rc & 2)); then echo BROK
	   elif ((rc & 1)); then echo FAIL
	   elif ((rc & 4)); then echo WARN
	   else echo "EXIT$rc"; fi ;;
	esac
}

# run_one KIND TAG CMD...: prints "RESULT SECONDS".
run_one() {
	local kind=$1 tag=$2 rc=0 t0 t1
	shift 2
	# What an earlier run may have left when it was killed (queues, IPC objects)
	# would make this one fail with EEXIST.
	rm -rf "${TMPDIR:?}"/* /dev/mqueue/* 2>/dev/null
	ipcrm --all 2>/dev/null
	t0=$(date +%s.%N)
	(cd "$TMPDIR" && timeout -k 10 "$per_test" "$@") >"$out/logs/$tag.$kind" 2>&1 </dev/null || rc=$?
	t1=$(date +%s.%N)
	# LTP's test process may outlive its parent (when the parent fails on its own,
	# e.g. its wait is interrupted): give it LTP_STRAY_WAIT seconds to finish, so its
	# verdicts reach the log, then end whatever still runs this program, so it does
	# not disturb the next test. This guest is ours alone: matching the path is safe.
	local strays waited=0
	while strays=$(pgrep -f -- "/testcases/bin/$cmd( |$)") && [ $waited -lt "${LTP_STRAY_WAIT:-30}" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	[ $waited -eq 0 ] || echo "leftover processes ran $waited s more" >>"$out/logs/$tag.$kind"
	# shellcheck disable=SC2086
	[ -z "$strays" ] || { kill -9 $strays 2>/dev/null; sleep 1; echo "killed leftover processes: $strays"; } >>"$out/logs/$tag.$kind"
	echo "exit status $rc" >>"$out/logs/$tag.$kind"
	echo "$(classify $rc) $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
}

boot_lwk || exit 1
while read -r tag cmd args; do
	[[ -z $tag || $tag == \#* ]] && continue
	# Where we are, for the host when the guest stops under a test.
	echo "$tag native" >"$out/current"
	# shellcheck disable=SC2086
	native=$(run_one native "$tag" "$cmd" $args)
	echo "$tag lwk $native" >"$out/current"
	if ! lwk_running; then boot_lwk || exit 1; fi
	k0=$(ihkosctl 0 kmsg 2>/dev/null | wc -l)
	# shellcheck disable=SC2086
	lwk=$(run_one lwk "$tag" mcexec "$cmd" $args)
	# What McKernel logged during a failing run (signals that ended processes, faults).
	[[ $lwk == PASS* ]] || { echo "--- McKernel's log during the run:"; ihkosctl 0 kmsg 2>/dev/null | tail -n +$((k0 + 1)) | head -60; } >>"$out/logs/$tag.lwk"
	if ! lwk_running; then
		status=$(ihkosctl 0 get status 2>/dev/null || echo unknown)
		{ echo "McKernel $status after this test; its log:"; ihkosctl 0 kmsg 2>/dev/null | tail -40; } >>"$out/logs/$tag.lwk"
		lwk="LWK_$status ${lwk#* }"
		mcstop+release.sh >/dev/null 2>&1 || true
		boot_lwk || { echo "$tag $native $lwk" >>"$out/results"; exit 1; }
	fi
	# Again with LTP's main process restarting its wait (restart_wait.c), when the
	# first run under mcexec did not pass: what else differs from Linux.
	wait_shim="= 0"
	if [ -n "${LTP_WAIT_SHIM:-}" ] && [[ $lwk != PASS* ]]; then
		echo "$tag lwkw $native $lwk" >"$out/current"
		k0=$(ihkosctl 0 kmsg 2>/dev/null | wc -l)
		# shellcheck disable=SC2086
		wait_shim=$(run_one lwkw "$tag" mcexec env LD_PRELOAD="$LTP_WAIT_SHIM" "$cmd" $args)
		[[ $wait_shim == PASS* ]] || { echo "--- McKernel's log during the run:"; ihkosctl 0 kmsg 2>/dev/null | tail -n +$((k0 + 1)) | head -60; } >>"$out/logs/$tag.lwkw"
		lwk_running || { wait_shim="LWK_DOWN ${wait_shim#* }"; mcstop+release.sh >/dev/null 2>&1; boot_lwk || exit 1; }
	fi
	echo "$tag $native $lwk $wait_shim" >>"$out/results"
	echo "$tag $native $lwk $wait_shim"
done <"$list"
ihkosctl 0 kmsg >"$out/logs/.kmsg.$(date +%s)" 2>/dev/null || true
mcstop+release.sh >/dev/null
