# SPDX-License-Identifier: GPL-2.0
# Boot and shut down McKernel many times in a row: every cycle reaches RUNNING,
# and afterwards the node is exactly as before (no leaked CPU, memory or device;
# vmrun fails the test on any kernel warning).
. "$(dirname "$0")/lib.sh"
snapshot_node
# CI's slice; a longer soak by hand:
#   tests/vm/vmrun --build build -- env IHK_BOOT_CYCLES=200 bash tests/vm/test_boot_cycles.sh
cycles=${IHK_BOOT_CYCLES:-10}
for i in $(seq "$cycles"); do
	os=$(mcreboot.sh -c 1-3 -m 256M@0) || { fail "cycle $i: mcreboot.sh failed"; break; }
	status=$(ihkosctl "$os" get status)
	[ "$status" = RUNNING ] || { fail "cycle $i: status $status"; break; }
	mcstop+release.sh || { fail "cycle $i: mcstop+release.sh failed"; break; }
	[ "$(online_cpus)" = "$start_online" ] || { fail "cycle $i: online CPUs $(online_cpus)"; break; }
done
echo "ok: $cycles boot/shutdown cycles"
run_pinned_on 1
assert_node_clean
finish
