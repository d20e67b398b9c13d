#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn mcexec --report JSON reports and benchmark noise into a PNG (python3-matplotlib).

    bench/report_plot.py REPORT.json [REPORT.json...] [--noise NOISE.csv] -o OUT.png
    bench/report_plot.py --noise NOISE.csv -o OUT.png

A REPORT.json is one program's (mcexec --report --report-format=json) or a merged
one: the group report of mcexec --report-group, or the per-job report the Slurm
plugin writes (mck-report-<job>-<node>.json). Merged reports have no stages.

From reports: where the time of offloaded calls went, per system call (mean and
maximum microseconds, log scale); the mean offloaded call split into its stages
(send, pickup, call, resume; docs/mcexec.md); and the latency histogram of all
offloaded calls (offload_latency_log2_ns: calls per power of two of nanoseconds,
log x). Several reports (the tasks of a job, or one run per spin setting) are
drawn side by side, each labelled with its file name. Reports from an mcexec
before report version 2 have no histogram: the other views are still drawn.

From --noise (bench/mcexec_bench.sh with MCEXEC_BENCH_NOISE_CSV=FILE; columns
side,cpu,second,gaps,max_gap_us): the compute loop's TSC gaps over 2 us per second
and the longest gap of each second, one line per side (Linux, LWK) and CPU.
"""
import argparse
import csv
import json
import math
import os
import sys

STAGES = ("send", "pickup", "call", "resume")
PROCESS = "mckernel-process-report"
FORMATS = (PROCESS, "mckernel-group-report", "mckernel-job-report")  # docs/mcexec.md
LATENCY_KEY = "offload_latency_log2_ns"
LATENCY_BUCKETS = 40  # MCK_LATENCY_BUCKETS, mcexec/abi.h
NOISE_COLUMNS = ["side", "cpu", "second", "gaps", "max_gap_us"]
SIDES = ("linux", "lwk")


def fail(path, why):
    sys.exit(f"report_plot: {path}: {why}")


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def is_time(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def load(path):
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        fail(path, e)
    if not isinstance(r, dict) or r.get("format") not in FORMATS:
        fail(path, "not an mcexec --report --report-format=json file, nor a group or job report")
    calls = r.get("offloaded")
    if not isinstance(calls, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and is_count(c.get("count"))
            and is_time(c.get("total_us")) and is_time(c.get("max_us")) for c in calls):
        fail(path, "offloaded: not a list of calls with name, count, total_us and max_us")
    st = r.get("offload_stages_us")
    if st is not None and not (isinstance(st, dict) and is_count(st.get("calls"))
                               and all(is_time(st.get(k)) for k in STAGES)):
        fail(path, "offload_stages_us: not calls and the time of each stage")
    h = r.get(LATENCY_KEY)
    if h is not None and not (isinstance(h, list) and len(h) == LATENCY_BUCKETS and all(map(is_count, h))):
        fail(path, f"{LATENCY_KEY}: not a list of {LATENCY_BUCKETS} counts")
    return r


def label_of(path, r):
    """The file's name; a merged report says how many tasks it holds."""
    name = os.path.basename(path)
    tasks = r.get("tasks")
    return f"{name} ({tasks} tasks)" if r["format"] != PROCESS and is_count(tasks) else name


def load_noise(path):
    """Rows of the bench's noise CSV as {(side, cpu): [(second, gaps, max_gap_us)]}."""
    series = {}
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        fail(path, e)
    if not rows or [c.strip() for c in rows[0]] != NOISE_COLUMNS:
        fail(path, "not a noise CSV from bench/mcexec_bench.sh (header: " + ",".join(NOISE_COLUMNS) + ")")
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(NOISE_COLUMNS):
            fail(f"{path}:{n}", f"{len(row)} columns, expected {len(NOISE_COLUMNS)}")
        side = row[0].strip()
        if side not in SIDES:
            fail(f"{path}:{n}", f"side '{side}': expected linux or lwk")
        try:
            cpu, second, gaps = (int(v) for v in row[1:4])
            max_gap = float(row[4])
        except ValueError:
            fail(f"{path}:{n}", "cpu, second and gaps must be integers, max_gap_us a number")
        if cpu < 0 or second < 0 or gaps < 0 or not math.isfinite(max_gap) or max_gap < 0:
            fail(f"{path}:{n}", "negative or not finite value")
        series.setdefault((side, cpu), []).append((second, gaps, max_gap))
    if not series:
        fail(path, "no rows")
    return series


