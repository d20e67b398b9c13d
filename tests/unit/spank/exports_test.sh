#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The SPANK plugin exports what Slurm looks up and nothing else (spank/plugin/exports.map):
# plugin_name, plugin_type, plugin_version, spank_plugin_version and slurm_spank_*.
set -euo pipefail
so=$1
[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }
syms=$(nm -D --defined-only "$so" | awk '{print $3}')
rc=0
for s in $syms; do
	if [[ ! $s =~ ^(plugin_name|plugin_type|plugin_version|spank_plugin_version|slurm_spank_[a-z_]+)$ ]]; then
		echo "FAIL: $so exports $s"
		rc=1
	fi
done
for s in plugin_name plugin_type plugin_version slurm_spank_init slurm_spank_init_post_opt slurm_spank_job_prolog \
	slurm_spank_job_epilog slurm_spank_task_init_privileged slurm_spank_task_init; do
	grep -qx "$s" <<<"$syms" || { echo "FAIL: $so does not export $s"; rc=1; }
done
# Slurm reads plugin_type as "spank" and compares plugin_version with its own.
[ "$(nm -D --defined-only "$so" | awk '$3 == "plugin_type" {print $2}')" = R ] || { echo "FAIL: plugin_type not read-only data"; rc=1; }
[ $rc -eq 0 ] && echo "ok: $(wc -w <<<"$syms") symbols, all SPANK's"
exit $rc
