# SPDX-License-Identifier: GPL-2.0
# Slurm end to end on the virtual node: real slurmctld and slurmd, the McKernel
# SPANK plugin, a non-root user. Jobs with --mck run every task on a per-job
# LWK; the job's kmsg file lands in its working directory; after every job the
# node is exactly as before; mistakes are refused at submit; a crash, a cancel
# and a killed slurmd followed by reconcile leave the node clean.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
APP=$IHK_BUILD/tests/slurm/mck_app
slurm_setup
expect_eq "node idle" idle "$(node_state)"
expect_ok sh -c "srun --help | grep -q -- '--mck-cpus'"

log "srun --mck -n 2: both tasks on the LWK"
out=$(as_user srun --mck -n 2 -l "$APP" 2>&1) || fail "srun --mck failed: $out"
echo "$out"
expect_eq "tasks on McKernel" 2 "$(grep -c 'on McKernel' <<<"$out")"
job=$(sacct -n -X -o jobid 2>/dev/null | tail -1 | tr -d ' ' || true)
wait_idle
kmsg=$(ls $SLURM_WORK/mck-kmsg-*-vnode.log 2>/dev/null | head -1)
if [ -n "$kmsg" ]; then
	echo "ok: kmsg file $kmsg"
	expect_eq "kmsg owner" $SLURM_USER "$(stat -c %U "$kmsg")"
	expect_eq "both tasks in the LWK log" 2 "$(grep -c 'kprint: pid [0-9]*: job [0-9]* task' "$kmsg")"
else
	fail "no kmsg file in $SLURM_WORK: $(ls $SLURM_WORK)"
fi
assert_slurm_node_clean

log "sbatch with #SBATCH --mck and two steps; the batch script stays on Linux"
cat > $SLURM_WORK/job.sh <<SCRIPT
#!/bin/bash
#SBATCH --mck --mck-cpus=2 --mck-mem=256M -n 2 -o $SLURM_WORK/batch.out
$APP
srun -n 2 $APP
srun -n 1 $APP
SCRIPT
chown $SLURM_USER $SLURM_WORK/job.sh
as_user sbatch --wait $SLURM_WORK/job.sh || fail "sbatch --wait failed"
cat $SLURM_WORK/batch.out
expect_eq "batch script on Linux" 1 "$(grep -c 'on Linux' $SLURM_WORK/batch.out)"
expect_eq "step tasks on McKernel" 3 "$(grep -c 'on McKernel' $SLURM_WORK/batch.out)"
wait_idle
assert_slurm_node_clean

log "mistakes are refused at submit; the node stays idle"
expect_fail "--mck-cpus='abc'" as_user srun --mck --mck-cpus=abc true
expect_fail "CPU 0 always stays with Linux" as_user srun --mck --mck-cpus=0-1 true
expect_fail "is not exclusive" as_user srun -p shared --mck true
expect_fail "need --mck" as_user srun --mck-mem=1G true
echo "0 $APP" > $SLURM_WORK/multi.conf
expect_fail "cannot wrap --multi-prog" as_user srun --mck -n 1 --multi-prog $SLURM_WORK/multi.conf
expect_eq "node idle after refusals" idle "$(node_state)"
expect_fail "the largest node has 4 CPUs" as_user srun --mck --mck-cpus=16 true
expect_fail "is not below the largest node's memory" as_user sbatch --mck --mck-mem=64G --wrap true
# What only the node can tell (its NUMA nodes): the job fails with the reason,
# the node is not drained.
expect_fail "NUMA node 1 does not exist on this node" as_user srun --mck --mck-mem=512M@1 "$APP"
wait_idle
expect_eq "too big a request does not drain the node" idle "$(node_state)"
assert_slurm_node_clean

log "the kmsg file is written as the user and never through a symbolic link"
ln -s /etc/mck-evil $SLURM_WORK/linked.log
chown -h $SLURM_USER $SLURM_WORK/linked.log
out=$(as_user srun --mck --mck-kmsg=linked.log -n 1 "$APP" 2>&1) || fail "srun with a linked kmsg: $out"
wait_idle
[ ! -e /etc/mck-evil ] && echo "ok: the link was not followed" || fail "the epilog wrote through a symbolic link"
expect_eq "node idle after a linked kmsg" idle "$(node_state)"
assert_slurm_node_clean

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

log "MPI: srun --mpi=pmix --mck"
MPI=$IHK_BUILD/tests/mpi/mpi_hello
native=$(as_user srun --mpi=pmix -n 2 "$MPI" 2>&1 | sort) || true
echo "$native"
expect_eq "native MPI (for comparison)" 2 "$(grep -c 'on vnode (Linux)' <<<"$native")"
lwk=$(as_user srun --mpi=pmix --mck -n 2 "$MPI" 2>&1 | sort) || true
echo "$lwk"
expect_eq "every rank on McKernel, same results" "${native//Linux/McKernel}" "$lwk"
wait_idle
assert_slurm_node_clean
cat > $SLURM_WORK/mpirun.sh <<SCRIPT
#!/bin/bash
mpirun --mca orte_fork_agent $IHK_BUILD/bin/mcexec -np 2 $MPI
SCRIPT
chown $SLURM_USER $SLURM_WORK/mpirun.sh
as_user sbatch --wait --mck --mck-mem=900M -n 2 -o $SLURM_WORK/mpirun.out $SLURM_WORK/mpirun.sh || fail "mpirun job failed: $(cat $SLURM_WORK/mpirun.out)"
expect_eq "mpirun: every rank on McKernel" "${native//Linux/McKernel}" "$(sort $SLURM_WORK/mpirun.out)"
wait_idle
assert_slurm_node_clean

expect_eq "allreduce, barrier and ring loops, shared memory" "mpi_check: 2 ranks, 2 on McKernel, allreduce/barrier/ring ok" \
	"$(as_user srun --mpi=pmix --mck --mck-mem=900M -n 2 "$IHK_BUILD/tests/mpi/mpi_check" 2>&1 | grep mpi_check:)"
wait_idle
expect_eq "allreduce, barrier and ring loops on 3 ranks, TCP" "mpi_check: 3 ranks, 3 on McKernel, allreduce/barrier/ring ok" \
	"$(as_user env OMPI_MCA_btl=self,tcp OMPI_MCA_pml=ob1 PMIX_MCA_gds=hash srun --mpi=pmix --mck --mck-mem=900M -n 3 "$IHK_BUILD/tests/mpi/mpi_check" 2>&1 | grep mpi_check:)"
wait_idle
start=$(date +%s)
# Slurm ends the step when a task dies (--kill-on-bad-exit, or KillOnBadExit=1 for the site).
rc=0; as_user timeout 300 srun --kill-on-bad-exit=1 --mpi=pmix --mck -n 2 "$IHK_BUILD/tests/mpi/mpi_check" crash >/dev/null 2>&1 || rc=$?
took=$(($(date +%s) - start))
[ $rc -ne 0 ] && [ $rc -ne 124 ] && echo "ok: a crashing rank ends the job ($rc, ${took}s)" || fail "a crashing rank: status $rc after ${took}s"
wait_idle
expect_eq "not drained after a crashing rank" idle "$(node_state)"
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
