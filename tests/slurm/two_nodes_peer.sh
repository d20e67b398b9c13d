# SPDX-License-Identifier: GPL-2.0
# vnode2 of tests/slurm/test_two_nodes.sh: a slurmd serving vnode1's jobs until
# vnode1 is done (/vmshare/done, bounded), then this node must be as it was, with
# the LWK log of the jobs that ran here written as the user.
# Usage: two_nodes_peer.sh "name=address ..."
. "$(dirname "$0")/../vm/lib.sh"
SLURM_NODES=$1
. "$(dirname "$0")/lib.sh"
snapshot_node
rxe_up
slurm_setup
log "vnode2 up; serving jobs until vnode1 is done"
for _ in $(seq 1400); do
	[ -e /vmshare/done ] && break
	sleep 1
done
[ -e /vmshare/done ] || fail "vnode1 never said it was done"
pkill -x slurmd || true

log "the jobs' share of vnode2"
kmsg=$(grep -l "mpi_check" $SLURM_WORK/mck-kmsg-*-vnode2.log 2>/dev/null | head -1)
[ -n "$kmsg" ] && echo "ok: a rank on vnode2 logged through McKernel ($kmsg)" || fail "no kmsg file on vnode2 with mpi_check's line: $(ls $SLURM_WORK)"
[ -z "$kmsg" ] || expect_eq "kmsg file owner" $SLURM_USER "$(stat -c %U "$kmsg")"
assert_slurm_node_clean
rdma link delete rxe0 || fail "rdma link delete rxe0"
grep -iE 'mckernel|error' /var/log/slurmd.log | tail -20
finish
