#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The modules on a newer Linux than the suite's own (runs on the host): Debian 12's
# 6.12 series (linux-image-6.12-amd64, the kernel of Debian 13 and RHEL 10).
# Builds ihk.ko, ihk-smp-x86.ko and mcctrl.ko against its headers in a build tree
# of their own, boots the node on that kernel with them (MCK_MODULE_DIR), and runs
# there the suites whose kernel code differs between versions:
#   test_devmem.sh  device frames (follow_pfnmap_start from 6.12)
#   test_rdma.sh    Linux pinning the LWK's memory (long-term write pins, 6.5+)
#   test_lwk.sh     the security boundary of mcexec's view (its flags differ from 6.5):
#                   the cases on memory and mappings (1-3, 9-11, 15, 16, 18; all of
#                   them with NEXT_KERNEL_SECURITY_CASES=all)
# Usage: IHK_BUILD=build test_next_kernel.sh [META-PACKAGE]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${IHK_BUILD:?}" && pwd)
meta=${1:-linux-image-6.12-amd64}

release=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null | sed -n 's/.*linux-image-\([^ ,]*\).*/\1/p')
headers=/usr/src/linux-headers-$release
if [ -z "$release" ] || [ ! -e "$headers/include/generated/utsrelease.h" ]; then
	echo "FAIL: $meta and its headers are not installed (packaging/deps.sh installs them)"
	exit 1
fi
tree=$build/kernel-$release
echo "--- modules for $release ($headers) in $tree"
if ! cmake -S "$src" -B "$tree" -DKERNEL_DIR="$headers" >"$tree.log" 2>&1 ||
	! cmake --build "$tree" --target ihk_modules mcctrl_module >>"$tree.log" 2>&1; then
	tail -30 "$tree.log"
	echo "FAIL: the modules do not build against $release"
	exit 1
fi
# Warnings are errors here: a new kernel's API change shows up as one first.
if grep -E 'warning:' "$tree.log" | grep -v 'jobserver unavailable'; then
	echo "FAIL: warnings building against $release"
	exit 1
fi
echo "ok: ihk.ko, ihk-smp-x86.ko, mcctrl.ko built for $(modinfo -F vermagic "$tree/modules/mcctrl.ko" | cut -d' ' -f1)"

cases=${NEXT_KERNEL_SECURITY_CASES:-1 2 3 9 10 11 15 16 18}
[ "$cases" != all ] || cases="1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18"
scripts=("$here/test_devmem.sh" "$here/test_rdma.sh" "$src/tests/security/test_lwk.sh")
VMRUN_TCG_THREAD=${VMRUN_TCG_THREAD-single} exec "$here/vmrun" --build "$build" --kernel "$release" --timeout 1300 \
	--link 40131:40132 --ip 10.98.0.1/24 \
	--qemu-arg -device --qemu-arg edu \
	--qemu-arg -object --qemu-arg memory-backend-memfd,id=devmem,size=1M,share=on \
	--qemu-arg -device --qemu-arg ivshmem-plain,memdev=devmem \
	-- env MCK_MODULE_DIR="$tree/modules" SECURITY_CASES="$cases" bash -c '
		rc=0
		echo "--- Linux $(uname -r)"
		for t in "$@"; do
			echo "=== $t"
			bash "$t" || { echo "FAIL: $t on $(uname -r)"; rc=1; }
		done
		exit $rc' next-kernel "${scripts[@]}"
