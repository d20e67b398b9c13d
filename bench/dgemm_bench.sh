#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): OpenBLAS's first and second DGEMM on three new
# malloc'ed N x N matrices (bench/dgemm_bench.c), on Linux CPUs and on McKernel,
# same virtual node, same binary, side by side in one run. The first call pays
# for new memory (the matrices' first touch is timed apart, OpenBLAS's own
# buffers are mapped and touched inside it); the second finds it in place.
# Usage: bench/dgemm_bench.sh [N [THREADS [RUNS]]] -- [vmrun options...]
#        (default N 768, 1 OpenBLAS thread, 3 runs; software emulation: compare
#        ratios, not times)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
n=768 threads=1 runs=3
[ $# -gt 0 ] && [ "$1" != -- ] && { n=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { threads=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { runs=$1; shift; }
[ $# -gt 0 ] && [ "$1" == -- ] && shift
case "$threads" in 1 | 2) ;; *) echo "dgemm_bench.sh: THREADS is 1 or 2 (the LWK has CPUs 2-3)" >&2; exit 2 ;; esac
if [ ! -x "$build/bench/dgemm_bench" ]; then
	echo "dgemm_bench.sh: $build/bench/dgemm_bench is not built (OpenBLAS's CBLAS, libopenblas-dev, was not found)" >&2
	exit 2
fi
exec "$src/tests/vm/vmrun" --build "$build" --mem 3G "$@" -- bash -c '
set -euo pipefail
B=$IHK_BUILD/bench/dgemm_bench n='"$n"' threads='"$threads"' runs='"$runs"'
export OPENBLAS_NUM_THREADS=$threads
mcreboot.sh -c 2-3 -m 1280M@0 >/dev/null
linux_cpus=1; [ "$threads" = 2 ] && linux_cpus=0-1
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" "BEGIN { printf \"%.2f\", b / a }"; }
echo
echo "OpenBLAS DGEMM, N=$n, $threads thread(s), ms: Linux CPU(s) $linux_cpus vs McKernel CPUs 2-3"
printf "%-4s %-22s %12s %12s %10s\n" run step Linux McKernel LWK/Linux
for r in $(seq "$runs"); do
	l=$(taskset -c "$linux_cpus" "$B" "$n"); m=$(mcexec "$B" "$n")
	[ "$(echo "$l" | val trace)" = "$(echo "$m" | val trace)" ] || { echo "different results: $l / $m" >&2; exit 1; }
	for step in touch first second; do
		lv=$(echo "$l" | val ${step}_ms) mv=$(echo "$m" | val ${step}_ms)
		printf "%-4s %-22s %12s %12s %10s\n" "$r" "$step" "$lv" "$mv" "$(ratio "$lv" "$mv")"
	done
done
mcstop+release.sh
'
