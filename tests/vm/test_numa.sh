# SPDX-License-Identifier: GPL-2.0
# Two NUMA nodes (vmrun --numa 2): memory per node, "all@1", CPUs report their node.
. "$(dirname "$0")/lib.sh"
snapshot_node
ihk_load

expect_eq "guest has two nodes" 0-1 "$(cat /sys/devices/system/node/online)"
expect_ok ihkconfig 0 reserve mem 128M@0,256M@1
expect_eq "query mem per node" 134217728@0,268435456@1 "$(ihkconfig 0 query mem)"
expect_ok ihkconfig 0 reserve cpu 1,3
expect_eq "CPU 3 is on node 1" 1 "$(ihkconfig --json 0 query cpu | tr -d ' \n' | sed 's/.*"cpu":3,"hw_id":[0-9]*,"numa_node":\([0-9]*\).*/\1/')"
os=$(ihkconfig 0 create)
expect_ok ihkosctl "$os" assign mem all@1
expect_eq "os got node 1 only" 268435456@1 "$(ihkosctl "$os" query mem)"
expect_fail "more than the unassigned reserved memory" ihkosctl "$os" assign mem 2M@1
expect_ok ihkosctl "$os" assign mem 64M@0
expect_eq "os mem" 67108864@0,268435456@1 "$(ihkosctl "$os" query mem)"
expect_ok ihkosctl "$os" release mem all@1
expect_eq "os mem after release all@1" 67108864@0 "$(ihkosctl "$os" query mem)"
expect_fail "the NUMA node does not exist" ihkconfig 0 reserve mem 2M@2
expect_ok ihkconfig 0 destroy "$os"
expect_ok ihkconfig 0 release mem all@1
expect_eq "node 0 left" 134217728@0 "$(ihkconfig 0 query mem)"
expect_ok ihkconfig 0 reserve mem all@1
expect_ok ihkconfig 0 release mem all

assert_node_clean
finish
