#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): a program on McKernel (through mcexec) against the same
# program on a Linux CPU of the same virtual node, side by side:
#   - a null offloaded call (getuid: Linux runs it for the LWK) vs a native call,
#   - a call McKernel answers itself (getpid) vs native,
#   - clock_gettime through the vDSO (Linux's and McKernel's),
#   - page faults and time to touch 1 GiB of fresh memory,
#   - kernel entries per second on the core of a pure compute loop (LWK CPU vs Linux
#     CPU), and gaps seen by the loop itself (in an emulator mostly the host's doing),
#     also with ihkmond checking the instance's status every second.
# Usage: bench/mcexec_bench.sh [vmrun options...]   (software emulation: compare ratios)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
exec "$src/tests/vm/vmrun" --build "$build" --mem 3G "$@" -- bash -c '
set -euo pipefail
B=$IHK_BUILD/bench/mcexec_bench
mcreboot.sh -c 2-3 -m 1280M@0 >/dev/null
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
linux() { taskset -c 1 "$B" "$@"; }
lwk() { mcexec "$B" "$@"; }
row() { # label, linux value, lwk value
	printf "%-44s %14s %14s %10s\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" "BEGIN { if (a > 0) printf \"%.2f\", b / a; else print \"-\" }")"
}
echo
echo "mcexec benchmark: Linux CPU 1 vs McKernel CPU 2, same virtual node"
printf "%-44s %14s %14s %10s\n" "measure" "Linux" "McKernel" "LWK/Linux"
row "null offloaded call, getuid (ns)" "$(linux offload 20000 | val ns_per_call)" "$(lwk offload 20000 | val ns_per_call)"
row "local call, getpid (ns)" "$(linux local 200000 | val ns_per_call)" "$(lwk local 200000 | val ns_per_call)"
row "vDSO clock_gettime(MONOTONIC) (ns)" "$(linux clock 1000000 | val ns_per_call)" "$(lwk clock 1000000 | val ns_per_call)"
l=$(linux touch 1024); m=$(lwk touch 1024)
row "touch 1 GiB: page faults" "$(echo "$l" | val faults)" "$(echo "$m" | val faults)"
row "touch 1 GiB: ms (mmap included)" "$(echo "$l" | val ms)" "$(echo "$m" | val ms)"
l=$(linux noise 5); m=$(lwk noise 5)
row "compute loop: kernel entries per s" "$(echo "$l" | val entries_per_s)" "$(echo "$m" | val entries_per_s)"
row "compute loop: TSC gaps > 2 us per s" "$(echo "$l" | val detours_per_s)" "$(echo "$m" | val detours_per_s)"
row "compute loop: us lost per s" "$(echo "$l" | val lost_us_per_s)" "$(echo "$m" | val lost_us_per_s)"
# The same 20 s with ihkmond checking the instance every second, as sites run it:
# the check reads the LWK CPUs' published state and interrupts none of them.
ihkmond --interval 1 0 >/dev/null 2>&1 &
mond=$!
l=$(linux noise 20); m=$(lwk noise 20)
kill $mond 2>/dev/null || true
row "with ihkmond (1/s): kernel entries per s" "$(echo "$l" | val entries_per_s)" "$(echo "$m" | val entries_per_s)"
row "with ihkmond (1/s): kernel entries in 20 s" "$(echo "$l" | val entries)" "$(echo "$m" | val entries)"
mcstop+release.sh
'
