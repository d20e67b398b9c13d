#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): a STREAM-like triad over three malloc'ed arrays
# (bench/stream_bench.c) on a Linux CPU and on McKernel, same virtual node, same
# binary, side by side, with where each array starts within 2 MiB. Large
# anonymous mappings are coloured on the LWK (docs/lwk.md, "Memory"); without it
# the three arrays started at one offset and aliased.
# Usage: bench/stream_bench.sh [MIB_PER_ARRAY [REPEATS [RUNS [THREADS]]]] -- [vmrun options...]
#        (default 32 MiB per array, 5 repeats, 3 runs each, 1 thread; THREADS 2:
#        OpenMP threads bound to Linux CPUs 0-1 and McKernel CPUs 2-3; software
#        emulation: compare ratios)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
mib=32 repeats=5 runs=3 threads=1
[ $# -gt 0 ] && [ "$1" != -- ] && { mib=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { repeats=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { runs=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { threads=$1; shift; }
[ $# -gt 0 ] && [ "$1" == -- ] && shift
case "$threads" in 1 | 2) ;; *) echo "stream_bench.sh: THREADS is 1 or 2 (the LWK has CPUs 2-3)" >&2; exit 2 ;; esac
exec "$src/tests/vm/vmrun" --build "$build" --mem 3G "$@" -- bash -c '
set -euo pipefail
B=$IHK_BUILD/bench/stream_bench mib='"$mib"' repeats='"$repeats"' runs='"$runs"' threads='"$threads"'
export OMP_NUM_THREADS=$threads OMP_PROC_BIND=close OMP_PLACES=cores
linux_cpus=1; [ "$threads" = 2 ] && linux_cpus=0-1
mcreboot.sh -c 2-3 -m 1280M@0 >/dev/null
val() { sed -n "s/.*$1=\([0-9.,]*\).*/\1/p"; }
echo
echo "STREAM triad, 3 x $mib MiB malloc'"'"'ed arrays, best of $repeats, $threads thread(s): Linux CPU(s) $linux_cpus vs McKernel"
printf "%-6s %16s %16s %10s %22s\n" run "Linux MB/s" "McKernel MB/s" LWK/Linux "LWK offsets (KiB)"
for r in $(seq "$runs"); do
	l=$(taskset -c "$linux_cpus" "$B" "$mib" "$repeats"); m=$(mcexec "$B" "$mib" "$repeats")
	lb=$(echo "$l" | val triad_mb_s) mb=$(echo "$m" | val triad_mb_s)
	printf "%-6s %16s %16s %10s %22s\n" "$r" "$lb" "$mb" "$(awk -v a="$lb" -v b="$mb" "BEGIN { printf \"%.2f\", b / a }")" "$(echo "$m" | val offsets_kib)"
done
mcstop+release.sh
'
