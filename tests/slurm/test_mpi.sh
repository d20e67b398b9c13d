# SPDX-License-Identifier: GPL-2.0
# Slurm end to end on the virtual node: Open MPI jobs with every rank on the
# job's LWK (srun --mpi=pmix --mck, and mpirun with mcexec as fork agent in a
# --mck allocation); a crashing rank ends the job; the node is clean after each.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
slurm_setup

log "MPI: srun --mpi=pmix --mck"
MPI=$IHK_BUILD/tests/mpi/mpi_hello
native=$(as_user srun --mpi=pmix -n 2 "$MPI" 2>&1 | sort) || true
echo "$native"
expect_eq "native MPI (for comparison)" 2 "$(grep -c 'on vnode (Linux)' <<<"$native")"
raw=$(as_user srun --mpi=pmix --mck -n 2 "$MPI" 2>&1) || true
lwk=$(srun_output <<<"$raw" | sort)
echo "$raw"
has_step_line "$raw" 1 2
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

ihk_unload
finish
