# SPDX-License-Identifier: GPL-2.0
# Slurm end to end on the virtual node, when things go wrong: a task that
# crashes, a job cancelled mid-run, a node the LWK left unclean and a prolog that
# cannot boot McKernel (both drained with a reason an admin understands) and slurmd
# killed mid-job followed by reconcile.
# The node is clean after each.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
APP=$IHK_BUILD/tests/slurm/mck_app
slurm_setup

log "a task that crashes leaves the node clean"
rc=0; as_user srun --mck -n 1 "$APP" crash || rc=$?
[ $rc -ne 0 ] && echo "ok: srun reports the crash ($rc)" || fail "a crashing task reported success"
wait_idle
assert_slurm_node_clean

log "a job cancelled mid-run leaves the node clean"
id=$(as_user sbatch --parsable --mck -n 1 -o /dev/null --wrap "srun $APP sleep 300")
for _ in $(seq 120); do [ -e /dev/mcos0 ] && pgrep -x mcexec >/dev/null && break; sleep 0.5; done
pgrep -x mcexec >/dev/null && echo "ok: running on the LWK" || fail "job $id never started mcexec"
scancel $id
wait_idle
expect_eq "not drained" idle "$(node_state)"
assert_slurm_node_clean

log "a node the LWK leaves unclean is drained with a reason an admin understands"
id=$(as_user sbatch --parsable --mck -n 1 -o /dev/null --wrap "srun $APP sleep 300")
for _ in $(seq 240); do pgrep -x mcexec >/dev/null && break; sleep 0.5; done
state=/run/mckernel-slurm/job-$id.json
[ -e "$state" ] || fail "no state file for job $id"
# What the epilog will compare with: pretend Linux had a CPU more before the job.
sed -i 's/"online": *"[^"]*"/"online": "0-4"/' "$state"
scancel "$id"
for _ in $(seq 120); do [[ $(node_state) == drain* ]] && [ "$(squeue -h | wc -l)" -eq 0 ] && break; sleep 0.5; done
reason=$(scontrol show node vnode | grep -o 'Reason=.*' || true)
echo "$reason"
[[ $reason == *"mck: job $id left the node unclean"*"mck-slurm reconcile, then resume"* ]] &&
	echo "ok: drained with the plugin's reason" || fail "node $(node_state), reason '$reason'"
# What the reason says: the admin makes the node clean, then resumes it.
rm -f "$state"
expect_ok "$IHK_BUILD/bin/mck-slurm" --config $SITE_CONF reconcile
scontrol update nodename=vnode state=resume
wait_idle
assert_slurm_node_clean

log "a prolog that cannot boot McKernel: the node is drained with the plugin's reason"
# A site mistake only the node meets: an image that is not McKernel's.
cp $SITE_CONF $SITE_CONF.good
sed -i 's|^image = .*|image = /etc/hostname|' $SITE_CONF
id=$(as_user sbatch --parsable --mck -n 1 -o /dev/null --wrap "srun $APP")
for _ in $(seq 240); do
	[[ $(node_state) == drain* ]] && [ "$(squeue -h -j "$id" -o %T)" == PENDING ] && break
	sleep 0.5
done
reason=$(scontrol show node vnode | grep -o 'Reason=.*' || true)
echo "$reason; job $id: $(squeue -h -j "$id" -o '%T %r')"
[[ $reason == *"mck: job $id: McKernel did not boot: load /etc/hostname"*"(mck-slurm reconcile, then resume)"* ]] &&
	echo "ok: drained with the plugin's reason" || fail "node $(node_state), reason '$reason'"
job=$(squeue -h -j "$id" -o '%T %r')
[[ $job == PENDING*[Hh]eld* ]] && echo "ok: the job is requeued held ($job)" || fail "job $id: '$job'"
expect_eq "the failed boot is in the job's record" 1 "$(scontrol show job "$id" | grep -c 'AdminComment=mck@vnode: boot failed')"
# What the reason says; the failed prolog left nothing behind.
scancel "$id"
mv $SITE_CONF.good $SITE_CONF
expect_ok "$IHK_BUILD/bin/mck-slurm" --config $SITE_CONF reconcile
scontrol update nodename=vnode state=resume
wait_idle
assert_slurm_node_clean

log "slurmd killed mid-job: reconcile cleans up"
id=$(as_user sbatch --parsable --mck -n 1 -o /dev/null --wrap "srun $APP sleep 300")
for _ in $(seq 120); do pgrep -x mcexec >/dev/null && break; sleep 0.5; done
pkill -9 -x slurmd; pkill -9 -x slurmstepd; pkill -9 -x mcexec || true
sleep 1
[ -e /dev/mcos0 ] && echo "ok: the partition outlived slurmd" || fail "no partition left to reconcile"
expect_ok "$IHK_BUILD/bin/mck-slurm" --config $SITE_CONF reconcile
assert_slurm_node_clean
scancel $id 2>/dev/null || true
slurmd -N vnode

ihk_unload
finish
