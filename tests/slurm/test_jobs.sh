# SPDX-License-Identifier: GPL-2.0
# Slurm end to end on the virtual node: real slurmctld and slurmd, the McKernel
# SPANK plugin, a non-root user. Jobs with --mck run every task on a per-job
# LWK; the job's kmsg file lands in its working directory; after every job the
# node is exactly as before; mistakes are refused at submit, from options and
# from SLURM_MCK* variables; what srun sees of its options is its own, not the
# program's arguments; --export=NONE/VAR carry the options; the job record and
# slurmd's log say what the plugin did; each step prints a line of what the LWK did
# and the job's report lands beside its kmsg file; a job under `ulimit -s
# unlimited` runs. Failures: test_failures.sh; MPI: test_mpi.sh;
# other job shapes: test_shapes.sh.
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
grep -qE "mck: 2 tasks, [0-9,]+ offloads" <<<"$out" && echo "ok: the step's line: $(grep -E 'mck: ' <<<"$out")" ||
	fail "no 'mck: 2 tasks, ...' line in srun's output"
# report EXPR FILE: a Python expression over r, the job's report
report() {
	python3 -c "import json; r = json.load(open('$2')); print($1)"
}
rep=$(ls $SLURM_WORK/mck-report-*-vnode.json 2>/dev/null | head -1)
if [ -n "$rep" ]; then
	expect_eq "report owner" $SLURM_USER "$(stat -c %U "$rep")"
	expect_eq "the job's report: format, tasks, their programs" "mckernel-job-report 2 ['$APP', '$APP']" \
		"$(report "r['format'], r['tasks'], [p['program'] for p in r['programs']]" "$rep")"
	expect_eq "the report's summary says the same" True "$(report "r['summary'].startswith('mck: 2 tasks, ')" "$rep")"
else
	fail "no report file in $SLURM_WORK: $(ls $SLURM_WORK)"
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
batch_job=$(as_user sbatch --parsable --wait $SLURM_WORK/job.sh) || fail "sbatch --wait failed"
cat $SLURM_WORK/batch.out
expect_eq "batch script on Linux" 1 "$(grep -c 'on Linux' $SLURM_WORK/batch.out)"
expect_eq "step tasks on McKernel" 3 "$(grep -c 'on McKernel' $SLURM_WORK/batch.out)"
expect_eq "one line per step" "mck: 1 task/mck: 2 tasks" "$(grep -oE '^mck: [0-9]+ tasks?' $SLURM_WORK/batch.out | sort | paste -sd/)"
wait_idle
expect_eq "the job's report: both steps' tasks" 3 "$(report "r['tasks']" "$SLURM_WORK/mck-report-$batch_job-vnode.json")"
assert_slurm_node_clean

log "a job under 'ulimit -s unlimited', which srun passes on: the task runs on the LWK without a stack limit"
out=$(as_user bash -c "ulimit -s unlimited; srun --mck -n 1 bash -c 'ulimit -s; exec $APP'" 2>&1) ||
	fail "srun --mck under ulimit -s unlimited: $out"
expect_eq "the task's stack limit, and where it ran" "unlimited/task 0 of 1 on McKernel" \
	"$(grep -E '^(unlimited|task )' <<<"$out" | paste -sd/)"
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

log "the kmsg file and the report are written as the user and never through a symbolic link"
ln -s /etc/mck-evil $SLURM_WORK/linked.log
chown -h $SLURM_USER $SLURM_WORK/linked.log
held=$(as_user sbatch --parsable --hold --wrap true) && scancel "$held" || fail "cannot learn the next job id"
next=$((held + 1))
ln -s /etc/mck-evil-report $SLURM_WORK/mck-report-$next-vnode.json
chown -h $SLURM_USER $SLURM_WORK/mck-report-$next-vnode.json
out=$(as_user srun --mck --mck-kmsg=linked.log -n 1 "$APP" 2>&1) || fail "srun with a linked kmsg: $out"
wait_idle
[ ! -e /etc/mck-evil ] && echo "ok: the link was not followed" || fail "the epilog wrote through a symbolic link"
[ ! -e /etc/mck-evil-report ] && [ -L $SLURM_WORK/mck-report-$next-vnode.json ] &&
	echo "ok: the report's link was not followed" || fail "the report was written through a symbolic link"
expect_eq "node idle after a linked kmsg" idle "$(node_state)"
assert_slurm_node_clean

