# SPDX-License-Identifier: GPL-2.0
# process_vm_readv/writev between two programs of one instance, which the LWK
# does itself in one copy (mckernel/kernel/process_vm.cpp, docs/memory.md):
# a parent and its fork child, as root and as an unprivileged user, give the
# same output as natively (data, partial transfers, EFAULT, EINVAL, ESRCH,
# EPERM after a drop of privileges), and the report shows the calls were the
# LWK's, not offloaded; two mcexec runs of different users get EPERM from the
# LWK, and as root reach each other; Open MPI's vader moves large messages
# with CMA between ranks under mcexec; the node is clean.
. "$(dirname "$0")/lib.sh"
snapshot_node
V=$IHK_BUILD/tests/vm/programs/pvm
MPI=$IHK_BUILD/tests/vm/programs/mpi_bigmsg
PY=/usr/bin/python3
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cp "$V" "$work/pvm"
chmod 755 "$work/pvm"

# same WHAT NATIVE_OUT NATIVE_RC LWK_OUT LWK_RC
same() {
	if [ "$2" == "$4" ] && [ "$3" -eq "$5" ]; then
		echo "ok: $1: same output and status ($5) as natively"
	else
		fail "$1: native status $3, under mcexec $5"
		diff <(echo "$2") <(echo "$4") | head -60 || true
	fi
}
# local_only FILE: how many process_vm_readv/writev the report counts as local calls, and as offloaded.
local_only() {
	$PY - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
off = {c["name"]: c["count"] for c in r["offloaded"]}
loc = {c["name"]: c["count"] for c in r["local"]}
names = ("process_vm_readv", "process_vm_writev")
print(sum(loc.get(n, 0) for n in names), sum(off.get(n, 0) for n in names))
PY
}
# lwk_did WHO FILE MIN_LOCAL MAX_OFFLOADED
lwk_did() {
	local n l o
	n=$(local_only "$2") || { fail "$1: no report $2"; return; }
	read -r l o <<<"$n"
	if [ "$l" -ge "$3" ] && [ "$o" -le "$4" ]; then
		echo "ok: $1: $l process_vm calls on the LWK, $o of them offloaded"
	else
		fail "$1: $l process_vm calls, $o offloaded (wanted at least $3, at most $4 offloaded)"
	fi
}

expect_eq "mcreboot" 0 "$(mcreboot.sh -c 2-3 -m 768M@0)"
chown 65534 /dev/mcos0 # root and 65534 may both run programs
echo "info: Yama ptrace_scope $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo absent)"

log "a parent and its fork child read and write each other (programs/pvm.c pair), as root"
rn=0; native=$("$work/pvm" pair 2>&1) || rn=$?
rl=0; lwk=$(timeout -k 5 300 mcexec --report="$work/r.json" --report-format=json "$work/pvm" pair 2>&1) || rl=$?
same "pair as root" "$native" $rn "$lwk" $rl
echo "$lwk" | grep -q "parent readv 4 MiB: 4194304" || fail "pair: no 4 MiB transfer in '$lwk'"
# The parent's 27 calls are all local ones; Linux gets only those it must
# answer: a pid that is no LWK process (2) and a child that dropped to 65534 (1).
lwk_did "the parent" "$work/r.json" 27 3

log "the same as an unprivileged user (same uid, no CAP_SYS_PTRACE)"
as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
rn=0; native=$(as_user "$work/pvm" pair 2>&1) || rn=$?
mkdir "$work/u"
chown 65534 "$work/u" # for the report
rl=0; lwk=$(as_user timeout -k 5 300 mcexec --report="$work/u/r.json" --report-format=json "$work/pvm" pair 2>&1) || rl=$?
same "pair as 65534" "$native" $rn "$lwk" $rl
lwk_did "the parent" "$work/u/r.json" 26 2

log "two mcexec runs: serve and peek (programs/pvm.c) by the same and by other users"
# pvm_run SERVER_LAUNCHER PEEK_LAUNCHER
pvm_run() {
	local pid addr ro srv
	coproc SRV { exec $1 "$work/pvm" serve; }
	srv=$SRV_PID
	read -r -t 60 pid addr ro <&"${SRV[0]}" || { echo "no server"; return; }
	$2 "$work/pvm" peek "$pid" "$addr" "$ro"
	echo go >&"${SRV[1]}"
	timeout 60 cat <&"${SRV[0]}"
	wait "$srv"
	echo "server status $?"
}
M="timeout 120 mcexec"
U="setpriv --reuid=65534 --regid=65534 --clear-groups"
expect_eq "root peeks into root" "$(pvm_run "" "")" "$(pvm_run "$M" "$M")"
expect_eq "65534 peeks into 65534" "$(pvm_run "$U" "$U")" "$(pvm_run "$U $M" "$U $M")"
out=$(pvm_run "$M" "$U $M")
expect_eq "65534 peeks into root: EPERM" "$(pvm_run "" "$U")" "$out"
echo "$out" | grep -q "readv: -1 Operation not permitted" || fail "no EPERM in '$out'"
expect_eq "root peeks into 65534" "$(pvm_run "$U" "")" "$(pvm_run "$U $M" "$M")"
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"

log "Open MPI: vader's single copy (CMA) between ranks under mcexec (tests/mpi/mpi_bigmsg.c)"
if [ -x "$MPI" ]; then
	want=$(timeout 300 mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader \
		--mca btl_vader_single_copy_mechanism cma "$MPI" 2>&1) || fail "native mpirun: $want"
	got=$(timeout 600 mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader \
		--mca btl_vader_single_copy_mechanism cma \
		sh -c "exec mcexec --report=$work/mpi.\$OMPI_COMM_WORLD_RANK.json --report-format=json $MPI" 2>&1) ||
		fail "mpirun with mcexec: $got"
	expect_eq "mpi_bigmsg, CMA, under mcexec" "$want" "$got"
	# Each rank reads with CMA what the other sends (4 sizes x 2 rounds, vader's
	# own probe at start-up aside): none of it offloaded.
	lwk_did "rank 0" "$work/mpi.0.json" 8 0
	lwk_did "rank 1" "$work/mpi.1.json" 8 0
	# mcexec no longer turns single copy off: the default picks CMA.
	got=$(timeout 600 mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl self,vader mcexec "$MPI" 2>&1) ||
		fail "mpirun with mcexec, default single copy: $got"
	expect_eq "mpi_bigmsg, default mechanism, under mcexec" "$want" "$got"
else
	echo "info: no Open MPI build of mpi_bigmsg: skipped"
fi
expect_eq "status" RUNNING "$(ihkosctl 0 get status)"

chown 0 /dev/mcos0
expect_ok mcstop+release.sh
assert_node_clean
finish
