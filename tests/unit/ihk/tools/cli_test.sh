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
[ $failures -eq 0 ] && echo "all checks passed"
exit $((failures != 0))
