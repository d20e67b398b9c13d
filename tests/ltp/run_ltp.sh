#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs a list of LTP system call tests on the virtual node, each natively and under
# mcexec on McKernel, and prints a table and the pass ratio under mcexec of the
# tests that pass natively. LTP is built by tests/ltp/build_ltp.sh, never committed.
#
# Usage: tests/ltp/run_ltp.sh [LTP_DIR [LIST]]
#   LTP_DIR  what build_ltp.sh installed (testcases/bin/ inside); none given or not
#            there: prints why and exits 77 (skipped, as ctest's SKIP_RETURN_CODE)
#   LIST     tests in LTP's runtest format, "tag program [args]" (default
#            tests/ltp/syscalls.list); # starts a comment
# Environment:
#   BUILD_DIR          the project's build tree (default ./build of this checkout)
#   LTP_OUT            where results and logs go (default out/ltp-results/<date>)
#   LTP_RESUME=1       keep LTP_OUT's results and run only the tests not in them
#   LTP_CHUNK          tests per boot of the virtual node (default 50)
#   LTP_TEST_TIMEOUT   seconds per run of a test (default 120)
#   LTP_TIMEOUT_MUL    multiplier of LTP's own timeouts (default 3: emulator)
#   LTP_STRAY_WAIT     seconds a test's processes may run on after its main process
#                      ended (default 30), so their verdicts reach the log
#   LTP_WAIT_SHIM=0    do not run a test that fails under mcexec a second time with
#                      LTP's main process restarting its wait (restart_wait.c)
#   LTP_MCREBOOT_ARGS  McKernel's partition (default "-c 2-3 -m 1G@0")
#   LTP_FILTER         run only the tags matching this extended regex
#   LTP_MIN_RATIO      fail (exit 1) when the pass ratio is below this percentage
#   VMRUN_ACCEL, VMRUN_ARGS (extra vmrun options, e.g. "--kernel REL")
# Exit status: 0 (1 below LTP_MIN_RATIO), 77 skipped, 2 the harness failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

ltp=${1:-}
list=${2:-$here/syscalls.list}
if [ -z "$ltp" ]; then
	echo "run_ltp: SKIP: no LTP directory given (build one with tests/ltp/build_ltp.sh DEST)"
	exit 77
fi
if [ ! -d "$ltp/testcases/bin" ]; then
	echo "run_ltp: SKIP: '$ltp' has no testcases/bin (build it with tests/ltp/build_ltp.sh '$ltp')"
	exit 77
fi
ltp=$(cd "$ltp" && pwd)
[ -r "$list" ] || { echo "run_ltp: list '$list' not readable" >&2; exit 2; }
build=$(cd "${BUILD_DIR:-$src/build}" 2>/dev/null && pwd) ||
	{ echo "run_ltp: build tree '${BUILD_DIR:-$src/build}' missing (scripts/build.sh)" >&2; exit 2; }