log "the plugin says at slurmd's start which version it is and which Slurm it was built for"
series_re=${SLURM_SERIES//./\\.}
expect_eq "version line in slurmd's log" 1 "$(grep -c "mckernel: McKernel SPANK plugin .*, built for Slurm $series_re\." /var/log/slurmd.log)"

log "the program's own arguments are not srun's: no --exclusive, -p or --multi-prog taken from them"
expect_fail "is not exclusive" as_user srun -p shared --mck "$APP" --exclusive
expect_fail "is not exclusive" as_user srun -p shared --mck "$APP" -p mck
expect_fail "is not exclusive" as_user sbatch -p shared --mck --wrap "$APP --exclusive"
expect_fail "cannot wrap --multi-prog" as_user srun --mck -n 1 --multi-prog $SLURM_WORK/multi.conf
# srun's own --exclusive counts; the program's --multi-prog is the program's.
out=$(as_user srun -p shared --exclusive --mck -n 1 "$APP" --multi-prog 2>&1) || fail "srun -p shared --exclusive --mck: $out"
expect_eq "srun --exclusive on a shared partition runs on McKernel" 1 "$(grep -c 'on McKernel' <<<"$out")"
wait_idle
expect_eq "node idle" idle "$(node_state)"
assert_slurm_node_clean

log "options from the environment: SLURM_MCK*, checked like the options, the command line wins"
expect_fail "SLURM_MCK_CPUS: --mck-cpus='abc'" as_user env SLURM_MCK=1 SLURM_MCK_CPUS=abc srun true
expect_fail "SLURM_MCK: --mck='bogus'" as_user env SLURM_MCK=bogus srun true
expect_fail "SLURM_MCK_KMSG: --mck-kmsg='\$(reboot)%x'" as_user env SLURM_MCK=1 'SLURM_MCK_KMSG=$(reboot)%x' sbatch --wrap true
expect_fail "need --mck" as_user env SLURM_MCK_MEM=1G srun true
expect_fail "is not exclusive" as_user env SLURM_MCK=1 srun -p shared true
expect_eq "node idle after refused environments" idle "$(node_state)"
out=$(as_user env SLURM_MCK=0 srun -n 1 "$APP" 2>&1) || fail "SLURM_MCK=0 srun: $out"
expect_eq "SLURM_MCK=0: on Linux" 1 "$(grep -c 'on Linux' <<<"$out")"
# --constraint=mck: the node feature of nodes that run --mck jobs (lib.sh).
out=$(as_user env SLURM_MCK=1 SLURM_MCK_KMSG=env-%j.log srun --constraint=mck -n 1 "$APP" 2>&1) || fail "SLURM_MCK=1 srun: $out"
expect_eq "SLURM_MCK=1 --constraint=mck: on McKernel" 1 "$(grep -c 'on McKernel' <<<"$out")"
wait_idle
[ -n "$(ls $SLURM_WORK/env-*.log 2>/dev/null)" ] && echo "ok: SLURM_MCK_KMSG" || fail "no kmsg file env-*.log: $(ls $SLURM_WORK)"
# The job record says what the LWK got (AdminComment); --mck-mem beats SLURM_MCK_MEM.
id=$(as_user env SLURM_MCK=1 SLURM_MCK_MEM=300M sbatch --parsable --wait --mck-mem=256M -o $SLURM_WORK/env.out --wrap "srun $APP")
wait_idle
expect_eq "SLURM_MCK: the step on McKernel" 1 "$(grep -c 'on McKernel' $SLURM_WORK/env.out)"
comment=$(scontrol show job "$id" | grep -o 'AdminComment=.*' || true)
[[ $comment == *"mck@vnode: cpus 1-3 (3), mem 256M@0, booted in "*" s"* ]] && echo "ok: job $id: $comment" ||
	fail "job $id's AdminComment (--mck-mem=256M over SLURM_MCK_MEM=300M): '$comment'"
assert_slurm_node_clean

log "--export=NONE and --export=VAR still carry the options, from the command line and the environment"
for export in NONE MYVAR; do
	id=$(as_user env MYVAR=1 SLURM_MCK_MEM=300M sbatch --parsable --wait --export=$export --mck --mck-kmsg=exp-%j.log \
		-o $SLURM_WORK/export.out --wrap "srun $APP")
	wait_idle
	expect_eq "--export=$export: the step on McKernel" 1 "$(grep -c 'on McKernel' $SLURM_WORK/export.out)"
	[[ $(scontrol show job "$id") == *"mem 300M@0"* ]] && echo "ok: --export=$export: SLURM_MCK_MEM" ||
		fail "--export=$export: $(scontrol show job "$id" | grep AdminComment)"
	[ -s "$SLURM_WORK/exp-$id.log" ] && echo "ok: --export=$export: --mck-kmsg" || fail "--export=$export: no exp-$id.log"
done
expect_eq "node idle" idle "$(node_state)"
assert_slurm_node_clean

ihk_unload
finish
