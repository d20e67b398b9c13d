#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): IKC round-trip latency (Linux -> LWK CPU -> Linux) with
# Linux sleeping until the doorbell IRQ versus spinning on the ring, side by side
# on the same virtual node. Usage: bench/ikc_bench.sh [COUNT] [vmrun options...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-2000}
shift || true
exec "$src/tests/vm/vmrun" --build "${BUILD_DIR:-$src/build}" "$@" -- bash -c '
set -euo pipefail
mcreboot.sh -c 2-3 -m 256M@0 -r 2-3:0 >/dev/null
row() { ihkosctl --json 0 ikc_ping --cpu "$1" --count '"$count"' $2 | tr -d " \n" |
	sed "s/.*\"avg_ns\":\([0-9]*\).*\"max_ns\":\([0-9]*\).*\"min_ns\":\([0-9]*\).*/\3 \1 \2/"; }
irq=$(row 0 ""); poll=$(row 0 --poll)
irq_avg=$(echo "$irq" | cut -d" " -f2)
echo
echo "IKC round trip, LWK CPU 0 <-> Linux CPU 0, '"$count"' messages (software-emulated node: compare ratios)"
printf "%-28s %10s %10s %10s %14s\n" "Linux waits by" "min us" "avg us" "max us" "avg x IRQ"
for mode in irq poll; do
	set -- ${!mode}
	printf "%-28s %10d %10d %10d %14.2f\n" "$([ $mode = irq ] && echo "sleeping until the IRQ" || echo "spinning on the ring")" \
		$(($1 / 1000)) $(($2 / 1000)) $(($3 / 1000)) "$(echo "$2 $irq_avg" | awk "{ print \$1 / \$2 }")"
done
mcstop+release.sh
'
