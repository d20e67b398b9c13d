#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): MPI ping-pong latency and bandwidth between two ranks of
# one node, on Linux (srun --mpi=pmix) and on McKernel (srun --mpi=pmix --mck), side by
# side in one run, over each way Open MPI can move the messages: shared memory
# (vader) with its single copy (CMA, done by the LWK between its processes) and
# without it, TCP (offloaded sockets), and UCX's rc_verbs over Soft-RoCE on the
# node's own link (registered LWK memory, RDMA; rxe loops the packets back).
# Usage: bench/mpi_bench.sh [vmrun options...]   (software emulation: compare ratios)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
exec "$src/tests/vm/vmrun" --build "${BUILD_DIR:-$src/build}" --link 40301:40302 --ip 10.98.0.1/24 "$@" -- bash -c '
. '"$src"'/tests/vm/lib.sh
. '"$src"'/tests/slurm/lib.sh
rxe_up
# Verbs pins its buffers: slurmd runs with no RLIMIT_MEMLOCK, as docs/rdma.md
# asks of a site (--mck tasks get none anyway, mckernel_spank(8)).
ulimit -l unlimited
slurm_setup >/dev/null
B=$IHK_BUILD/tests/mpi/mpi_pingpong
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
row() { printf "%-62s %10s %10s %10s\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" "BEGIN { if (a > 0) printf \"%.2f\", b / a; else print \"-\" }")"; }
# Each way: its name, then the environment that selects it.
ways=(
	"vader, single copy (CMA)|OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=cma"
	"vader, copy in and out|OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none"
	"tcp|OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,tcp"
	"UCX rc_verbs, Soft-RoCE|OMPI_MCA_pml=ucx UCX_TLS=rc_v,self UCX_NET_DEVICES=rxe0:1 UCX_UD_ETH_DGID_CHECK=n"
)
echo
echo "MPI ping-pong, 2 ranks on one node (software-emulated node: compare ratios)"
printf "%-62s %10s %10s %10s\n" "measure" "Linux" "McKernel" "LWK/Linux"
for way in "${ways[@]}"; do
	name=${way%%|*}
	read -r -a envs <<<"${way#*|}"
	l=$(as_user env "${envs[@]}" srun --mpi=pmix -n 2 "$B" 2>/dev/null || true)
	m=$(as_user env "${envs[@]}" srun --mpi=pmix --mck --mck-mem=900M -n 2 "$B" 2>/dev/null || true)
	row "$name: latency, 8 B (us, half round trip)" "$(echo "$l" | val latency_us)" "$(echo "$m" | val latency_us)"
	row "$name: bandwidth, 1 MiB (MB/s)" "$(echo "$l" | val bandwidth_mbs)" "$(echo "$m" | val bandwidth_mbs)"
done
'
