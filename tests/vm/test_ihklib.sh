# SPDX-License-Identifier: GPL-2.0
# The ihklib C API (ihklib_test, a C program) against the real modules.
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load
expect_ok ihklib_test
assert_node_clean
finish
