#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mck-slurm's site configuration file and reconcile, on this machine (no
# module needed): a --config that is missing or not a file is refused, not
# replaced by the defaults; reconcile removes the refusal notes in a state_dir
# with spaces and shell characters in its name, and nothing else.
set -euo pipefail
helper=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rc=0
fail() { echo "FAIL: $*"; rc=1; }

for bad in "$scratch/typo.conf" "$scratch"; do
	if out=$("$helper" --config "$bad" plan 2>&1); then
		fail "--config $bad was accepted: $out"
	elif [[ $out != *"$bad: "* ]]; then
		fail "--config $bad: the message does not name it: $out"
	else
		echo "ok: --config $bad refused: $out"
	fi
done

# reconcile needs root; it tears down an instance if ihk.ko is loaded, which
# this machine must not have.
if [ "$(id -u)" -ne 0 ] || [ -e /sys/module/ihk ]; then
	echo "skip: reconcile (needs root and no ihk.ko)"
	exit $rc
fi
# A shell would remove $scratch/mck and run the touch (the '#' ends the value).
state="$scratch/mck state;touch $scratch/injected;"
mkdir -p "$state"
touch "$scratch/mck" "$state/job-7.refused" "$state/job-8.refused" "$state/notes.txt"
printf 'state_dir = %s#\nscontrol = none\n' "$state" > "$scratch/site.conf"
out=$("$helper" --config "$scratch/site.conf" reconcile 2>&1) || fail "reconcile failed: $out"
[ ! -e "$state/job-7.refused" ] && [ ! -e "$state/job-8.refused" ] && echo "ok: the refusals went" ||
	fail "reconcile left refusals: $(ls "$state")"
[ -e "$scratch/mck" ] && [ -e "$state/notes.txt" ] && echo "ok: nothing else went" ||
	fail "reconcile removed files that are not refusals"
[ ! -e "$scratch/injected" ] && echo "ok: no shell ran the directory's name" || fail "state_dir ran as a command"
exit $rc
