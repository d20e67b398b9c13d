# SPDX-License-Identifier: GPL-2.0
# Runs inside the virtual node for bench/boot_bench.sh.
set -euo pipefail
cycles=$1
linux_boot_ms=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
now_ms() { echo $(($(date +%s%N) / 1000000)); }
insmod "$IHK_BUILD/modules/ihk.ko"
insmod "$IHK_BUILD/modules/ihk-smp-x86.ko"
boot=() stop=()
for _ in $(seq "$cycles"); do
	ihkconfig 0 reserve cpu 1-3
	ihkconfig 0 reserve mem 256M@0
	os=$(ihkconfig 0 create)
	ihkosctl "$os" assign cpu 1-3
	ihkosctl "$os" assign mem all
	ihkosctl "$os" load "$IHK_BUILD/lwk/mckernel.img"
	t0=$(now_ms)
	ihkosctl "$os" boot
	t1=$(now_ms)
	ihkosctl "$os" shutdown
	ihkconfig 0 destroy "$os"
	ihkconfig 0 release cpu all
	ihkconfig 0 release mem all
	t2=$(now_ms)
	boot+=($((t1 - t0)))
	stop+=($((t2 - t1)))
done
stats() { printf '%s\n' "$@" | sort -n | awk -v base="$linux_boot_ms" '
	{ v[NR] = $1 } END { med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	  printf "%10.0f %8d %8d %12.3f\n", med, v[1], v[NR], med / base }'; }
echo
echo "McKernel boot/shutdown on 3 CPUs, 256 MiB, $cycles cycles (software-emulated node: compare ratios)"
printf '%-34s %10s %8s %8s %12s\n' "phase" "median ms" "min ms" "max ms" "x Linux boot"
printf '%-34s %s' "boot to RUNNING" "$(stats "${boot[@]}")"; echo
printf '%-34s %s' "shutdown to CPUs+memory released" "$(stats "${stop[@]}")"; echo
printf '%-34s %10d %8s %8s %12.3f\n' "guest Linux boot (to userspace)" "$linux_boot_ms" "-" "-" 1
