#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): MPI ping-pong latency and bandwidth between two ranks of
# one node, on Linux (srun --mpi=pmix) and on McKernel (srun --mpi=pmix --mck), side by
# side in one run, over each way Open MPI can move the messages: shared memory
# (vader) with its single copy (CMA, done by the LWK between its processes) and
# without it, TCP (offloaded sockets), and UCX's rc_verbs over Soft-RoCE on the
# node's own link (bench/mpi_bench_guest.sh).
# Usage: bench/mpi_bench.sh [vmrun options...]   (software emulation: compare ratios)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
exec "$src/tests/vm/vmrun" --build "${BUILD_DIR:-$src/build}" --link 40301:40302 --ip 10.98.0.1/24 "$@" \
	-- bash "$src/bench/mpi_bench_guest.sh" cma copy tcp ucx