out=${LTP_OUT:-$src/out/ltp-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/chunks" "$out/logs"
out=$(cd "$out" && pwd)
chunk=${LTP_CHUNK:-50}
per_test=${LTP_TEST_TIMEOUT:-120}

# The tests to run: those of the list with a binary in LTP_DIR (others are reported).
: >"$out/missing"
grep -Ev '^[[:space:]]*(#|$)' "$list" | while read -r tag cmd _; do
	[[ -z ${LTP_FILTER:-} || $tag =~ ${LTP_FILTER} ]] || continue
	if [ -x "$ltp/testcases/bin/$cmd" ]; then grep -m1 -E "^$tag[[:space:]]" "$list"
	else echo "$tag" >>"$out/missing"; fi
done >"$out/tests"
total=$(wc -l <"$out/tests")
[ "$total" -gt 0 ] || { echo "run_ltp: no test of '$list' is built in '$ltp'" >&2; exit 2; }
echo "run_ltp: $total tests, up to $chunk per boot of the virtual node; results in $out"

# The diagnostic shim for the third column (see restart_wait.c).
shim=
if [ "${LTP_WAIT_SHIM:-1}" != 0 ]; then
	shim=$out/restart_wait.so
	cc -O2 -Wall -shared -fPIC -o "$shim" "$here/restart_wait.c" -ldl ||
		{ echo "run_ltp: cannot build restart_wait.so" >&2; exit 2; }
fi

# Results are appended as tests finish (OUT/results: tag, native result and seconds,
# LWK result and seconds), so after a boot that was cut short (the guest hung or
# panicked) the next boot goes on with the test after the one that cut it.
[ "${LTP_RESUME:-0}" = 1 ] || rm -f "$out/results" "$out"/boot*.log "$out"/logs/*
touch "$out/results"
rm -f "$out/current"
boots=0 cuts=0
while :; do
	todo=$out/todo
	# The limit in awk itself: "| head" would end awk with SIGPIPE, and pipefail the runner.
	awk -v max="$chunk" 'FILENAME == ARGV[1] { done[$1] = 1; next } !($1 in done) && ++n <= max' \
		"$out/results" "$out/tests" >"$todo"
	[ -s "$todo" ] || break
	n=$(wc -l <"$todo")
	boots=$((boots + 1))
	# Each test runs up to three times, at most per_test seconds each (and the
	# leftovers' LTP_STRAY_WAIT), plus a McKernel reboot.
	limit=$((n * (3 * per_test + 3 * ${LTP_STRAY_WAIT:-30} + 30) + 180))
	rc=0
	# shellcheck disable=SC2086
	"$src/tests/vm/vmrun" --build "$build" --mem 3G --timeout "$limit" --share "$out" ${VMRUN_ARGS:-} -- \
		env LTP_TEST_TIMEOUT="$per_test" LTP_TIMEOUT_MUL="${LTP_TIMEOUT_MUL:-3}" LTP_STRAY_WAIT="${LTP_STRAY_WAIT:-30}" \
		LTP_WAIT_SHIM="$shim" \
		LTP_MCREBOOT_ARGS="${LTP_MCREBOOT_ARGS:--c 2-3 -m 1G@0}" \
		bash "$here/ltp_guest.sh" "$ltp" /vmshare/todo /vmshare >"$out/boot$boots.log" 2>&1 || rc=$?
	got=$(awk 'FILENAME == ARGV[1] { want[$1] = 1; next } $1 in want' "$todo" "$out/results" | wc -l)
	# 126: the guest kernel logged a warning (a native test may provoke one); results stand.
	echo "run_ltp: boot $boots: $got of $n tests (vmrun status $rc)"
	if [ "$got" -lt "$n" ]; then
		tail -3 "$out/boot$boots.log" | sed 's/^/    /'
		# "tag kind [native result]": the run the guest was in when it stopped.
		read -r tag kind nres nsec lres lsec <"$out/current" || { echo "run_ltp: the guest ran no test" >&2; exit 2; }
		case $kind in
		native) echo "$tag VM_CUT 0 - 0 - 0" ;;
		lwk) echo "$tag $nres $nsec VM_CUT 0 - 0" ;;
		*) echo "$tag $nres $nsec $lres $lsec VM_CUT 0" ;;
		esac >>"$out/results"
		cuts=$((cuts + 1))
		[ "$cuts" -le 10 ] || { echo "run_ltp: more than 10 boots cut short, giving up" >&2; exit 2; }
	fi
done
rm -f "$out/todo" "$out/current"

# The table, in the list's order, and the ratios. The last column: the second run
# under mcexec, with LTP's main process restarting its wait ("=": not needed).
printf "\n%-24s %-8s %-10s %s\n" test native mcexec "mcexec, LTP's wait restarted"
awk 'FILENAME == ARGV[1] { r[$1] = $2 " " $4 " " ($6 == "" ? "-" : $6); next }
     $1 in r { split(r[$1], a, " "); printf "%-24s %-8s %-10s %s\n", $1, a[1], a[2], a[3] }' \
	"$out/results" "$out/tests" | tee "$out/table"
awk -v missing="$(wc -l <"$out/missing")" '
	{ n++ } $4 == "PASS" { lp++ }
	$2 == "PASS" { np++; if ($4 == "PASS") both++; if ($6 != "") { nw++; if ($4 == "PASS" || $6 == "PASS") w++ } }
	END {
		printf "\n%d tests run (%d of the list not built); natively %d pass, under mcexec %d pass\n", n, missing, np, lp
		printf "of those passing natively, %d (%.1f%%) pass under mcexec\n", both, np ? 100 * both / np : 0
		if (nw) printf "with LTP'"'"'s main process restarting its wait: %d of %d (%.1f%%)\n", w, nw, 100 * w / nw
		printf "%.1f\n", np ? 100 * both / np : 0 > "/dev/stderr"
	}' "$out/results" 2>"$out/ratio" | tee "$out/summary"
ratio=$(cat "$out/ratio")
if [ -n "${LTP_MIN_RATIO:-}" ] && awk -v r="$ratio" -v m="$LTP_MIN_RATIO" 'BEGIN { exit !(r < m) }'; then
	echo "run_ltp: pass ratio $ratio% is below LTP_MIN_RATIO $LTP_MIN_RATIO%" >&2
	exit 1
fi
