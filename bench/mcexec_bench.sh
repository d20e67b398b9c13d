#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): a program on McKernel (through mcexec) against the same
# program on a Linux CPU of the same virtual node, side by side:
#   - one IKC round trip (ihkosctl ikc_ping), the floor of any offloaded call,
#   - a null offloaded call (getuid: Linux runs it for the LWK) vs a native call, with
#     the offload fast path's spinning off (--offload-spin 0) and at its default, and
#     where the time of an offloaded call goes, stage by stage (mcexec --report),
#   - offloaded pwrite/pread of 4 KiB and 1 MiB to a file in /tmp vs native,
#   - a call McKernel answers itself (getpid) vs native,
#   - clock_gettime through the vDSO (Linux's and McKernel's),
#   - page faults and time to touch 1 GiB of fresh memory,
#   - fork of a small and of a large process (copy-on-write: the size should not
#     matter), and posix_spawn of /bin/true (a new mcexec on Linux, a new process on McKernel),
#   - kernel entries per second on the core of a pure compute loop (LWK CPU vs Linux
#     CPU), and gaps seen by the loop itself (in an emulator mostly the host's doing),
#     also with ihkmond checking the instance's status every second.
# Usage: bench/mcexec_bench.sh [vmrun options...]   (software emulation: compare ratios)
# MCEXEC_BENCH_ONLY=offload: only the offload rows (IKC, null call, I/O, local call).
# MCEXEC_BENCH_ONLY=noise: only the compute loop's rows (no ihkmond run).
# MCEXEC_BENCH_SPIN=US: run every McKernel row with mcexec --offload-spin US (0: as
# before the fast path).
# MCEXEC_BENCH_NOISE_CSV=FILE: the compute loop's gaps per second and CPU, Linux's
# and McKernel's, into FILE on the host (CSV: side,cpu,second,gaps,max_gap_us).
# Draw it with bench/report_plot.py --noise FILE -o noise.png.
# MCEXEC_BENCH_NOISE_SEC=N: the compute loop's seconds (default 5).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
noise_csv=${MCEXEC_BENCH_NOISE_CSV:-}
share=()
if [ -n "$noise_csv" ]; then
	# The guest's / is the host's, read-only under a tmpfs: results come back
	# through a writable share only (/vmshare in the guest).
	outdir=$(mktemp -d)
	trap 'rm -rf "$outdir"' EXIT
	share=(--share "$outdir")
fi
status=0
"$src/tests/vm/vmrun" --build "$build" --mem 3G "${share[@]}" "$@" -- env MCEXEC_BENCH_ONLY="${MCEXEC_BENCH_ONLY:-}" \
	MCEXEC_BENCH_SPIN="${MCEXEC_BENCH_SPIN:-}" MCEXEC_BENCH_NOISE="${noise_csv:+/vmshare/noise.csv}" \
	MCEXEC_BENCH_NOISE_SEC="${MCEXEC_BENCH_NOISE_SEC:-5}" bash -c '
set -euo pipefail
B=$IHK_BUILD/bench/mcexec_bench
mcreboot.sh -c 2-3 -m 1280M@0 >/dev/null
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
linux() { taskset -c 1 "$B" "$@"; }
spin_opt=${MCEXEC_BENCH_SPIN:+--offload-spin $MCEXEC_BENCH_SPIN}
lwk() { mcexec $spin_opt "$B" "$@"; }
row() { # label, linux value, lwk value
	printf "%-44s %14s %14s %10s\n" "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" "BEGIN { if (a > 0) printf \"%.2f\", b / a; else print \"-\" }")"
}
echo
echo "mcexec benchmark: Linux CPU 1 vs McKernel CPU 2, same virtual node"
printf "%-44s %14s %14s %10s\n" "measure" "Linux" "McKernel" "LWK/Linux"
if [ "$MCEXEC_BENCH_ONLY" != noise ]; then
native=$(linux offload 20000 | val ns_per_call)
# Spinning off, at its default (or MCEXEC_BENCH_SPIN) and at its maximum, interleaved
# over 3 rounds (the median of each), so a burst of the host load hits all alike.
rep=/tmp/mcexec_bench_report.json
median() { sort -n | sed -n 2p; }
rm -f /tmp/ikc /tmp/nospin /tmp/spin /tmp/maxspin
for r in 1 2 3; do
	ihkosctl --json 0 ikc_ping --cpu 0 --count 1000 | tr -d " \n" | sed "s/.*\"avg_ns\":\([0-9]*\).*/\1\n/" >> /tmp/ikc
	mcexec --offload-spin 0 "$B" offload 5000 | val ns_per_call >> /tmp/nospin
	mcexec $spin_opt --report="$rep.$r" --report-format=json "$B" offload 5000 | val ns_per_call >> /tmp/spin
	mcexec --offload-spin 1000 "$B" offload 5000 | val ns_per_call >> /tmp/maxspin
