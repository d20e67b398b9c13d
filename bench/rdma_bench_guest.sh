# SPDX-License-Identifier: GPL-2.0
# The guest half of bench/rdma_bench.sh. Usage: rdma_bench_guest.sh ITERATIONS
set -euo pipefail
iters=$1
here=$(cd "$(dirname "$0")" && pwd)
for m in crc32_generic rdma_rxe ib_uverbs; do modprobe "$m"; done
rdma link add rxe0 type rxe netdev eth0
ulimit -l unlimited
mcreboot.sh -c 2-3 -m 768M@0 >/dev/null

# run PREFIX TOOL ARGS...: the client's output of a server/client pair, each side run with PREFIX.
run() {
	local prefix=$1 out
	shift
	# shellcheck disable=SC2086
	timeout -k 5 600 $prefix "$@" >/dev/null 2>&1 &
	local spid=$!
	sleep 2
	# shellcheck disable=SC2086
	out=$(timeout -k 5 600 $prefix "$@" 10.98.0.1 2>&1)
	wait $spid
	echo "$out"
}
# The column @2 of the first result row after perftest's header line naming @1.
column() { awk -v h="$1" -v c="$2" '$0 ~ h { getline; print $c; exit }'; }

printf '%-28s %14s %14s %10s\n' "TEST (both sides)" "Linux" "LWK" "LWK/Linux"
row() {
	printf '%-28s %14s %14s %10s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", b / a }')"
}
for t in ib_write_lat ib_send_lat; do
	l=$(run "" $t -d rxe0 -x 1 -n "$iters" -s 8 -F | column t_avg 6)
	k=$(run mcexec $t -d rxe0 -x 1 -n "$iters" -s 8 -F | column t_avg 6)
	row "$t 8 B, t_avg us" "$l" "$k"
done
l=$(run "" ib_write_bw -d rxe0 -x 1 -n "$iters" -s 65536 -F | column "BW average" 4)
k=$(run mcexec ib_write_bw -d rxe0 -x 1 -n "$iters" -s 65536 -F | column "BW average" 4)
row "ib_write_bw 64 KiB, MB/s" "$l" "$k"

# Soft-RoCE posts every send with a system call (a write to the uverbs device),
# which the LWK offloads: the client's report says how much of its time that is.
report=$(mktemp)
run "mcexec --report=$report --report-format=json" ib_write_lat -d rxe0 -x 1 -n "$iters" -s 8 -F >/dev/null
echo
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
calls = sorted(r["offloaded"], key=lambda c: -c["total_us"])
total = sum(c["total_us"] for c in calls)
print(f"ib_write_lat client on the LWK: {r['elapsed_us'] / 1e6:.2f} s, of it offloaded calls "
      f"{total / 1e6:.2f} s ({100 * total / max(r['elapsed_us'], 1):.0f}%):")
for c in calls[:4]:
    print(f"  {c['name']:<12} {c['count']:>8} calls {c['total_us'] / max(c['count'], 1):>10.1f} us each")
PY
rm -f "$report"
mcstop+release.sh

# MPI on the same link and node: UCX over Soft-RoCE (RDMA from registered LWK
# memory) and shared memory with the LWK's single copy.
bash "$here/mpi_bench_guest.sh" ucx cma
rdma link delete rxe0
