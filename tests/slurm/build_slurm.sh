#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches and builds a Slurm release from source into PREFIX, so that the Slurm end
# to end tests (cmake -DMCK_SLURM_PREFIX=PREFIX) run against it and not only against
# the distribution's Slurm. Slurm itself is never part of this repository.
#
# Usage: tests/slurm/build_slurm.sh [--git URL] [--ref REF] [--src DIR|TARBALL] PREFIX
#   --git URL   clone Slurm from URL (default https://github.com/SchedMD/slurm.git;
#               a local clone or bare repository works too)
#   --ref REF   check out REF, a release tag (default slurm-25-05-8-1)
#   --src PATH  use a Slurm source tree or a release tarball (.tar.bz2/.tar.gz)
#               instead of cloning; it is copied, never built in place
# Environment: SLURM_JOBS (default 2), SLURM_NICE (default 10), SLURM_NO_APT=1 (do
# not install build dependencies), SLURM_SYSCONFDIR (default /etc/slurm: the tests
# write slurm.conf there inside the virtual node, as for the Debian packages).
#
# PREFIX gets bin/, sbin/, lib/slurm/ (the plugins), include/slurm/, lib/pkgconfig/
# slurm.pc and SLURM_SOURCE (what was built); PREFIX/.src keeps the build tree.
set -euo pipefail

usage() { sed -n "3,18p" "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

git_url=https://github.com/SchedMD/slurm.git
ref=slurm-25-05-8-1 src=
while [ $# -gt 0 ]; do
	case $1 in
	--git) git_url=$2; shift 2 ;;
	--ref) ref=$2; shift 2 ;;
	--src) src=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	-*) echo "build_slurm.sh: unknown option '$1'" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
work=$prefix/.src
jobs=${SLURM_JOBS:-2}
run() { nice -n "${SLURM_NICE:-10}" "$@"; }
log() { echo "build_slurm: $*"; }
start=$(date +%s)

# Build dependencies (Debian 12 names). munge for auth/munge, PMIx for the MPI case
# (srun --mpi=pmix; Debian's libpmix-dev keeps it under pmix2/), hwloc for the
# node's topology, json-c and yaml for scontrol/sinfo --json and --yaml.
deps=(gcc make git pkgconf python3 libmunge-dev munge libpmix-dev libhwloc-dev
      libjson-c-dev libyaml-dev libreadline-dev libpam0g-dev liblz4-dev zlib1g-dev)
missing=()
for p in "${deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "${SLURM_NO_APT:-0}" = 1 ] || [ "$(id -u)" != 0 ]; then
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
		echo "build_slurm.sh: --src '$src': no such directory or file" >&2
		exit 2
	fi
	describe=$src
else
	log "cloning $git_url at $ref"
	git clone -q --no-checkout "$git_url" "$work"
	git -C "$work" checkout -q "$ref"
	describe="$git_url $(git -C "$work" rev-parse HEAD) ($(git -C "$work" describe --tags --always 2>/dev/null))"
fi
[ -x "$work/configure" ] && [ -f "$work/slurm/spank.h" ] ||
	{ echo "build_slurm.sh: $work does not look like Slurm's source" >&2; exit 1; }

cd "$work"
pmix=/usr/lib/x86_64-linux-gnu/pmix2
[ -f $pmix/include/pmix.h ] || pmix=yes
log "configuring (prefix $prefix, sysconfdir ${SLURM_SYSCONFDIR:-/etc/slurm}; log: $work/configure.log)"
# Plain ./configure; no maintainer mode, so nothing needs autotools. No
# slurmrestd (it wants http-parser and JWT, which the tests do not use).
run ./configure --prefix="$prefix" --sysconfdir="${SLURM_SYSCONFDIR:-/etc/slurm}" \
	--with-pmix="$pmix" --with-munge --with-hwloc --enable-pkgconfig \
	--disable-slurmrestd --disable-sview --disable-x11 >configure.log 2>&1 ||
	{ tail -30 configure.log; exit 1; }
log "building (-j$jobs; log: $work/build.log)"
run make -j"$jobs" >build.log 2>&1 || { grep -B2 -A8 -m3 'error' build.log | tail -40; exit 1; }
log "installing"
run make install >install.log 2>&1 || { tail -30 install.log; exit 1; }
# The plugins the tests load must all be there; a missing one would only show
# as a daemon that does not start inside the virtual node. (task/none is no plugin:
# Slurm reads it as no task plugin.)
for p in auth_none cred_none select_cons_tres proctrack_linuxproc cgroup_v1 mpi_pmix; do
	[ -f "$prefix/lib/slurm/$p.so" ] || { log "plugin $p was not built (see configure.log)"; exit 1; }
done
echo "$describe" >"$prefix/SLURM_SOURCE"
log "done in $(( ($(date +%s) - start) / 60 )) min: $("$prefix/sbin/slurmd" -V) in $prefix"
