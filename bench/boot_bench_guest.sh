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

# The scripts an admin runs, against one pass over the same memory (writing it
# from a program on Linux): mcreboot.sh reserves (Linux zeroes the pages) and
# boots; mcstop+release.sh gives it all back. Modules are unloaded above.
ihkconfig 0 release mem all >/dev/null 2>&1 || true
rmmod ihk_smp_x86 ihk
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "mcreboot.sh -c 1-3 -m SIZE@0 and mcstop+release.sh, median of 3, against one pass over SIZE"
printf '%-8s %14s %16s %12s %14s %14s\n' "SIZE" "mcreboot ms" "mcstop+rel. ms" "pass ms" "reboot/pass" "stop/pass"
for size in 512 2048; do
	up=() down=()
	for _ in 1 2 3; do
		t0=$(now_ms)
		mcreboot.sh -c 1-3 -m "${size}M@0" >/dev/null
		t1=$(now_ms)
		mcstop+release.sh
		t2=$(now_ms)
		up+=($((t1 - t0)))
		down+=($((t2 - t1)))
	done
	pass=$("$IHK_BUILD/bench/mem_pass" "$size")
	u=$(median "${up[@]}") d=$(median "${down[@]}")
	awk -v s="${size}M" -v u="$u" -v d="$d" -v p="$pass" \
		'BEGIN { printf "%-8s %14.0f %16.0f %12.0f %14.2f %14.2f\n", s, u, d, p, u / p, d / p }'
done
