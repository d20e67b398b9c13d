#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the conformance cases (cases.txt) natively and, with --runner, under a runner
# such as mcexec; checks the native exit status against the expected one and the
# runner's stdout and exit status against the native ones.
set -uo pipefail
set -f # no globbing: case arguments such as 'x*' stay literal

usage() {
	cat <<'USAGE'
usage: run.sh [--runner "CMD ..."] [--bin DIR] [--only NAME] [--workdir DIR] [--cases FILE]
  --runner CMD   also run each case as: CMD BIN/program args (CMD is split like shell words)
  --bin DIR      where the programs are (default: <source>/build/conformance)
  --only NAME    run only the case NAME (a shell pattern; may be repeated)
  --workdir DIR  keep the runs' working directories under DIR (default: a temp dir,
                 removed unless a case failed)
  --cases FILE   the case list (default: cases.txt next to this script)
Exit status: 0 if every case passed (skips allowed), 1 if any failed, 2 on bad usage.
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$here/../../build/conformance
cases=$here/cases.txt
runner_str='' workdir='' only=()
while [ $# -gt 0 ]; do
	case $1 in
	--runner) runner_str=${2?--runner needs a command}; shift 2 ;;
	--bin) bin=${2?--bin needs a directory}; shift 2 ;;
	--only) only+=("${2?--only needs a name}"); shift 2 ;;
	--workdir) workdir=${2?--workdir needs a directory}; shift 2 ;;
	--cases) cases=${2?--cases needs a file}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