def draw_calls(ax, reports, top):
    totals = {}
    for _, r in reports:
        for c in r["offloaded"]:
            totals[c["name"]] = totals.get(c["name"], 0) + c["total_us"]
    names = sorted(totals, key=totals.get, reverse=True)[:top]
    width = 0.8 / len(reports)
    for i, (label, r) in enumerate(reports):
        by = {c["name"]: c for c in r["offloaded"]}
        xs = [k + i * width for k in range(len(names))]
        mean = [by[n]["total_us"] / max(by[n]["count"], 1) if n in by else 0 for n in names]
        peak = [by[n]["max_us"] if n in by else 0 for n in names]
        bars = ax.bar(xs, mean, width, label=f"{label}: mean")
        ax.scatter(xs, peak, marker="_", s=200, color=bars.patches[0].get_facecolor() if bars.patches else None,
                   label=f"{label}: max")
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(names))])
    ax.set_xticklabels(names, rotation=45, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("latency per offloaded call (us, log)")
    ax.set_title("offloaded calls: mean (bar) and maximum (tick)")
    ax.legend(fontsize="small")


def draw_stages(ax, reports):
    labels = [label for label, _ in reports]
    bottom = [0.0] * len(reports)
    for st in STAGES:
        vals = [r["offload_stages_us"][st] / max(r["offload_stages_us"]["calls"], 1) for _, r in reports]
        ax.bar(labels, vals, bottom=bottom, label=st)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("us per offloaded call")
    ax.set_title("stages of the mean offloaded call")
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend(fontsize="small")


def ns_text(ns):
    for unit, size in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= size:
            return f"{ns / size:.3g} {unit}"
    return f"{ns:g} ns"


def draw_latency(ax, reports):
    """Bucket i holds calls of 2^i to 2^(i+1) ns: steps on a log2 axis, edges labelled."""
    used = [i for _, r in reports for i, n in enumerate(r[LATENCY_KEY]) if n]
    lo, hi = (min(used), max(used) + 1) if used else (10, 20)
    edges = [2 ** i for i in range(lo, hi + 1)]
    for label, r in reports:
        h = r[LATENCY_KEY]
        ax.stairs(h[lo:hi], edges, label=f"{label}: {sum(h)} calls", linewidth=1.5)
    ax.set_xscale("log", base=2)
    step = max(1, len(edges) // 12)
    ax.set_xticks(edges[::step])
    ax.set_xticklabels([ns_text(e) for e in edges[::step]])
    ax.minorticks_off()
    ax.set_xlabel("offloaded call latency (buckets of powers of two of ns)")
    ax.set_ylabel("calls")
    counts = [n for _, r in reports for n in r[LATENCY_KEY] if n]
    if counts and max(counts) > 100 * min(counts):  # a tail of a few calls stays visible
        ax.set_yscale("log")
    if hi == LATENCY_BUCKETS:
        ax.axvline(edges[-2], color="grey", linestyle=":", label="last bucket: from here on")
    ax.set_title("latency histogram of all offloaded calls")
    ax.legend(fontsize="small")


def draw_noise(gaps_ax, max_ax, series):
    colors = {"linux": "tab:blue", "lwk": "tab:orange"}
    styles = ("-", "--", ":", "-.")
    for k, (side, cpu) in enumerate(sorted(series)):
        pts = sorted(series[(side, cpu)])
        secs = [p[0] for p in pts]
        label = f"{'Linux' if side == 'linux' else 'LWK'} CPU {cpu}"
        style = dict(color=colors[side], linestyle=styles[k % len(styles)], marker=".")
        gaps_ax.plot(secs, [p[1] for p in pts], label=label, **style)
        # A second with no gap over 2 us has no longest gap to draw.
        max_ax.plot(secs, [p[2] if p[1] else math.nan for p in pts], label=label, **style)
    for ax in (gaps_ax, max_ax):
        ax.xaxis.get_major_locator().set_params(integer=True)
    gaps_ax.set_xlabel("second of the compute loop")
    gaps_ax.set_ylabel("TSC gaps > 2 us")
    gaps_ax.set_ylim(bottom=0)
    gaps_ax.set_title("compute loop noise per CPU over time")
    gaps_ax.legend(fontsize="small")
    max_ax.set_xlabel("second")
    max_ax.set_yscale("log")
    max_ax.set_ylabel("longest gap (us, log)")
    max_ax.set_title("longest gap per second")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="*", metavar="REPORT.json",
                    help="mcexec --report --report-format=json files, group or job reports")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.png")
    ap.add_argument("--top", type=int, default=12, help="system calls shown (most time first)")
    ap.add_argument("--noise", metavar="NOISE.csv", help="per-CPU gaps per second from bench/mcexec_bench.sh")
    a = ap.parse_args()
    if a.top < 1:
        sys.exit("report_plot: --top must be at least 1")
    if not a.reports and not a.noise:
        sys.exit("report_plot: nothing to draw: give REPORT.json files, --noise NOISE.csv or both")
    reports = []
    for p in a.reports:
        r = load(p)
        reports.append((label_of(p, r), r))
    noise = load_noise(a.noise) if a.noise else None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("report_plot: needs python3-matplotlib (apt install python3-matplotlib)")

    with_latency = [(label, r) for label, r in reports if LATENCY_KEY in r]
    if reports and not with_latency:
        print(f"report_plot: no {LATENCY_KEY} in the reports (mcexec before report version 2): "
              "no latency histogram", file=sys.stderr)
    rows = (1 if reports else 0) + (1 if with_latency else 0) + (1 if noise else 0)
    fig = plt.figure(figsize=(13, 5 * rows))
    grid = fig.add_gridspec(rows, 3)
    row = 0
    if reports:
        # Stages are measured per process: merged reports have none.
        with_stages = [(label, r) for label, r in reports if "offload_stages_us" in r]
        draw_calls(fig.add_subplot(grid[row, :2] if with_stages else grid[row, :]), reports, a.top)
        if with_stages:
            draw_stages(fig.add_subplot(grid[row, 2]), with_stages)
        row += 1
    if with_latency:
        draw_latency(fig.add_subplot(grid[row, :]), with_latency)
        row += 1
    if noise:
        draw_noise(fig.add_subplot(grid[row, :2]), fig.add_subplot(grid[row, 2]), noise)

    fig.tight_layout()
    fig.savefig(a.output, dpi=100)
    print(f"report_plot: wrote {a.output}")


if __name__ == "__main__":
    main()
