# SPDX-License-Identifier: GPL-2.0
# Thousands of random ioctls: no oops (vmrun checks the log), and afterwards the
# node holds nothing once the tool-level cleanup ran.
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load
expect_ok ihk_ioctl_fuzz "${IHK_FUZZ_ITERATIONS:-100000}" "${IHK_FUZZ_SEED:-$RANDOM}"
expect_eq "no CPU left reserved" "" "$(ihkconfig 0 query cpu)"
expect_eq "no memory left reserved" "" "$(ihkconfig 0 query mem)"
expect_eq "no OS instance left" "" "$(ihkconfig 0 get os_instances)"
assert_node_clean
finish