[ -d "$bin" ] || { echo "run.sh: no program directory $bin (build first, or pass --bin)" >&2; exit 2; }
bin=$(cd "$bin" && pwd)
[ -r "$cases" ] || { echo "run.sh: cannot read $cases" >&2; exit 2; }
runner=()
if [ -n "$runner_str" ]; then
	eval "runner=($runner_str)" || { echo "run.sh: cannot split --runner '$runner_str'" >&2; exit 2; }
	# the runs happen in other directories: anchor a relative runner path here
	if [[ ${runner[0]} == */* && ${runner[0]} != /* ]]; then
		runner[0]=$PWD/${runner[0]}
	fi
fi
# The same environment for every run: only our CONF_* variables, C locale.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^CONF_')
export CONF_SUITE=conformance CONF_WORDS='two words' CONF_EMPTY=''
export LC_ALL=C
uid=$(id -u) gid=$(id -g)
limit=${CONFORMANCE_TIMEOUT:-120}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# run_case DIR PREFIX cmd...: runs cmd in a fresh DIR, stdout/stderr to PREFIX.out/.err,
# under `timeout 120` (then SIGKILL 10 s later; $CONFORMANCE_TIMEOUT overrides 120).
# Prints the status a shell's $? shows, or "timeout".
run_case() {
	local dir=$1 pfx=$2 start=$SECONDS status
	shift 2
	if ! { rm -rf "$dir" && mkdir -p "$dir"; }; then
		echo 125
		return
	fi
	# The inner shell reports "Segmentation fault" and such on its own stderr: drop that.
	(
		cd "$dir" || exit 125
		ulimit -c 0
		TMPDIR=$dir timeout -k 10 "$limit" "$@" >"$pfx.out" 2>"$pfx.err" </dev/null
		echo $? >"$pfx.status"
	) 2>/dev/null
	status=$(cat "$pfx.status" 2>/dev/null) || status=125
	# timeout's own statuses after the limit: 124 (stopped by TERM), 137 (needed KILL)
	if [[ $status == 124 || $status == 137 ]] && [ $((SECONDS - start)) -ge "$limit" ]; then
		status=timeout
	fi
	echo "$status"
}

show() { # show LABEL FILE: a file's first lines, indented, if it has any
	[ -s "$2" ] || return 0
	echo "    $1:"
	head -n 20 "$2" | sed 's/^/      | /'
}

# Read and check the whole list first, keeping the selected cases.
names=() progs=() argstrs=() wants=() argv=() lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
	if [[ $line != *'|'*'|'*'|'* ]]; then
		echo "run.sh: $cases:$lineno: want 'name | program | args | status'" >&2
		exit 2
	fi
	name=$(trim "${line%%|*}")
	rest=${line#*|}
	prog=$(trim "${rest%%|*}")
	rest=${rest#*|}
	want=$(trim "${rest##*|}")
	argstr=$(trim "${rest%|*}")
	if [ -z "$name" ] || [ -z "$prog" ] || ! [[ $want =~ ^[0-9]+$ ]]; then
		echo "run.sh: $cases:$lineno: bad case line: $line" >&2
		exit 2
	fi
	if [ ${#only[@]} -gt 0 ]; then
		sel=0
		# shellcheck disable=SC2053 # --only takes a pattern
		for pat in "${only[@]}"; do [[ $name == $pat ]] && sel=1; done
		[ $sel -eq 1 ] || continue
	fi
	for n in "${names[@]}"; do
		[ "$n" != "$name" ] || { echo "run.sh: $cases:$lineno: case $name listed twice" >&2; exit 2; }
	done
	names+=("$name") progs+=("$prog") argstrs+=("$argstr") wants+=("$want")
	if ! eval "argv=($argstr)" 2>/dev/null; then
		echo "run.sh: $cases:$lineno: cannot split args: $argstr" >&2
		exit 2
	fi
done <"$cases"
if [ ${#names[@]} -eq 0 ]; then
	echo "run.sh: no case matches --only ${only[*]:-}" >&2
	exit 2
fi

if [ -n "$workdir" ]; then
	mkdir -p "$workdir" && root=$(cd "$workdir" && pwd) || exit 2
	keep=1
else
	root=$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX") || exit 2
	keep=0
fi
mkdir -p "$root/out" || exit 2

printf '%-20s %-8s %-8s %s\n' case native runner result
passed=0 failed=0 skipped=0
for i in "${!names[@]}"; do
	name=${names[i]} prog=${progs[i]} argstr=${argstrs[i]} want=${wants[i]}
	if [ ! -x "$bin/$prog" ]; then
		if [[ $prog == *_static ]]; then
			printf '%-20s %-8s %-8s %s\n' "$name" - - "SKIP (no $prog)"
			skipped=$((skipped + 1))
		else
			printf '%-20s %-8s %-8s %s\n' "$name" - - "FAIL (no $bin/$prog)"
			failed=$((failed + 1))
		fi
		continue
	fi

	why=()
	ndir=$root/native/$name
	nargs=${argstr//@UID@/$uid}
	nargs=${nargs//@GID@/$gid}
	eval "argv=(${nargs//@DIR@/$(printf '%q' "$ndir")})"
	cmdline=$(printf ' %q' "$bin/$prog" "${argv[@]}")
	nst=$(run_case "$ndir" "$root/out/$name.native" "$bin/$prog" "${argv[@]}")
	[ "$nst" = "$want" ] || why+=("native status $nst, expected $want")

	rcol=-
	if [ ${#runner[@]} -gt 0 ]; then
		rdir=$root/runner/$name
		eval "argv=(${nargs//@DIR@/$(printf '%q' "$rdir")})"
		rst=$(run_case "$rdir" "$root/out/$name.runner" "${runner[@]}" "$bin/$prog" "${argv[@]}")
		rcol=$rst
		[ "$rst" = "$nst" ] || why+=("runner status $rst, native $nst")
		cmp -s "$root/out/$name.native.out" "$root/out/$name.runner.out" ||
			why+=("runner stdout differs from native")
	fi

	if [ ${#why[@]} -eq 0 ]; then
		printf '%-20s %-8s %-8s %s\n' "$name" "$nst" "$rcol" PASS
		passed=$((passed + 1))
		continue
	fi
	printf '%-20s %-8s %-8s %s\n' "$name" "$nst" "$rcol" "FAIL (${why[0]})"
	failed=$((failed + 1))
	for w in "${why[@]:1}"; do echo "    also: $w"; done
	echo "    command (in $ndir):$cmdline"
	if [ ${#runner[@]} -gt 0 ] && ! cmp -s "$root/out/$name.native.out" "$root/out/$name.runner.out"; then
		diff -u --label native --label runner "$root/out/$name.native.out" "$root/out/$name.runner.out" |
			head -n 30 | sed 's/^/      /'
	else
		show "native stdout" "$root/out/$name.native.out"
	fi
	show "native stderr" "$root/out/$name.native.err"
	[ ${#runner[@]} -gt 0 ] && show "runner stderr" "$root/out/$name.runner.err"
done

mode=native
[ ${#runner[@]} -gt 0 ] && mode="native and runner '${runner[*]}'"
echo "conformance: $passed passed, $failed failed, $skipped skipped ($mode)"
if [ $failed -gt 0 ] || [ $keep -eq 1 ]; then
	echo "conformance: outputs and working directories in $root"
else
	rm -rf "$root"
fi
[ $failed -eq 0 ]
