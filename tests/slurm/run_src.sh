#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One Slurm end-to-end case against a self-built Slurm (tests/slurm/build_slurm.sh)
# instead of the distribution's: checks on the host that the prefix and the plugin
# built against it are there (else skips, status 77), then runs test_CASE.sh on a
# virtual node with that Slurm first on PATH (CASE two_nodes: test_two_nodes.sh on
# the host, which boots two such nodes). The guest sees the host's root, so PREFIX
# is the same path inside.
#
# Usage: tests/slurm/run_src.sh PREFIX CASE
# Environment: IHK_BUILD (the build tree), IHK_VMRUN_ARGS (more vmrun options).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: run_src.sh PREFIX CASE" >&2; exit 2; }
prefix=$1 case=$2
build=${IHK_BUILD:?}
plugin=$build/slurm-src/lib/mckernel_spank.so
skip() { echo "SKIP: $*"; exit 77; }

for p in sbin/slurmctld sbin/slurmd bin/srun; do
	[ -x "$prefix/$p" ] || skip "no Slurm in $prefix (no $p): build one with tests/slurm/build_slurm.sh $prefix"
done
[ -f "$plugin" ] ||
	skip "no plugin built against $prefix ($plugin): re-run cmake (-DMCK_SLURM_PREFIX=$prefix) after building Slurm there"
[ -f "$here/test_$case.sh" ] || { echo "run_src.sh: no test case '$case'" >&2; exit 2; }
echo "run_src: $("$prefix/sbin/slurmd" -V) from $prefix; plugin $plugin"
if [ "$case" = two_nodes ]; then
	MCK_SLURM_PREFIX="$prefix" MCK_SPANK_PLUGIN="$plugin" exec bash "$here/test_two_nodes.sh"
fi
# shellcheck disable=SC2086 # IHK_VMRUN_ARGS is a list of options
exec "$here/../vm/vmrun" --build "$build" ${IHK_VMRUN_ARGS:-} --timeout 840 -- \
	env MCK_SLURM_PREFIX="$prefix" MCK_SPANK_PLUGIN="$plugin" bash "$here/test_$case.sh"
