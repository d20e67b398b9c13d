#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The build's KERNEL_DIR setting is validated: a path that is not a configured
# kernel build tree is refused at configure time with a message naming it.
set -uo pipefail
src=${1:?usage: kernel_dir_test.sh SRC}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$(cmake -S "$src" -B "$tmp/b" -DKERNEL_DIR="$tmp/not-a-kernel" 2>&1)
rc=$?
out=$(echo "$out" | tr -s ' \n' '  ') # CMake wraps its messages
if [ $rc -ne 0 ] && [[ $out == *"KERNEL_DIR=$tmp/not-a-kernel is not a configured kernel build tree"* ]]; then
	echo "ok: bad KERNEL_DIR refused"
else
	echo "FAIL: cmake status $rc, output: $out"
	exit 1
fi
out=$(cmake -S "$src" -B "$tmp/c" -DBUILD_KERNEL_MODULES=OFF 2>&1) || { echo "FAIL: userland-only configure failed: $out"; exit 1; }
echo "ok: -DBUILD_KERNEL_MODULES=OFF configures"
# A RHEL-style tree (/usr/src/kernels/<ver>) is taken as it is, with no dpkg call.
k=$tmp/kernels/5.14.0-427.el9.x86_64
mkdir -p "$k/include/generated"
echo '#define UTS_RELEASE "5.14.0-427.el9.x86_64"' >"$k/include/generated/utsrelease.h"
out=$(cmake -S "$src" -B "$tmp/d" -DKERNEL_DIR="$k" -DDPKG_QUERY=/nonexistent/dpkg-query 2>&1) ||
	{ echo "FAIL: RHEL-style KERNEL_DIR: $out"; exit 1; }
[[ $out == *"Kernel modules for 5.14.0-427.el9.x86_64"* ]] || { echo "FAIL: release not read: $out"; exit 1; }
grep -q '^MCK_MODULE_INSTALL_DIR\|/lib/modules/5.14.0-427.el9.x86_64/extra' "$tmp/d/ihk/linux/cmake_install.cmake" ||
	{ echo "FAIL: modules not installed to /lib/modules/5.14.0-427.el9.x86_64/extra"; exit 1; }
echo "ok: RHEL-style KERNEL_DIR configures, modules go to /lib/modules/<its release>/extra"
