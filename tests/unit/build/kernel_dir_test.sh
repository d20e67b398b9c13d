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
