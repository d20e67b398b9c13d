#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The vDSO is mapped as it is into every process, read-only: it must need no
# relocation, have no writable segment, and export each function under
# LINUX_2.6 (what glibc looks up). Run by the build on every vdso.so it makes.
set -eu
so=$1
fail() { echo "vdso check: $so: $*" >&2; rm -f "$so"; exit 1; }
readelf -r "$so" | grep -q 'There are no relocations' || fail "has relocations"
! readelf -lW "$so" | awk '$1 == "LOAD"' | grep -q ' RW' || fail "has a writable segment"
[ "$(readelf -lW "$so" | awk '$1 == "LOAD"' | wc -l)" -eq 1 ] || fail "needs exactly one PT_LOAD"
readelf -dW "$so" | grep -q 'Library soname: \[linux-vdso.so.1\]' || fail "soname is not linux-vdso.so.1"
for f in clock_gettime gettimeofday time getcpu clock_getres; do
	readelf --dyn-syms -W "$so" | grep -q " __vdso_$f@@LINUX_2.6\$" || fail "no __vdso_$f@@LINUX_2.6"
done
[ "$(stat -c %s "$so")" -le 8192 ] || fail "larger than 8 KiB: a few functions should not be"
