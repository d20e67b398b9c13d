#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cmake --install into a prefix of its own (with DESTDIR) gives the layout the
# admin guide promises: tools that run without LD_LIBRARY_PATH (RUNPATH relative
# to $ORIGIN), scripts that find their own installation, libihk usable through
# pkg-config and find_package(ihk), modules under /lib/modules/<kver>/extra.
set -uo pipefail
build=${1:?usage: install_test.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

prefix=/opt/mck-test
root=$tmp/root
if ! out=$(DESTDIR=$root cmake --install "$build" --prefix "$prefix" 2>&1); then
	echo "FAIL: cmake --install: $out"
	exit 1
fi
[[ $out != *"depmod -a"* ]] && ok "no depmod with DESTDIR" || fail "depmod ran although DESTDIR was set"
p=$root$prefix
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")

for f in bin/mcexec bin/mck-slurm bin/mck-task sbin/ihkconfig sbin/ihkosctl sbin/ihkmond \
	sbin/mcreboot.sh sbin/mcstop+release.sh share/mckernel/mckernel.img share/mckernel/Module.symvers \
	include/ihklib.h include/mckernel/ihk/device.h include/mckernel/ihk/boot.h \
	include/mckernel/uapi/ihk/ihk.h "$libdir/libihk.so.0" "$libdir/libihk.so" \
	"$libdir/pkgconfig/ihk.pc" "$libdir/cmake/ihk/ihkConfig.cmake" "$libdir/cmake/ihk/ihkTargets.cmake"; do
	[ -e "$p/$f" ] && ok "$f" || fail "$f is not installed"
done
if grep -q '^BUILD_KERNEL_MODULES:BOOL=ON' "$build/CMakeCache.txt"; then
	mods=$(find "$root/lib/modules" -path '*/extra/*.ko' -printf '%f\n' 2>/dev/null | sort | tr '\n' ' ')
	[ "$mods" = "ihk-smp-x86.ko ihk.ko mcctrl.ko " ] && ok "modules in DESTDIR/lib/modules/<kver>/extra" ||
		fail "modules: '$mods'"
fi

for exe in bin/mcexec bin/mck-slurm sbin/ihkconfig sbin/ihkosctl sbin/ihkmond; do
	rp=$(readelf -d "$p/$exe" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
	[ "$rp" = "\$ORIGIN/../$libdir" ] && ok "$exe RUNPATH $rp" || fail "$exe RUNPATH '$rp'"
done
if [ -e "$p/$libdir/slurm/mckernel_spank.so" ]; then
	rp=$(readelf -d "$p/$libdir/slurm/mckernel_spank.so" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
	[ "$rp" = "\$ORIGIN/.." ] && ok "plugin RUNPATH $rp" || fail "plugin RUNPATH '$rp'"
fi

# No RUNPATH, installed or in the build tree, has an empty entry: glibc searches
# one in the working directory (CMake leaves one at the end of an installed
# target's build RUNPATH; mck_install_runpath links those without it).
empty=""
while IFS= read -r -d '' f; do
	rp=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
	[ -n "$rp" ] || continue
	case ":$rp:" in *::*) empty+=" $f [$rp]" ;; esac
done < <(find "$p" "$build/bin" "$build/lib" -type f \( -perm -u+x -o -name '*.so*' \) -print0 2>/dev/null)
[ -z "$empty" ] && ok "no RUNPATH with an empty entry (the working directory)" || fail "RUNPATH with an empty entry:$empty"
rp=$(readelf -d "$p/$libdir/libihk.so.0" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
[ -z "$rp" ] && ok "libihk has no RUNPATH" || fail "libihk RUNPATH '$rp'"

# The programs run from there, with no help from the environment.
if env -u LD_LIBRARY_PATH "$p/sbin/ihkconfig" --help >"$tmp/help" 2>&1 && grep -q reserve "$tmp/help"; then
	ok "ihkconfig --help runs from the prefix"
else
	fail "ihkconfig --help: $(head -3 "$tmp/help")"
fi
env -u LD_LIBRARY_PATH "$p/bin/mcexec" --help >/dev/null 2>&1 && ok "mcexec --help runs" || fail "mcexec --help"
# The scripts find their own installation (not run for real: as root they would
# load modules on this host).
"$p/sbin/mcreboot.sh" -h | grep -q -- '-M DIR' && ok "mcreboot.sh -h" || fail "mcreboot.sh -h"
"$p/sbin/mcstop+release.sh" -h >/dev/null && ok "mcstop+release.sh -h" || fail "mcstop+release.sh -h"
grep -q '^MODULE_DIR=${MCK_MODULE_DIR-}$' "$p/sbin/mcreboot.sh" && ok "installed mcreboot.sh uses modprobe" ||
	fail "installed mcreboot.sh has a module directory"
[ "$(readlink -f "$(dirname "$p/sbin/mcreboot.sh")/$(sed -n 's|^IMAGE=${MCK_IMAGE:-$here/\(.*\)}$|\1|p' "$p/sbin/mcreboot.sh")")" = \
	"$(readlink -f "$p/share/mckernel/mckernel.img")" ] && ok "mcreboot.sh image path" || fail "mcreboot.sh image path"

# Building against libihk: pkg-config, then CMake's find_package.
cat >"$tmp/use.c" <<'C'
#include <ihklib.h>
#include <stdio.h>
int main(void) { printf("%d\n", ihk_get_num_reserved_cpus(0) < 0); return 0; }
C
export PKG_CONFIG_PATH=$p/$libdir/pkgconfig
if flags=$(pkg-config --cflags --libs ihk) && cc "$tmp/use.c" -o "$tmp/use" $flags -Wl,-rpath,"$p/$libdir" 2>"$tmp/cc" &&
	"$tmp/use" >/dev/null; then
	ok "pkg-config ihk: $flags"
else
	fail "pkg-config build: $(cat "$tmp/cc")"
fi
mkdir -p "$tmp/cm"
cat >"$tmp/cm/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.22)
project(use_ihk C)
find_package(ihk REQUIRED)
add_executable(use ../use.c)
target_link_libraries(use PRIVATE ihk::ihk)
C
if cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_PREFIX_PATH="$p" >"$tmp/cmake.log" 2>&1 &&
	cmake --build "$tmp/cm/b" >>"$tmp/cmake.log" 2>&1 && "$tmp/cm/b/use" >/dev/null; then
	ok "find_package(ihk)"
else
	fail "find_package(ihk): $(tail -5 "$tmp/cmake.log")"
fi
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
