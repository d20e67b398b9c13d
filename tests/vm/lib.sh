# SPDX-License-Identifier: GPL-2.0
# Helpers for test scripts that run inside the virtual node (source this file).
# Every test records the node's state first and asserts at the end that it is
# back: the same CPUs online, MemFree within a tolerance, no IHK device left.
set -euo pipefail

: "${IHK_BUILD:?run inside tests/vm/vmrun}"
# MCK_MODULE_DIR: modules built for another kernel (vm.next_kernel), as for mcreboot.sh -M.
MODULES=${MCK_MODULE_DIR:-$IHK_BUILD/modules}
failures=0
failed_checks=() # repeated by finish(), so the end of a long log names them

log() { echo "--- [${SECONDS}s] $*"; }

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
	failed_checks+=("$*")
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" != "$3" ]; then fail "$1: expected '$2', got '$3'"; else echo "ok: $1 = '$3'"; fi
}

# expect_fail 'message fragment' command... : must exit non-zero, print the fragment
# on stderr, and say nothing on stdout.
expect_fail() {
	local want=$1 out err rc=0
	shift
	out=$("$@" 2>"$IHK_BUILD/.stderr") || rc=$?
	err=$(cat "$IHK_BUILD/.stderr")
	if [ $rc -eq 0 ]; then
		fail "'$*' succeeded, expected failure with '$want'"
	elif [[ $err != *"$want"* ]]; then
		fail "'$*' failed (rc $rc) with '$err', expected '$want'"
	else
		echo "ok: '$*' refused: $err"
	fi
}

# expect_ok command... : must succeed.
expect_ok() {
	if "$@"; then echo "ok: $*"; else fail "'$*' failed with status $?"; fi
}

ihk_load() {
	insmod "$MODULES/ihk.ko" "$@"
	insmod "$MODULES/ihk-smp-x86.ko"
}

ihk_unload() {
	if grep -q '^mcctrl ' /proc/modules; then rmmod mcctrl; fi
	if grep -q '^ihk_smp_x86 ' /proc/modules; then rmmod ihk_smp_x86; fi
	if grep -q '^ihk ' /proc/modules; then rmmod ihk; fi
}

# Has instance 0's log a line matching the basic regex $1? grep reads the whole
# log: "ihkosctl 0 kmsg | grep -q" stops reading at the first match, and under
# pipefail ihkosctl's SIGPIPE on a log longer than the pipe reads as "no".
kmsg_has() { ihkosctl 0 kmsg | grep -c -- "$1" >/dev/null; }
mem_free_kb() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
online_cpus() { cat /sys/devices/system/cpu/online; }
cpu_online() { cat "/sys/devices/system/cpu/cpu$1/online"; }

# Record the starting state; call before touching anything.
snapshot_node() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	start_online=$(online_cpus)
	start_free_kb=$(mem_free_kb)
}

# Assert the node is as snapshot_node() saw it. Memory may differ by page
# cache and slab noise; 64 MiB is far below any reservation the tests make.
assert_node_clean() {
	ihk_unload
	sync
	echo 3 > /proc/sys/vm/drop_caches
	expect_eq "online CPUs" "$start_online" "$(online_cpus)"
	local now=$(mem_free_kb) tol=$((64 * 1024))
	if [ $((start_free_kb - now)) -gt $tol ]; then
		fail "MemFree is $now kB, was $start_free_kb kB: memory did not come back"
	else
		echo "ok: MemFree $now kB (was $start_free_kb kB)"
	fi
	if ls /dev/mcd* /dev/mcos* >/dev/null 2>&1; then fail "IHK device files remain: $(ls /dev/mcd* /dev/mcos* 2>/dev/null)"; fi
}

# Run a pinned process on CPU $1 and check it really ran there.
run_pinned_on() {
	local got
	got=$(taskset -c "$1" sh -c 'awk "{ print \$39 }" /proc/self/stat')
	expect_eq "process pinned to CPU $1 ran on" "$1" "$got"
}

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) FAILED:" >&2
		printf '  FAIL: %s\n' "${failed_checks[@]}" >&2
		exit 1
	fi
	echo "all checks passed"
}
