#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ihkconfig/ihkosctl on the host (no modules needed): --help works at every level,
# and malformed notation is refused before any device is opened, naming the value.
# Every program and script of the suite answers --version with its name and the
# suite's.
set -uo pipefail
bin=${1:?usage: cli_test.sh BINDIR}
failures=0
expect() { # expect WHAT STATUS FRAGMENT command...
	local what=$1 want=$2 frag=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || [[ $out != *"$frag"* ]]; then
		echo "FAIL: $what: status $rc (want $want), output: $out"
		failures=$((failures + 1))
	else
		echo "ok: $what"
	fi
}
for tool in ihkconfig ihkosctl ihkmond mcexec mck-slurm mck-task mcreboot.sh mcstop+release.sh; do
	expect "$tool --version" 0 "$tool (McKernel suite) " "$bin/$tool" --version
done
expect "ihkconfig --help" 0 "reserve" "$bin/ihkconfig" --help
expect "ihkconfig reserve --help" 0 "cpu" "$bin/ihkconfig" 0 reserve --help
expect "ihkconfig reserve mem --help" 0 "SIZE@NUMA" "$bin/ihkconfig" 0 reserve mem --help
expect "ihkosctl --help" 0 "assign" "$bin/ihkosctl" --help
expect "ihkosctl set ikc_map --help" 0 "2-3:0+4-5:1" "$bin/ihkosctl" 0 set ikc_map --help
expect "no subcommand" 106 "A subcommand is required" "$bin/ihkconfig" 0
expect "bad device index" 105 "not in range" "$bin/ihkconfig" 99 query cpu
expect "bad cpu list" 105 "CPU range '3-1' is reversed" "$bin/ihkconfig" 0 reserve cpu 3-1
expect "bad mem spec" 105 "expected SIZE@NUMA" "$bin/ihkconfig" 0 reserve mem 512M
expect "overflowing size" 105 "does not fit in 64 bits" "$bin/ihkconfig" 0 reserve mem 99999999999999999999@0
expect "bad ikc map" 105 "expected LWK-CPUS:LINUX-CPU" "$bin/ihkosctl" 0 set ikc_map 2-3
expect "unknown subcommand" 106 "A subcommand is required" "$bin/ihkosctl" 0 frobnicate
expect "no device on the host" 1 "/dev/mcd0 does not exist" "$bin/ihkconfig" 0 query cpu

# ihkconfig start checks all its notation, the arguments' length and the image
# before it opens the device; --dry-run stops there (mcreboot.sh's first step).
img=$(mktemp)
nomods=$(mktemp -d)
trap 'rm -rf "$img" "$nomods"' EXIT
printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\76\0' > "$img" # 64-bit, LSB, ET_EXEC, x86-64
head -c 64 /dev/zero >> "$img"
start() { "$bin/ihkconfig" 0 start --cpus 2-3 --mem 512M@0 "$@"; }
expect "start --dry-run of good arguments" 0 "" start --image "$img" --kargs hidos --dry-run
if [ ! -e /dev/mcd0 ]; then # else it would start an instance
	expect "start without a device" 1 "/dev/mcd0 does not exist" start --image "$img"
fi
expect "start: image not ELF" 105 "is not an ELF file" start --image "$bin/mcreboot.sh" --dry-run
fifo=$(mktemp -u)
mkfifo "$fifo"
expect "start: a FIFO as the image (no hang)" 105 "is not a regular file" \
	timeout 10 "$bin/ihkconfig" 0 start --cpus 2-3 --mem 512M@0 --image "$fifo" --dry-run
expect "ihkosctl load of a FIFO (no hang)" 105 "is not a regular file" timeout 10 "$bin/ihkosctl" 0 load "$fifo"
expect "ihkosctl load of a missing file" 105 "image '/nonexistent.img' does not exist" "$bin/ihkosctl" 0 load /nonexistent.img
cp "$img" "$img.huge" && truncate -s 65M "$img.huge"
expect "start: an image of 65 MiB" 105 "is larger than 64 MiB" start --image "$img.huge" --dry-run
rm -f "$img.huge"
expect "ihkosctl load of /dev/zero (no endless read)" 105 "is not a regular file" timeout 10 "$bin/ihkosctl" 0 load /dev/zero
rm -f "$fifo"
expect "start: image of a program" 105 "is not an x86-64 ELF executable" start --image "$bin/ihkconfig" --dry-run
expect "start: kargs too long" 105 "4096 bytes long; at most 4095 fit" \
	start --image "$img" --kargs "$(head -c 4096 /dev/zero | tr '\0' x)" --dry-run
