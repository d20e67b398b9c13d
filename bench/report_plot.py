#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn mcexec --report JSON reports into a PNG (python3-matplotlib).

    bench/report_plot.py REPORT.json [REPORT.json...] -o OUT.png

Left: where the time of offloaded calls went, per system call (mean and maximum
microseconds, calls on a log scale). Right: the mean offloaded call split into its
stages (send, pickup, call, resume; docs/mcexec.md). Several reports (the tasks of a
job, or one run per spin setting) are drawn side by side, each labelled with its
file name. The report holds per-call totals and maxima, not every call, so this
is a per-call-type latency chart rather than a histogram of single calls.
"""
import argparse
import json
import os
import sys

STAGES = ("send", "pickup", "call", "resume")


def load(path):
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"report_plot: {path}: {e}")
    if r.get("format") != "mckernel-process-report":
        sys.exit(f"report_plot: {path}: not an mcexec --report --report-format=json file")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", metavar="REPORT.json")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.png")
    ap.add_argument("--top", type=int, default=12, help="system calls shown (most time first)")
    a = ap.parse_args()
    if a.top < 1:
        sys.exit("report_plot: --top must be at least 1")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("report_plot: needs python3-matplotlib (apt install python3-matplotlib)")

    reports = [(os.path.basename(p), load(p)) for p in a.reports]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [2, 1]})

    totals = {}
    for _, r in reports:
        for c in r["offloaded"]:
            totals[c["name"]] = totals.get(c["name"], 0) + c["total_us"]
    names = sorted(totals, key=totals.get, reverse=True)[: a.top]
    width = 0.8 / len(reports)
    for i, (label, r) in enumerate(reports):
        by = {c["name"]: c for c in r["offloaded"]}
        xs = [k + i * width for k in range(len(names))]
        mean = [by[n]["total_us"] / by[n]["count"] if n in by else 0 for n in names]
        peak = [by[n]["max_us"] if n in by else 0 for n in names]
        bars = left.bar(xs, mean, width, label=f"{label}: mean")
        left.scatter(xs, peak, marker="_", s=200, color=bars.patches[0].get_facecolor() if bars.patches else None,
                     label=f"{label}: max")
    left.set_xticks([k + 0.4 - width / 2 for k in range(len(names))])
    left.set_xticklabels(names, rotation=45, ha="right")
    left.set_yscale("log")
    left.set_ylabel("latency per offloaded call (us, log)")
    left.set_title("offloaded calls: mean (bar) and maximum (tick)")
    left.legend(fontsize="small")

    labels = [label for label, _ in reports]
    bottom = [0.0] * len(reports)
    for st in STAGES:
        vals = [r["offload_stages_us"][st] / max(r["offload_stages_us"]["calls"], 1) for _, r in reports]
        right.bar(labels, vals, bottom=bottom, label=st)
        bottom = [b + v for b, v in zip(bottom, vals)]
    right.set_ylabel("us per offloaded call")
    right.set_title("stages of the mean offloaded call")
    right.tick_params(axis="x", labelrotation=30)
    right.legend(fontsize="small")

    fig.tight_layout()
    fig.savefig(a.output, dpi=100)
    print(f"report_plot: wrote {a.output}")


if __name__ == "__main__":
    main()
