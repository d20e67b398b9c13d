#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches and builds the Linux Test Project's library and system call tests into
# DEST, for tests/ltp/run_ltp.sh. LTP itself is never part of this repository.
#
# Usage: tests/ltp/build_ltp.sh [--git URL] [--ref REF] [--src DIR|TARBALL] DEST
#   --git URL   clone LTP from URL (default https://github.com/linux-test-project/ltp.git;
#               a local clone or bare repository works too)
#   --ref REF   check out REF (a tag, branch or commit) after cloning (default: its HEAD)
#   --src PATH  use an LTP source tree or a release tarball (.tar.xz/.tar.bz2/.tar.gz)
#               instead of cloning; it is copied, never built in place
# Environment: LTP_JOBS (default 2), LTP_NICE (default 10), LTP_SYSCALL_DIRS (build
# only these subdirectories of testcases/kernel/syscalls, e.g. "open read fork"),
# LTP_NO_APT=1 (do not install build dependencies).
#
# DEST gets bin/, testcases/bin/ (the test binaries, which the runner runs) and
# LTP_SOURCE (what was built); DEST/.src keeps the build tree for incremental rebuilds.
set -euo pipefail

usage() { sed -n "3,18p" "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

git_url=https://github.com/linux-test-project/ltp.git
ref= src=
while [ $# -gt 0 ]; do
	case $1 in
	--git) git_url=$2; shift 2 ;;
	--ref) ref=$2; shift 2 ;;
	--src) src=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	-*) echo "build_ltp.sh: unknown option '$1'" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
mkdir -p "$1"
dest=$(cd "$1" && pwd)
work=$dest/.src
jobs=${LTP_JOBS:-2}
run() { nice -n "${LTP_NICE:-10}" "$@"; }
log() { echo "build_ltp: $*"; }

# Build dependencies (Debian names, as LTP's INSTALL lists them), plus the
# development files a few system call tests need to do more than TCONF.
deps=(gcc git make pkgconf autoconf automake bison flex m4 libc6-dev linux-libc-dev
      libaio-dev libcap-dev libacl1-dev libkeyutils-dev libnuma-dev xz-utils)
missing=()
for p in "${deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "${LTP_NO_APT:-0}" = 1 ] || [ "$(id -u)" != 0 ]; then
		log "missing build dependencies: ${missing[*]} (install them, or run as root)"
	else
		log "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
	fi
fi

# The source, fresh in $work.
rm -rf "$work"
if [ -n "$src" ]; then
	if [ -d "$src" ]; then
		log "copying $src"
		mkdir -p "$work"
		cp -a "$src/." "$work/"
	elif [ -f "$src" ]; then
		log "unpacking $src"
		mkdir -p "$work"
		tar -xf "$src" -C "$work" --strip-components=1
	else
		echo "build_ltp.sh: --src '$src': no such directory or file" >&2
		exit 2
	fi
	describe=$src
else
	log "cloning $git_url"
	git clone -q ${ref:+--no-checkout} "$git_url" "$work"
	[ -z "$ref" ] || git -C "$work" checkout -q "$ref"
	describe="$git_url $(git -C "$work" rev-parse HEAD) ($(git -C "$work" describe --tags --always 2>/dev/null))"
fi
[ -f "$work/configure.ac" ] && [ -d "$work/testcases/kernel/syscalls" ] ||
	{ echo "build_ltp.sh: $work does not look like LTP's source" >&2; exit 1; }

cd "$work"
log "configuring (prefix $dest)"
run make autotools >autotools.log 2>&1 || { tail -20 autotools.log; exit 1; }
run ./configure --prefix="$dest" >configure.log 2>&1 || { tail -20 configure.log; exit 1; }
log "building the library"
run make -j"$jobs" -C lib >lib.log 2>&1 || { tail -30 lib.log; exit 1; }
# Some tests (execve, execl, ...) run helper programs from testcases/bin as well.
syscalls=testcases/kernel/syscalls
if [ -n "${LTP_SYSCALL_DIRS:-}" ]; then
	dirs=()
	for d in $LTP_SYSCALL_DIRS; do dirs+=("$syscalls/$d"); done
else
	dirs=("$syscalls")
fi
log "building ${#dirs[@]} director$([ ${#dirs[@]} = 1 ] && echo y || echo ies) of system call tests (-j$jobs; log: $work/syscalls.log)"
: >syscalls.log
for d in "${dirs[@]}"; do
	# A test that does not build (missing headers on an old distribution) must not
	# stop the others: -k, then check what was installed.
	run make -k -j"$jobs" -C "$d" >>syscalls.log 2>&1 || log "some targets of $d failed (see syscalls.log)"
	run make -k -C "$d" install >>syscalls.log 2>&1 || true
done
echo "$describe" >"$dest/LTP_SOURCE"
n=$(find "$dest/testcases/bin" -maxdepth 1 -type f -perm -u+x | wc -l)
log "done: $n programs in $dest/testcases/bin"
[ "$n" -gt 0 ]
