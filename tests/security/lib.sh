# SPDX-License-Identifier: GPL-2.0
# Helpers the security tests share (source after tests/vm/lib.sh): the
# unprivileged instance owner and the check that follows every hostile case.
OWNER=65534

as_owner() { setpriv --reuid=$OWNER --regid=$OWNER --clear-groups "$@"; }

# check_alive WHAT: the instance still runs and still runs programs.
check_alive() {
	local status rc=0
	status=$(ihkosctl 0 get status 2>&1) || true
	expect_eq "after $1: instance status" RUNNING "$status"
	timeout 60 setpriv --reuid=$OWNER --regid=$OWNER --clear-groups mcexec /bin/true || rc=$?
	expect_eq "after $1: mcexec /bin/true" 0 $rc
	if [ "$status" != RUNNING ] || [ $rc -ne 0 ]; then
		echo "--- instance status now: $(ihkosctl 0 get status 2>&1 || true); the LWK's log, last lines:"
		ihkosctl 0 kmsg 2>&1 | cat -v | tail -25 || true
	fi
}

# lwk_rusage FIELD: one number of `ihkosctl --json 0 get rusage` (docs/ihk.md),
# e.g. mem_used (bytes the LWK's page allocator has handed out) or processes.
lwk_rusage() {
	ihkosctl --json 0 get rusage | python3 -c 'import json, sys; print(json.load(sys.stdin)["rusage"][sys.argv[1]])' "$1"
}
