#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/report_schema.json accepts a report of the documented shape (version 2 with
# the latency histogram, version 1 without) and refuses a broken one;
# bench/report_plot.py turns reports and the benchmark's noise CSV into a PNG and
# refuses, with a message that names the problem, what is not one.
# Needs Debian's python3-jsonschema and python3-matplotlib.
set -euo pipefail
src=$1
PY=/usr/bin/python3
sample=$src/tests/unit/bench/report_sample.json
schema=$src/bench/report_schema.json
plot=$src/bench/report_plot.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
validate() { $PY -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$1" "$schema"; }
# edit OUT EXPR: the sample with the Python statement EXPR applied to it (as r).
edit() { $PY -c 'import json, sys; r = json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(r, open(sys.argv[2], "w"))' "$sample" "$work/$1" "$2"; }
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "FAIL: $1 is not a PNG"; exit 1; }; }
# refused WHAT MESSAGE ARGS...: report_plot.py fails and says MESSAGE.
refused() {
	local what=$1 msg=$2
	shift 2
	if $PY "$plot" "$@" -o "$work/x.png" 2>"$work/err"; then echo "FAIL: plotted $what"; exit 1; fi
	grep -qF -- "$msg" "$work/err" || { echo "FAIL: $what: message: $(cat "$work/err")"; exit 1; }
}

validate "$sample"
edit v1.json 'del r["offload_latency_log2_ns"]; r["version"] = 1'
validate "$work/v1.json"
edit bad.json 'r["offloaded"][0]["count"] = -1'
if validate "$work/bad.json" 2>/dev/null; then echo "FAIL: a negative count passed the schema"; exit 1; fi
edit extra.json 'r["extra"] = 1'
if validate "$work/extra.json" 2>/dev/null; then echo "FAIL: an unknown key passed the schema"; exit 1; fi
edit nohist.json 'del r["offload_latency_log2_ns"]'
if validate "$work/nohist.json" 2>/dev/null; then echo "FAIL: version 2 without the histogram passed the schema"; exit 1; fi
edit short.json 'r["offload_latency_log2_ns"].pop()'
if validate "$work/short.json" 2>/dev/null; then echo "FAIL: a 39-bucket histogram passed the schema"; exit 1; fi
edit neg.json 'r["offload_latency_log2_ns"][3] = -2'
if validate "$work/neg.json" 2>/dev/null; then echo "FAIL: a negative bucket passed the schema"; exit 1; fi

# Reports: with the histogram, and an old one without (the other views still drawn).
$PY "$plot" "$sample" "$sample" -o "$work/out.png"
is_png "$work/out.png"
$PY "$plot" "$work/v1.json" -o "$work/v1.png" 2>"$work/err"
is_png "$work/v1.png"
grep -q "no latency histogram" "$work/err" || { echo "FAIL: no word on the missing histogram: $(cat "$work/err")"; exit 1; }
# The histogram is a panel of its own: the PNG is taller with it.
size() { $PY -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); print(struct.unpack(">II", d[16:24])[1])' "$1"; }
[ "$(size "$work/out.png")" -gt "$(size "$work/v1.png")" ] || { echo "FAIL: no histogram panel"; exit 1; }

# Merged reports (mcexec's group report, the Slurm plugin's job report): no
# stages, the rest drawn, alone and beside a process report.
edit group.json 'r["format"] = "mckernel-group-report"; r["tasks"] = 4; del r["offload_stages_us"]'
edit job.json 'r["format"] = "mckernel-job-report"; r["tasks"] = 2; del r["offload_stages_us"]; r["summary"] = "mck: 2 tasks"'
$PY "$plot" "$work/group.json" -o "$work/group.png"
is_png "$work/group.png"
$PY "$plot" "$work/job.json" "$work/group.json" "$sample" -o "$work/mixed.png"
is_png "$work/mixed.png"
edit zero.json 'r["format"] = "mckernel-job-report"; del r["offload_stages_us"]; r["offloaded"][0]["count"] = 0'
$PY "$plot" "$work/zero.json" -o "$work/zero.png"
is_png "$work/zero.png"

