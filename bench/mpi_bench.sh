#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): MPI ping-pong latency and bandwidth between two ranks of
# one node, on Linux (srun --mpi=pmix) and on McKernel (srun --mpi=pmix --mck), side by
# side, over shared memory (Open MPI's vader) and over TCP.
# Usage: bench/mpi_bench.sh [vmrun options...]   (software emulation: compare ratios)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
exec "$src/tests/vm/vmrun" --build "${BUILD_DIR:-$src/build}" "$@" -- bash -c '
. '"$src"'/tests/vm/lib.sh
. '"$src"'/tests/slurm/lib.sh
slurm_setup >/dev/null
B=$IHK_BUILD/tests/mpi/mpi_pingpong
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_pml=ob1
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
row() { printf "%-44s %12s %12s %10s\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" "BEGIN { printf \"%.2f\", b / a }")"; }
echo
echo "MPI ping-pong, 2 ranks on one node (software-emulated node: compare ratios)"
printf "%-44s %12s %12s %10s\n" "measure" "Linux" "McKernel" "LWK/Linux"
for btl in vader tcp; do
	l=$(as_user env OMPI_MCA_btl=self,$btl srun --mpi=pmix -n 2 "$B" 2>/dev/null)
	m=$(as_user env OMPI_MCA_btl=self,$btl srun --mpi=pmix --mck --mck-mem=900M -n 2 "$B" 2>/dev/null)
	row "$btl: latency, 8 B (us, half round trip)" "$(echo "$l" | val latency_us)" "$(echo "$m" | val latency_us)"
	row "$btl: bandwidth, 1 MiB messages (MB/s)" "$(echo "$l" | val bandwidth_mbs)" "$(echo "$m" | val bandwidth_mbs)"
done
'
