# SPDX-License-Identifier: GPL-2.0
# Slurm end to end on the virtual node, the job shapes sites use beyond srun and
# sbatch: salloc --mck with srun steps; srun --mck in an allocation made without
# --mck (refused in the step, the node carries on); job arrays, each element with
# its own LWK and kmsg file (%A, %a). After every job the node is clean and idle.
. "$(dirname "$0")/../vm/lib.sh"
. "$(dirname "$0")/lib.sh"
snapshot_node
APP=$IHK_BUILD/tests/slurm/mck_app
slurm_setup

log "salloc --mck, then srun steps: every step on the allocation's LWK"
# salloc runs its command here (no interactive step); stdin not a terminal, as in a script.
out=$(as_user salloc --mck --mck-mem=256M -n 2 bash -c "srun -n 2 $APP; srun -n 1 $APP" </dev/null 2>&1) || fail "salloc --mck: $out"
echo "$out"
expect_eq "salloc --mck: step tasks on McKernel" 3 "$(grep -c 'on McKernel' <<<"$out")"
wait_idle
expect_eq "node idle" idle "$(node_state)"
assert_slurm_node_clean

log "salloc without --mck, then srun --mck: the step is refused, the node carries on"
out=$(as_user salloc -n 1 bash -c "srun --mck $APP; echo step-status=\$?; srun $APP" </dev/null 2>&1) || true
echo "$out"
expect_eq "the refusal says why" 1 "$(grep -c 'has no McKernel on this node: --mck on a job step needs an allocation made with --mck' <<<"$out")"
[[ $out == *"step-status=0"* ]] && fail "srun --mck in a plain allocation succeeded" || echo "ok: srun --mck failed"
expect_eq "the next step runs on Linux" 1 "$(grep -c 'on Linux' <<<"$out")"
wait_idle
expect_eq "not drained" idle "$(node_state)"
assert_slurm_node_clean

log "a job array: each element boots its own LWK and writes its own kmsg file"
id=$(as_user sbatch --parsable --wait --array=1-3 --mck --mck-mem=256M -n 1 --mck-kmsg=arr-%A_%a-%j.log \
	-o "$SLURM_WORK/arr-%A_%a.out" --wrap "srun $APP")
wait_idle
for i in 1 2 3; do
	expect_eq "array element $i on McKernel" 1 "$(grep -c 'on McKernel' "$SLURM_WORK/arr-${id}_$i.out" 2>/dev/null)"
	f=$(ls "$SLURM_WORK"/arr-"${id}"_"$i"-*.log 2>/dev/null | head -1 || true)
	if [ -n "$f" ]; then
		elem=${f##*_"$i"-}
		elem=${elem%.log}
		expect_eq "element $i's LWK log has its own job's task" 1 "$(grep -c "kprint: pid [0-9]*: job $elem task" "$f")"
		[[ $(scontrol show job "$elem") == *"AdminComment=mck@vnode: cpus"* ]] && echo "ok: element $i's job record" ||
			fail "element $i ($elem): no AdminComment"
	else
		fail "no kmsg file arr-${id}_$i-*.log: $(ls $SLURM_WORK | paste -sd' ')"
	fi
done
expect_eq "node idle after the array" idle "$(node_state)"
assert_slurm_node_clean

ihk_unload
finish
