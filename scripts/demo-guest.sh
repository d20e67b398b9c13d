# SPDX-License-Identifier: GPL-2.0
# What scripts/demo.sh runs inside the virtual node.
set -euo pipefail
step() { echo; echo "\$ $*"; "$@"; }
show() { echo "  online CPUs: $(cat /sys/devices/system/cpu/online)   MemFree: $(awk '/MemFree/ { print $2 / 1024 " MiB" }' /proc/meminfo)"; }

echo "== the virtual node as Linux sees it"
show
step insmod "$IHK_BUILD/modules/ihk.ko"
step insmod "$IHK_BUILD/modules/ihk-smp-x86.ko"
step ihkconfig 0 reserve cpu 2-3
step ihkconfig 0 reserve mem 512M@0
step ihkconfig 0 query cpu
step ihkconfig 0 query mem
show
echo; echo "$ lscpu --all --parse=CPU,ONLINE"; lscpu --all --parse=CPU,ONLINE | grep -v "^#"
step ihkconfig 0 create
step ihkosctl 0 assign cpu 2-3
step ihkosctl 0 assign mem all
step ihkosctl 0 set ikc_map 2-3:0
step ihkosctl 0 get status
step ihkosctl --json 0 query mem
echo; echo "== a refusal"
step ihkconfig 0 reserve cpu 0 || true
echo; echo "== giving everything back"
step ihkconfig 0 destroy 0
step ihkconfig 0 release cpu all
step ihkconfig 0 release mem all
step rmmod ihk_smp_x86 ihk
show
