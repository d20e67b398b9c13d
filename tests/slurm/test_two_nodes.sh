#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two virtual nodes, one cluster (runs on the host): vnode1 (slurmctld, slurmd) and
# vnode2 (slurmd), each with its own LWK, wired by a virtual network. vnode1 runs
# MPI jobs across both (two_nodes_main.sh); vnode2 serves them until vnode1 is done,
# then checks that it is clean (two_nodes_peer.sh). Both must pass. With
# MCK_SLURM_PREFIX and MCK_SPANK_PLUGIN set (tests/slurm/run_src.sh), both nodes run
# that self-built Slurm and the plugin built against it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vmrun="$here/../vm/vmrun --build ${IHK_BUILD:?} ${IHK_VMRUN_ARGS:-} --timeout 1500"
nodes="vnode1=10.99.0.1 vnode2=10.99.0.2"
share=$(mktemp -d /tmp/two-nodes.XXXXXX)
port=$((20000 + $$ % 20000 * 2)) # the link's two ends, ours alone (vmrun --link; vnode1 listens)
peer_pid=""
guest_env=(env)
[ -z "${MCK_SLURM_PREFIX:-}" ] ||
	guest_env+=("MCK_SLURM_PREFIX=$MCK_SLURM_PREFIX" "MCK_SPANK_PLUGIN=${MCK_SPANK_PLUGIN:?}")
cleanup() {
	touch "$share/done"
	[ -z "$peer_pid" ] || wait "$peer_pid" 2>/dev/null
	rm -rf "$share"
}
trap cleanup EXIT

$vmrun --hostname vnode2 --link $((port + 1)):$port --ip 10.99.0.2/24 --share "$share" \
	-- "${guest_env[@]}" bash "$here/two_nodes_peer.sh" "$nodes" > "$share/vnode2.log" 2>&1 &
peer_pid=$!
$vmrun --hostname vnode1 --link $port:$((port + 1)) --ip 10.99.0.1/24 --share "$share" \
	-- "${guest_env[@]}" bash "$here/two_nodes_main.sh" "$nodes" 2>&1 | tee "$share/vnode1.log"
main_rc=${PIPESTATUS[0]}
touch "$share/done" # vnode2 stops serving, whatever became of vnode1
wait "$peer_pid"
peer_rc=$?
peer_pid=""
echo "=== vnode2"
cat "$share/vnode2.log"
echo "=== vnode1 exited with $main_rc, vnode2 with $peer_rc"
# The logs are long: name what failed once more at the end.
for node in vnode1 vnode2; do
	grep -E '^(  )?FAIL: |^vmrun: guest killed' "$share/$node.log" | sed "s/^  //; s/^/$node: /" | sort -u || true
done
[ "$main_rc" -eq 0 ] && [ "$peer_rc" -eq 0 ]
