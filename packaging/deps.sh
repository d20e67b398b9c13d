#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs, with apt, everything the suite needs to build and to run its tests
# on Debian 12. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config            # userland build
	libcli11-dev nlohmann-json3-dev libgtest-dev # libraries the tools and tests use
	linux-image-amd64 linux-headers-amd64        # the kernel the modules and the virtual node use
	linux-image-6.12-amd64 linux-headers-6.12-amd64 xz-utils # a newer one, for vm.next_kernel
	kmod                                         # insmod/rmmod inside the virtual node
	qemu-system-x86 busybox-static cpio gzip     # the virtual node
	util-linux procps gawk                       # lscpu, setpriv, taskset, pgrep in tests
	python3 coreutils                            # real programs the mcexec tests run on the LWK
	numactl hwloc-nox                            # the LWK's view of the machine (vm.lwk_view)
	libhwloc-dev libslurm-dev                    # the SPANK plugin and its planner
	slurmd slurmctld slurm-client iproute2 passwd # the Slurm end-to-end tests (tests/slurm)
	openmpi-bin libopenmpi-dev libpmix2 libpmix-dev # MPI programs on the LWK (srun --mpi=pmix, mpirun)
	rdma-core ibverbs-utils ibverbs-providers perftest libibverbs-dev # verbs over Soft-RoCE on the LWK (vm.rdma)
	rpm dkms rpmlint                             # scripts/package.sh rpm, the packaging tests
	help2man man-db groff-base bsdextrautils     # the manual pages (docs/man) and their test (col)
	python3-jsonschema python3-matplotlib        # mcexec --report: its schema test (vm.report), bench/report_plot.py
	libopenblas-dev                              # bench/dgemm_bench.sh (OpenBLAS's first DGEMM on the LWK)
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
