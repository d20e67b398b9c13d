# SPDX-License-Identifier: GPL-2.0
# Verbs from the LWK over Soft-RoCE (docs/memory.md "RDMA"): the node brings up
# rdma_rxe on its eth0 (vmrun --link, no peer needed: both ends are on this
# node and rxe loops the packets back), and the verbs tools run natively and
# with both sides under mcexec: ibv_devinfo, ibv_rc_pingpong with every
# received buffer checked (-c), and perftest's ib_write_lat, ib_write_bw and
# ib_send_lat (both sides natively, then both under mcexec, each result row
# checked); a program of ours registers LWK memory and checks the bytes RDMA
# WRITE and READ moved; Open MPI runs two ranks over UCX's rc_verbs.
# Memory registration (ibv_reg_mr) pins the LWK's own pages
# through mcexec's view; the queues and doorbells are the driver's mmap'ed
# pages (pin.c). Timings under emulation say nothing; only results count.
. "$(dirname "$0")/lib.sh"
snapshot_node
ADDR=10.98.0.1
for m in crc32_generic rdma_rxe ib_uverbs; do modprobe "$m" || fail "modprobe $m"; done
expect_ok rdma link add rxe0 type rxe netdev eth0
ulimit -l unlimited # verbs pins its buffers (RLIMIT_MEMLOCK), as on every MPI node

# pair NAME SERVER_PREFIX CLIENT_PREFIX CMD...: run CMD as a server and as a
# client to $ADDR, each side natively or under mcexec (a prefix), both must
# exit 0; prints the client's output.
pair() {
	local name=$1 sp=$2 cp=$3 srv cli rs=0 rc=0
	shift 3
	srv=$(mktemp)
	# shellcheck disable=SC2086
	timeout -k 5 240 $sp "$@" >"$srv" 2>&1 &
	local spid=$!
	sleep 2
	# shellcheck disable=SC2086
	cli=$(timeout -k 5 240 $cp "$@" "$ADDR" 2>&1) || rc=$?
	wait $spid || rs=$?
	if [ $rs -eq 0 ] && [ $rc -eq 0 ]; then
		echo "ok: $name: server and client exit 0"
	else
		fail "$name: server status $rs, client status $rc"
		echo "$cli"; cat "$srv"
	fi
	rm -f "$srv"
	last_out=$cli
}

log "ibv_devinfo: the same device natively and under mcexec"
native=$(ibv_devinfo -d rxe0) || fail "ibv_devinfo natively"
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 2-3 -m 768M@0 >/dev/null; echo $?)"
lwk=$(timeout -k 5 120 mcexec ibv_devinfo -d rxe0 2>&1) || fail "ibv_devinfo under mcexec"
expect_eq "ibv_devinfo under mcexec" "$native" "$lwk"
[[ $lwk == *"PORT_ACTIVE"* ]] && echo "ok: port active" || fail "rxe0's port is not active"

log "memory registration: RDMA WRITE and READ between registered buffers, every byte checked (programs/rdma_mr.c)"
MR=$IHK_BUILD/tests/vm/programs/rdma_mr
rn=0; native=$(timeout -k 5 120 "$MR" rxe0 1 2>&1) || rn=$?
rl=0; lwk=$(timeout -k 5 240 mcexec "$MR" rxe0 1 2>&1) || rl=$?
echo "$lwk"
# A known difference (docs/memory.md): Linux 6.1 pins a read-only registration
# for writing (FOLL_WRITE|FOLL_FORCE, to break copy-on-write), and 6.5+ asks to
# unshare it first, which mcexec's view answers as a write (page_mkwrite): it
# cannot tell either from a real write into memory the program may only read.
ro="register read-only memory for reading"
expect_eq "natively: $ro" "$ro: registered" "$(grep "^$ro" <<<"$native")"
expect_eq "under mcexec: $ro (read-only on the LWK)" "$ro: Bad address" "$(grep "^$ro" <<<"$lwk")"
native=$(grep -v "^$ro" <<<"$native")
lwk=$(grep -v "^$ro" <<<"$lwk")
if [ "$native" == "$lwk" ] && [ $rn -eq $rl ]; then
	echo "ok: rdma_mr: same output and status ($rl) as natively"
else
	fail "rdma_mr: native status $rn, under mcexec $rl"
	diff <(echo "$native") <(echo "$lwk") || true
fi
for want in "RDMA WRITE of 1 MiB into registered memory: success, 0 bytes wrong" \
	"RDMA READ of 1 MiB from registered memory: success, 0 bytes wrong" "unaligned RDMA WRITEs: 0 bytes wrong" \
	"register read-only memory for writing: Bad address" "register unmapped memory: Bad address" \
	"RDMA WRITE into a region unmapped while registered: success" "past the end of the region: remote access error" \
	"new memory afterwards: 0 bytes not zero" "rdma_mr: done"; do
	[[ $lwk == *"$want"* ]] && echo "ok: under mcexec: $want" || fail "under mcexec, missing: $want"
done

M="mcexec"
log "ibv_rc_pingpong -c (received buffers checked): native pair, LWK pair, LWK client to a native server"
pair "rc_pingpong native" "" "" ibv_rc_pingpong -d rxe0 -g 0 -n 200 -c
pair "rc_pingpong LWK" "$M" "$M" ibv_rc_pingpong -d rxe0 -g 0 -n 200 -c
[[ $last_out == *"200 iters"* ]] && echo "ok: 200 iterations" || fail "rc_pingpong LWK: $last_out"
pair "rc_pingpong LWK to Linux" "" "$M" ibv_rc_pingpong -d rxe0 -g 0 -n 200 -c -s 65536

