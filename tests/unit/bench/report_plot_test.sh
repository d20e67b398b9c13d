#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/report_schema.json accepts a report of the documented shape and refuses a
# broken one; bench/report_plot.py turns reports into a PNG and refuses what is
# not a report. Needs Debian's python3-jsonschema and python3-matplotlib.
set -euo pipefail
src=$1
PY=/usr/bin/python3
sample=$src/tests/unit/bench/report_sample.json
schema=$src/bench/report_schema.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
validate() { $PY -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$1" "$schema"; }
validate "$sample"
$PY -c 'import json, sys; r = json.load(open(sys.argv[1])); r["offloaded"][0]["count"] = -1; json.dump(r, open(sys.argv[2], "w"))' "$sample" "$work/bad.json"
if validate "$work/bad.json" 2>/dev/null; then echo "FAIL: a negative count passed the schema"; exit 1; fi
$PY -c 'import json, sys; r = json.load(open(sys.argv[1])); r["extra"] = 1; json.dump(r, open(sys.argv[2], "w"))' "$sample" "$work/extra.json"
if validate "$work/extra.json" 2>/dev/null; then echo "FAIL: an unknown key passed the schema"; exit 1; fi
$PY "$src/bench/report_plot.py" "$sample" "$sample" -o "$work/out.png"
[ "$(head -c 8 "$work/out.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "FAIL: not a PNG"; exit 1; }
echo '{"format": "other"}' > "$work/not.json"
if $PY "$src/bench/report_plot.py" "$work/not.json" -o "$work/x.png" 2>"$work/err"; then echo "FAIL: plotted a non-report"; exit 1; fi
grep -q "not an mcexec --report" "$work/err" || { echo "FAIL: message: $(cat "$work/err")"; exit 1; }
echo ok
