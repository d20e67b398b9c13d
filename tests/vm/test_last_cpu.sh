# SPDX-License-Identifier: GPL-2.0
# The last online Linux CPU cannot be reserved (vmrun --append cpu0_hotplug on an
# Intel CPU model lets CPU 0 go offline, so CPUs 1-3 are all Linux has left).
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load

echo 0 > /sys/devices/system/cpu/cpu0/online
expect_eq "online" 1-3 "$(online_cpus)"
expect_fail "would leave Linux without an online CPU" ihkconfig 0 reserve cpu 1-3
expect_eq "nothing was taken" 1-3 "$(online_cpus)"
expect_fail "CPU 0 cannot be reserved" ihkconfig 0 reserve cpu 0
expect_ok ihkconfig 0 reserve cpu 2-3
expect_fail "would leave Linux without an online CPU" ihkconfig 0 reserve cpu 1
expect_ok ihkconfig 0 release cpu all
echo 1 > /sys/devices/system/cpu/cpu0/online

assert_node_clean
finish