expect "start: kargs that fit" 0 "" start --image "$img" --kargs "$(head -c 4095 /dev/zero | tr '\0' x)" --dry-run
expect "ihkosctl kargs too long" 105 "at most 4095 fit" "$bin/ihkosctl" 0 kargs "$(head -c 5000 /dev/zero | tr '\0' x)"

# ihkmond: an instance that does not exist at the start is an error (status 1).
expect "ihkmond --once, no such instance" 1 "mcos5: cannot watch the instance: /dev/mcos5 does not exist" "$bin/ihkmond" --once 5

# mcreboot.sh checks every option before it loads a module: a module load from
# an empty directory (-M) fails ("loading ..."), so a message about the option
# proves the order, and nothing is loaded on a host that could load them.
mcreboot=("$bin/mcreboot.sh" -M "$nomods")
if [ "$(id -u)" -eq 0 ] && [ ! -e /sys/module/ihk ]; then
	expect "mcreboot -c reversed" 1 "CPU range '3-1' is reversed" env MCK_IMAGE="$img" "${mcreboot[@]}" -c 3-1
	expect "mcreboot -m without a node" 1 "expected SIZE@NUMA" env MCK_IMAGE="$img" "${mcreboot[@]}" -c 1 -m 512M
	expect "mcreboot -r bad" 1 "expected LWK-CPUS:LINUX-CPU" env MCK_IMAGE="$img" "${mcreboot[@]}" -c 1 -r 1
	expect "mcreboot MCK_IMAGE not an image" 1 "is not an ELF file" \
		env MCK_IMAGE="$bin/mcreboot.sh" "${mcreboot[@]}" -c 1
	expect "mcreboot -K too long" 1 "at most 4095 fit" \
		env MCK_IMAGE="$img" "${mcreboot[@]}" -c 1 -K "$(head -c 4090 /dev/zero | tr '\0' x)"
	expect "mcreboot -i huge" 1 "-i '99999999999999999999': expected seconds from 1 to 3600" \
		"${mcreboot[@]}" -c 1 -k 1 -i 99999999999999999999
	expect "mcreboot -d of 10 digits" 1 "-d '1234567890': expected a number of at most 9 digits" \
		"${mcreboot[@]}" -c 1 -d 1234567890
	expect "mcreboot -t past an hour" 1 "-t '3601': expected seconds from 1 to 3600" "${mcreboot[@]}" -t 3601
	# Good options get as far as the module load, from the empty directory.
	expect "mcreboot, good options" 1 "mcreboot.sh: loading " env MCK_IMAGE="$img" "${mcreboot[@]}" -c 1 -m 512M@0
else
	echo "skip: mcreboot.sh (needs root and no ihk.ko)"
fi

# mcexec refuses an option with an empty value (never "the default") and a
# negative --share, before it looks for the instance.
for opt in --share --rlimits --blocked --pending --mempolicy --cpus --exec --report-group; do
	expect "mcexec $opt ''" 125 "$opt: an empty value" "$bin/mcexec" "$opt" '' /bin/true
done
expect "mcexec --share -1" 125 "--share '-1:2:0': expected FIRST:COUNT:BYTES" "$bin/mcexec" --share -1:2:0 /bin/true
expect "mcexec --share 1:-1:0" 125 "expected FIRST:COUNT:BYTES" "$bin/mcexec" --share 1:-1:0 /bin/true
expect "mcexec --share past 64 bits" 125 "expected FIRST:COUNT:BYTES" "$bin/mcexec" --share 0:1:18446744073709551616 /bin/true
expect "mcexec --share 1::0" 125 "expected FIRST:COUNT:BYTES" "$bin/mcexec" --share 1::0 /bin/true
expect "mcexec --share good" 125 "/dev/mcos0 does not exist" "$bin/mcexec" --share 0:1:0 /bin/true
[ $failures -eq 0 ] && echo "all checks passed"
exit $((failures != 0))