done
ikc=$(median < /tmp/ikc); nospin=$(median < /tmp/nospin); spin=$(median < /tmp/spin); maxspin=$(median < /tmp/maxspin)
rep=$rep.$(grep -n "^$spin\$" /tmp/spin | head -1 | cut -d: -f1)
row "IKC round trip, Linux <-> LWK CPU 0 (ns)" "$ikc" "$ikc"
row "null offloaded call, getuid, no spin (ns)" "$native" "$nospin"
row "null offloaded call, getuid${MCEXEC_BENCH_SPIN:+, spin $MCEXEC_BENCH_SPIN us} (ns)" "$native" "$spin"
row "null offloaded call, getuid, spin 1000 us (ns)" "$native" "$maxspin"
for v in nospin spin maxspin; do
	printf "%-44s %14s %14s %10s\n" "  $v: offloaded call vs IKC round trip" "$ikc" "${!v}" \
		"$(awk -v a="$ikc" -v b="${!v}" "BEGIN { printf \"%.2f\", b / a }")"
done
python3 - "$rep" <<"PY"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["offload_stages_us"]
n = max(s["calls"], 1)
print("  stages of an offloaded call, mean us (%d calls, %d answered while spinning):" % (s["calls"], r["offload_spun"]))
print("    " + ", ".join("%s %.1f" % (k, s[k] / n) for k in ("send", "pickup", "call", "resume")))
PY
for io in "write 4 16" "read 4 16" "write 1024 64" "read 1024 64"; do
	set -- $io
	l=$(linux $io); m=$(lwk $io)
	row "$1 $2 KiB, per call (ns)" "$(echo "$l" | val ns_per_call)" "$(echo "$m" | val ns_per_call)"
done
row "local call, getpid (ns)" "$(linux local 200000 | val ns_per_call)" "$(lwk local 200000 | val ns_per_call)"
row "vDSO clock_gettime(MONOTONIC) (ns)" "$(linux clock 1000000 | val ns_per_call)" "$(lwk clock 1000000 | val ns_per_call)"
fi
if [ "$MCEXEC_BENCH_ONLY" != offload ]; then
if [ "$MCEXEC_BENCH_ONLY" != noise ]; then
l=$(linux touch 1024); m=$(lwk touch 1024)
row "touch 1 GiB: page faults" "$(echo "$l" | val faults)" "$(echo "$m" | val faults)"
row "touch 1 GiB: ms (mmap included)" "$(echo "$l" | val ms)" "$(echo "$m" | val ms)"
row "fork, child writes a page, wait: 4 MiB process (ms)" "$(linux fork 10 4 | val ms_per_fork)" \
	"$(lwk fork 10 4 | val ms_per_fork)"
row "fork, child writes a page, wait: 256 MiB process (ms)" "$(linux fork 10 256 | val ms_per_fork)" \
	"$(lwk fork 10 256 | val ms_per_fork)"
row "posix_spawn /bin/true and wait (ms)" "$(linux spawn 10 | val ms_per_spawn)" "$(lwk spawn 10 | val ms_per_spawn)"
fi
# The per-second CSV goes to the guest tmpfs first (the McKernel run writes it
# through mcexec), then to the share.
csv=${MCEXEC_BENCH_NOISE:+/tmp/mcexec_bench_noise.csv}
rm -f /tmp/mcexec_bench_noise.csv
l=$(linux noise "$MCEXEC_BENCH_NOISE_SEC" $csv); m=$(lwk noise "$MCEXEC_BENCH_NOISE_SEC" $csv)
[ -z "$csv" ] || cp "$csv" "$MCEXEC_BENCH_NOISE"
row "compute loop: kernel entries per s" "$(echo "$l" | val entries_per_s)" "$(echo "$m" | val entries_per_s)"
row "compute loop: TSC gaps > 2 us per s" "$(echo "$l" | val detours_per_s)" "$(echo "$m" | val detours_per_s)"
row "compute loop: us lost per s" "$(echo "$l" | val lost_us_per_s)" "$(echo "$m" | val lost_us_per_s)"
if [ "$MCEXEC_BENCH_ONLY" != noise ]; then
# The same 20 s with ihkmond checking the instance every second, as sites run it:
# the check reads the LWK CPUs published state and interrupts none of them.
ihkmond --interval 1 0 >/dev/null 2>&1 &
mond=$!
l=$(linux noise 20); m=$(lwk noise 20)
kill $mond 2>/dev/null || true
row "with ihkmond (1/s): kernel entries per s" "$(echo "$l" | val entries_per_s)" "$(echo "$m" | val entries_per_s)"
row "with ihkmond (1/s): kernel entries in 20 s" "$(echo "$l" | val entries)" "$(echo "$m" | val entries)"
fi
fi
mcstop+release.sh
' || status=$?
if [ -n "$noise_csv" ]; then
	if [ -s "$outdir/noise.csv" ]; then
		cp "$outdir/noise.csv" "$noise_csv"
		echo "compute loop gaps per second and CPU: $noise_csv"
	else
		echo "mcexec_bench: no noise CSV came back from the virtual node" >&2
		[ "$status" -ne 0 ] || status=1
	fi
fi
exit "$status"
