#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): McKernel boot-to-RUNNING and shutdown-to-released times
# over repeated cycles on the virtual node, next to the guest Linux's own boot
# time for scale, then mcreboot.sh and mcstop+release.sh at 512 MiB and 2 GiB
# against one pass over that memory. Usage: bench/boot_bench.sh [CYCLES] [vmrun options...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cycles=${1:-10}
shift || true
exec "$src/tests/vm/vmrun" --build "${BUILD_DIR:-$src/build}" --mem 4G "$@" -- bash "$src/bench/boot_bench_guest.sh" "$cycles"