# perftest_row NAME BYTES: the client's result row for BYTES (last_out), checked:
# 200 iterations, numbers, the first (least latency, peak bandwidth) positive; prints it.
perftest_row() {
	local name=$1 row
	row=$(awk -v b="$2" '$1 == b && $2 == 200 { print; exit }' <<<"$last_out")
	if [ -n "$row" ] && awk '{ for (i = 3; i <= NF; i++) if ($i !~ /^[0-9.]+$/) exit 1; exit !($3 > 0) }' <<<"$row"; then
		echo "ok: $name: 200 iterations of $2 bytes: $row"
	else
		fail "$name: no row of 200 iterations of $2 bytes with its figures"
		echo "$last_out"
	fi
}

log "perftest with both sides natively, then both under mcexec"
for side in native LWK; do
	p=""; [ $side == LWK ] && p=$M
	for t in ib_write_lat ib_send_lat; do
		pair "$t $side" "$p" "$p" $t -d rxe0 -x 0 -n 200 -F
		perftest_row "$t $side" 2
	done
	pair "ib_write_bw $side" "$p" "$p" ib_write_bw -d rxe0 -x 0 -n 200 -s 65536 -F
	perftest_row "ib_write_bw $side" 65536
done

log "Open MPI over UCX's rc_verbs (pml ucx): two ranks natively, then both under mcexec"
# Only rc_verbs (and self) may carry the ranks' messages, so every byte goes
# through rxe0: big messages by UCX's zero-copy rendezvous (RDMA READ from the
# sender's registered buffer), small ones by send/receive. UD_ETH_DGID_CHECK:
# docs/rdma.md, "Soft-RoCE and UCX"; so is UCX_RC_RETRY_COUNT, without which a
# rank whose peer left first may wait for it for good in MPI_Finalize (seen
# once on Linux 6.12 in vm.next_kernel: mpi_bigmsg under mcexec hung to 600 s).
ucx_run() {
	timeout -k 5 "$1" env OMPI_MCA_pml=ucx UCX_TLS=rc_v,self UCX_NET_DEVICES=rxe0:1 UCX_UD_ETH_DGID_CHECK=n \
		UCX_RC_RETRY_COUNT=6 \
		mpirun --allow-run-as-root --oversubscribe -np 2 "${@:2}" 2>&1
}
counter() { cat /sys/class/infiniband/rxe0/ports/1/hw_counters/sent_pkts; }
mem_used() { ihkosctl --json 0 get rusage | python3 -c "import json, sys; print(json.load(sys.stdin)['rusage']['mem_used'])"; }
used0=$(mem_used)
for prog in "$IHK_BUILD/tests/mpi/mpi_check" "$IHK_BUILD/tests/vm/programs/mpi_bigmsg"; do
	name=${prog##*/}
	if [ ! -x "$prog" ]; then
		echo "info: no Open MPI build of $name: skipped"
		continue
	fi
	want=$(ucx_run 300 "$prog") || fail "native $name over UCX: $want"
	before=$(counter)
	got=$(ucx_run 600 mcexec "$prog") || fail "$name over UCX under mcexec: $got"
	sent=$(($(counter) - before))
	expect_eq "$name over UCX rc_verbs, both ranks under mcexec" "${want//0 on McKernel/2 on McKernel}" "$got"
	[ "$sent" -gt 100 ] && echo "ok: $name: $sent packets through rxe0" || fail "$name: only $sent packets through rxe0"
done
[[ $got == *"mpi_bigmsg: ok"* ]] && echo "ok: mpi_bigmsg's bytes all arrived" || fail "mpi_bigmsg over UCX: $got"

log "pages UCX left registered at the end are used again once Linux let go of them"
# UCX deregisters its memory only when mcexec closes the verbs device, after the
# LWK unmapped it: those pages are withheld, and the LWK asks Linux about them
# again when a process ends (docs/memory.md, "Pages Linux still holds").
kept=$(ihkosctl 0 kmsg | grep -c "still held by Linux when it was unmapped")
[ "$kept" -gt 0 ] && echo "ok: the MPI runs left $kept runs of pages registered" ||
	fail "no page was left registered: nothing to take back"
# Each process end asks about 16 runs, the next ones each time (held.cpp): the
# runs left here may be several hundred (347 in one run on Linux 6.12).
ends=0
for _ in $(seq 60); do
	mcexec true || fail "mcexec true"
	ends=$((ends + 1))
	for _ in 1 2 3 4; do [ "$(mem_used)" -le $((used0 + (1 << 20))) ] && break 2; sleep 0.5; done
done
used1=$(mem_used)
[ "$used1" -le $((used0 + (1 << 20))) ] &&
	echo "ok: memory in use back to $((used1 >> 20)) MiB (was $((used0 >> 20)) MiB) after $ends process ends" ||
	fail "memory in use $((used1 >> 20)) MiB after the MPI runs and $ends process ends, $((used0 >> 20)) MiB before"
# Linux's answer to the last end's question may still be on its way.
for _ in $(seq 20); do kmsg_has "that Linux held is free again" && break; sleep 0.5; done
kmsg_has "that Linux held is free again" && echo "ok: the LWK logged the pages it took back" ||
	fail "no 'free again' line in kmsg: $(ihkosctl 0 kmsg | wc -c) bytes, $(ihkosctl 0 kmsg | grep -c 'still held') held lines"

expect_eq "instance still running" "RUNNING" "$(ihkosctl 0 get status 2>&1)"
mcstop+release.sh
rdma link delete rxe0 || fail "rdma link delete"
assert_node_clean
finish
