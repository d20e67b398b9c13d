#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# docs/syscalls.md lists exactly the local calls of mckernel/kernel/syscalls.def.
set -euo pipefail
src=${1:?source dir}
def=$(sed -n 's/^LOCAL(\([0-9]*\), *\([a-z0-9_]*\))$/\1 \2/p' "$src/mckernel/kernel/syscalls.def" | sort)
doc=$(sed -n 's/^| \([0-9][0-9]*\) | \([a-z0-9_]*\) |.*/\1 \2/p' "$src/docs/syscalls.md" | sort)
[ -n "$def" ] || { echo "no LOCAL entries found in syscalls.def" >&2; exit 1; }
if [ "$def" != "$doc" ]; then
	echo "docs/syscalls.md and syscalls.def disagree (< def, > doc):" >&2
	diff <(echo "$def") <(echo "$doc") >&2 || true
	exit 1
fi
echo "ok: $(echo "$def" | wc -l) local system calls documented"
