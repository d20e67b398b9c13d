#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): verbs over Soft-RoCE on the virtual node, both sides
# natively and both sides under mcexec, in one run on the same node: perftest's
# ib_write_lat, ib_send_lat (8 bytes) and ib_write_bw (64 KiB), with the ratio;
# then MPI ping-pong over UCX on the same Soft-RoCE link and over vader's single
# copy, two ranks on Linux and on the LWK (srun --mck; bench/mpi_bench_guest.sh).
# rxe loops the packets back on the node's own eth0; under emulation the
# absolute numbers mean little, the ratio is the point (docs/memory.md, "RDMA").
# Usage: bench/rdma_bench.sh [ITERATIONS] [vmrun options...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
iters=${1:-1000}
shift || true
exec "$src/tests/vm/vmrun" --build "${BUILD_DIR:-$src/build}" --link 40201:40202 --ip 10.98.0.1/24 "$@" \
	-- bash "$src/bench/rdma_bench_guest.sh" "$iters"
