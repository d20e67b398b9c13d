# SPDX-License-Identifier: GPL-2.0
# The ioctl ABI: every refusal's errno, err_reason and err_index (ihk_ioctl_test).
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load
expect_ok ihk_ioctl_test
assert_node_clean
finish
