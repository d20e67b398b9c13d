#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# packaging.install_e2e, host side: builds the Debian packages (scripts/package.sh
# deb, incrementally in the tree packaging.packages uses, so a build it made is
# reused) for the virtual node's kernel, then runs install_e2e_guest.sh in one
# virtual node: install, boot, mcexec, Slurm, purge, nothing left behind.
#   install_e2e.sh SRC BUILD WORKDIR KERNEL_DIR KERNEL_RELEASE
set -euo pipefail
src=${1:?usage: install_e2e.sh SRC BUILD WORKDIR KERNEL_DIR KERNEL_RELEASE}
build=${2:?} work=${3:?} kdir=${4:?} release=${5:?}
out=$work/packages
mkdir -p "$out"
start=$SECONDS
rm -f "$out"/*.deb
PKG_BUILD_DIR=$work/deb PKG_CMAKE_ARGS="-DKERNEL_DIR=$kdir" "$src/scripts/package.sh" deb "$out" >/dev/null
ls "$out"/mckernel-modules-"$release"_*.deb >/dev/null ||
	{ echo "FAIL: no mckernel-modules-$release package in $out: $(ls "$out")"; exit 1; }
echo "packages built in $((SECONDS - start)) s: $(cd "$out" && ls *.deb | paste -sd' ')"
exec "$src/tests/vm/vmrun" --build "$build" --kernel "$release" --timeout 600 \
	-- env E2E_DEBS="$out" bash "$src/tests/packaging/install_e2e_guest.sh"
