# SPDX-License-Identifier: GPL-2.0
# IKC: PING/PONG round trips between Linux and every LWK CPU through the rings,
# the doorbell IPI and the Linux IRQ; a CPU that does not answer fails within
# the bound; the IRQs go away with the instance.
. "$(dirname "$0")/lib.sh"
snapshot_node
irqs() { awk '/ihk-ikc/ { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; t += s } END { print t + 0 }' /proc/interrupts; }

expect_eq "mcreboot" 0 "$(mcreboot.sh -c 2-3 -m 256M@0 -r 2:0+3:1)"
for cpu in 0 1; do
	out=$(ihkosctl 0 ikc_ping --cpu $cpu --count 200) || fail "ikc_ping --cpu $cpu failed"
	echo "$out"
	[[ $out == "cpu $cpu: 200 round trips"* ]] || fail "unexpected ikc_ping output: $out"
done
out=$(ihkosctl 0 ikc_ping --cpu 1 --count 100 --poll) || fail "ikc_ping --poll failed"
[[ $out == "cpu 1: 100 round trips"* ]] && echo "ok: $out (polling)" || fail "unexpected ikc_ping --poll output: $out"
expect_eq "--json count" 50 "$(ihkosctl --json 0 ikc_ping --count 50 | tr -d ' \n' | sed 's/.*"count":\([0-9]*\).*/\1/')"
n=$(irqs)
[ "$n" -ge 450 ] && echo "ok: $n IKC interrupts reached Linux" || fail "only $n IKC interrupts counted"
expect_eq "IRQ on both IKC Linux CPUs" 2 "$(grep -c ihk-ikc /proc/interrupts)"
expect_fail "has no LWK CPU index 2" ihkosctl 0 ikc_ping --cpu 2
expect_fail "not in range 1 to 100000" ihkosctl 0 ikc_ping --count 0
chown 65534 /dev/mcos0
expect_fail "only root may change" setpriv --reuid=65534 --regid=65534 --clear-groups ihkosctl 0 ikc_ping
expect_ok ihkosctl 0 shutdown
expect_fail "not running" ihkosctl 0 ikc_ping
expect_eq "IRQs freed at shutdown" 0 "$(grep -c ihk-ikc /proc/interrupts)"
expect_ok mcstop+release.sh
assert_node_clean

log "a CPU stuck with interrupts off does not answer: bounded failure"
snapshot_node
expect_eq "mcreboot" 0 "$(mcreboot.sh -c 1-3 -m 256M@0 -K test_hang=1)"
start=$(date +%s)
expect_fail "did not answer within 1 s" ihkosctl 0 ikc_ping --cpu 1 --count 3
[ $(($(date +%s) - start)) -le 5 ] && echo "ok: bounded" || fail "ikc_ping took too long"
expect_ok ihkosctl 0 ikc_ping --cpu 2 --count 10
expect_ok mcstop+release.sh
assert_node_clean
finish
