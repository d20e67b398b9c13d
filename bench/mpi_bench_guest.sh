# SPDX-License-Identifier: GPL-2.0
# The guest half of the MPI ping-pong table of bench/mpi_bench.sh and
# bench/rdma_bench.sh: two ranks of one node, on Linux (srun --mpi=pmix) and on
# McKernel (srun --mpi=pmix --mck), over each named way Open MPI can move the
# messages. Ways: cma (vader with its single copy, done by the LWK between its
# processes), copy (vader without it), tcp (offloaded sockets), ucx (UCX's
# rc_verbs over Soft-RoCE on the node's own link: registered LWK memory, RDMA;
# rxe loops the packets back).
# Usage: mpi_bench_guest.sh WAY...   (in a virtual node with no instance booted)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/tests/vm/lib.sh"
. "$src/tests/slurm/lib.sh"
[ -e /sys/class/infiniband/rxe0 ] || rxe_up
# Verbs pins its buffers: slurmd runs with no RLIMIT_MEMLOCK, as docs/rdma.md
# asks of a site (--mck tasks get none anyway, mckernel_spank(8)).
ulimit -l unlimited
slurm_setup >/dev/null
B=$IHK_BUILD/tests/mpi/mpi_pingpong
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
row() { printf "%-62s %10s %10s %10s\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" "BEGIN { if (a > 0) printf \"%.2f\", b / a; else print \"-\" }")"; }
declare -A name envs
name[cma]="vader, single copy (CMA)"
envs[cma]="OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=cma"
name[copy]="vader, copy in and out"
envs[copy]="OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none"
name[tcp]="tcp"
envs[tcp]="OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,tcp"
name[ucx]="UCX rc_verbs, Soft-RoCE"
envs[ucx]="OMPI_MCA_pml=ucx UCX_TLS=rc_v,self UCX_NET_DEVICES=rxe0:1 UCX_UD_ETH_DGID_CHECK=n"
for way in "$@"; do
	[ -n "${name[$way]:-}" ] || { echo "mpi_bench_guest.sh: unknown way '$way' (cma, copy, tcp, ucx)" >&2; exit 2; }
done
echo
echo "MPI ping-pong, 2 ranks on one node (software-emulated node: compare ratios)"
printf "%-62s %10s %10s %10s\n" "measure" "Linux" "McKernel" "LWK/Linux"
for way in "$@"; do
	read -r -a e <<<"${envs[$way]}"
	l=$(as_user env "${e[@]}" srun --mpi=pmix -n 2 "$B" 2>/dev/null || true)
	m=$(as_user env "${e[@]}" srun --mpi=pmix --mck --mck-mem=900M -n 2 "$B" 2>/dev/null || true)
	row "${name[$way]}: latency, 8 B (us, half round trip)" "$(echo "$l" | val latency_us)" "$(echo "$m" | val latency_us)"
	row "${name[$way]}: bandwidth, 1 MiB (MB/s)" "$(echo "$l" | val bandwidth_mbs)" "$(echo "$m" | val bandwidth_mbs)"
done