# The benchmark's noise CSV, alone and with reports.
cat > "$work/noise.csv" <<'CSV'
side,cpu,second,gaps,max_gap_us
linux,1,0,1980,15890.2
linux,1,1,2011,16020.0
linux,1,2,1875,14000.5
lwk,0,0,1650,900.1
lwk,0,1,1702,0.0
lwk,0,2,1611,850.7
CSV
$PY "$plot" --noise "$work/noise.csv" -o "$work/noise.png"
is_png "$work/noise.png"
$PY "$plot" "$sample" --noise "$work/noise.csv" -o "$work/both.png"
is_png "$work/both.png"
[ "$(size "$work/both.png")" -gt "$(size "$work/out.png")" ] || { echo "FAIL: no noise panel"; exit 1; }

# What is refused, each with a message that says why.
echo '{"format": "other"}' > "$work/not.json"
refused "a non-report" "not an mcexec --report" "$work/not.json"
edit negcall.json 'r["offloaded"][1]["count"] = -1'
refused "a negative call count" "offloaded: not a list of calls" "$work/negcall.json"
edit nocalls.json 'r["format"] = "mckernel-group-report"; del r["offloaded"]'
refused "a group report without calls" "offloaded: not a list of calls" "$work/nocalls.json"
edit namecall.json 'r["offloaded"][0]["name"] = 7'
refused "a call without a name" "offloaded: not a list of calls" "$work/namecall.json"
edit stages.json 'r["offload_stages_us"]["send"] = "fast"'
refused "a stage that is not a time" "offload_stages_us: not calls and the time of each stage" "$work/stages.json"
refused "a 39-bucket histogram" "offload_latency_log2_ns: not a list of 40 counts" "$work/short.json"
refused "a negative bucket" "offload_latency_log2_ns: not a list of 40 counts" "$work/neg.json"
edit str.json 'r["offload_latency_log2_ns"][0] = "7"'
refused "a string bucket" "offload_latency_log2_ns: not a list of 40 counts" "$work/str.json"
refused "nothing" "nothing to draw"
printf 'a,b\n1,2\n' > "$work/hdr.csv"
refused "a CSV with another header" "not a noise CSV" --noise "$work/hdr.csv"
printf 'side,cpu,second,gaps,max_gap_us\n' > "$work/empty.csv"
refused "a CSV without rows" "no rows" --noise "$work/empty.csv"
printf 'side,cpu,second,gaps,max_gap_us\nmac,0,0,1,1\n' > "$work/side.csv"
refused "an unknown side" "side.csv:2: side 'mac': expected linux or lwk" --noise "$work/side.csv"
printf 'side,cpu,second,gaps,max_gap_us\nlwk,0,0,1\n' > "$work/cols.csv"
refused "a short row" "cols.csv:2: 4 columns, expected 5" --noise "$work/cols.csv"
printf 'side,cpu,second,gaps,max_gap_us\nlwk,0,0,-3,1.0\n' > "$work/negcsv.csv"
refused "negative gaps" "negcsv.csv:2: negative or not finite value" --noise "$work/negcsv.csv"
printf 'side,cpu,second,gaps,max_gap_us\nlwk,0,0,x,1.0\n' > "$work/nan.csv"
refused "a word for gaps" "nan.csv:2: cpu, second and gaps must be integers" --noise "$work/nan.csv"
printf 'side,cpu,second,gaps,max_gap_us\nlwk,0,0,1,inf\n' > "$work/inf.csv"
refused "an infinite gap" "inf.csv:2: negative or not finite value" --noise "$work/inf.csv"
refused "a missing CSV" "$work/none.csv" --noise "$work/none.csv"
echo ok
