#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): one mmap of 90% of a 3 GiB McKernel instance, touched
# page by page, against Linux mapping the same size on a Linux CPU of the same
# virtual node, first touch (page faults) and MAP_POPULATE. Prints the time and
# the time per GiB side by side, the page faults, and how often the instance's
# status was not RUNNING while the LWK mapped (sampled every 0.2 s: a mapping
# must not stall the liveness check). Linux maps after the instance is released.
# Usage: bench/map_bench.sh [vmrun options...]   (software emulation: compare ratios)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
exec "$src/tests/vm/vmrun" --build "$build" --mem 6G --timeout 1800 "$@" -- bash -c '
set -euo pipefail
B=$IHK_BUILD/bench/mcexec_bench
mcreboot.sh -c 2-3 -m 3G@0 >/dev/null
mib=$((3072 * 9 / 10))
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
per_gib() { awk -v ms="$1" -v mib="$mib" "BEGIN { printf \"%.0f\", ms * 1024 / mib }"; }
row() { # label, Linux value, McKernel value
	printf "%-40s %16s %16s %10s\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" "BEGIN { if (a > 0) printf \"%.2f\", b / a; else print \"-\" }")"
}
samples=$(mktemp) 
( while :; do ihkosctl 0 get status >> "$samples" 2>&1 || echo FAILED >> "$samples"; sleep 0.2; done ) &
poller=$!
m=$(mcexec "$B" touch $mib)
# Again: now the pages were used before and must be zeroed (fresh ones come zeroed from IHK).
m2=$(mcexec "$B" touch $mib)
kill $poller; wait $poller 2>/dev/null || true
# Linux afterwards, with the instance'"'"'s memory back (the node is too small for both).
mcstop+release.sh
lf=$(taskset -c 1 "$B" touch $mib)
lp=$(taskset -c 1 "$B" populate $mib)
echo
echo "mapping ${mib} MiB (90% of a 3 GiB instance): McKernel CPU 2 vs Linux CPU 1, same virtual node"
printf "%-40s %16s %16s %10s\n" "measure" "Linux" "McKernel" "LWK/Linux"
row "mmap + touch: ms (Linux: MAP_POPULATE)" "$(echo "$lp" | val ms)" "$(echo "$m" | val ms)"
row "mmap + touch: ms per GiB (MAP_POPULATE)" "$(per_gib "$(echo "$lp" | val ms)")" "$(per_gib "$(echo "$m" | val ms)")"
row "again, pages reused (LWK zeroes): ms" "$(echo "$lp" | val ms)" "$(echo "$m2" | val ms)"
row "again: ms per GiB (MAP_POPULATE)" "$(per_gib "$(echo "$lp" | val ms)")" "$(per_gib "$(echo "$m2" | val ms)")"
row "mmap + touch: ms (Linux: first touch)" "$(echo "$lf" | val ms)" "$(echo "$m" | val ms)"
row "page faults (Linux: first touch)" "$(echo "$lf" | val faults)" "$(echo "$m" | val faults)"
row "page faults (Linux: MAP_POPULATE)" "$(echo "$lp" | val faults)" "$(echo "$m" | val faults)"
echo "instance status while McKernel mapped (both runs): $(sort "$samples" | uniq -c | awk "{ printf \"%s%s x%s\", sep, \$2, \$1; sep=\", \" }")"
'
