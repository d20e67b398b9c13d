#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes one manual page from a program's own --help and --version (help2man).

  genman.py --out PAGE --section N --name WHAT [--include FILE]...
            [--help-option -h] [--version-string TEXT] [--program NAME] -- COMMAND...

COMMAND (with any leading arguments, e.g. "ihkconfig 0") is run with --help. Its
subcommands (CLI11's "Subcommands:" lists) are walked and every leaf becomes an
entry of a COMMANDS section with its own positionals and options, and an
"Examples:" block becomes EXAMPLES, printed as written. help2man turns the rest
into NAME, SYNOPSIS, DESCRIPTION and OPTIONS, and adds the hand-written include
files (FILES, EXIT STATUS, SEE ALSO...). So --help stays the one source of the
option text; the include files hold only what --help has no room for.
"""
import argparse
import os
import re
import stat
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60,
                       env=dict(os.environ, COLUMNS="80", LC_ALL="C"))
    if p.returncode != 0:
        sys.exit(f"genman: {' '.join(cmd)} exited with {p.returncode}:\n{p.stdout}")
    return p.stdout


def blocks(text):
    """CLI11's help as {heading: [(head, description)]} plus the lines before 'Usage:'."""
    lines = text.splitlines()
    intro, out, cur = [], {}, None
    for line in lines:
        if line.startswith("Usage:"):
            cur = "Usage"
            continue
        m = re.match(r"^(\S[^:]*):$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
            continue
        if cur is None:
            intro.append(line)
        elif cur in out and line.startswith("  ") and line.strip():
            if line.startswith("   ") and out[cur]:  # continuation of the entry above
                head, desc = out[cur][-1]
                out[cur][-1] = (head, (desc + " " + line.strip()).strip())
            else:
                parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
                out[cur].append((parts[0], parts[1] if len(parts) > 1 else ""))
    return intro, out


def roff(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + s if s[:1] in ".'" else s


def walk(cmd, path, leaves):
    intro, b = blocks(run(cmd + path + ["--help"]))
    subs = b.get("Subcommands", [])
    if path:
        opts = [(h, d) for h, d in b.get("Positionals", []) + b.get("Options", []) if h != "-h,--help"]
        if opts or not subs:
            leaves.append((path, " ".join(l.strip() for l in intro if l.strip()), opts))
    for name, _ in subs:
        walk(cmd, path + [name], leaves)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--section", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--include", action="append", default=[])
    ap.add_argument("--help-option", default="--help")
    ap.add_argument("--version-string")
    ap.add_argument("--program")
    ap.add_argument("--source", default="McKernel suite")
    ap.add_argument("command", nargs="+")
    a = ap.parse_args()
    cmd = a.command
    program = a.program or os.path.basename(cmd[0])
    help_text = run(cmd + [a.help_option])
    version = a.version_string or run(cmd + ["--version"])

    # The examples leave the help text for a section of their own, verbatim.
    # The subcommand list gives way to COMMANDS, which has each one in full.
    examples, kept, skip = [], [], None
    for line in help_text.splitlines():
        if line.strip() in ("Examples:", "Subcommands:"):
            skip = line.strip()
            continue
        if skip and line.startswith(" ") and line.strip():
            if skip == "Examples:":
                examples.append(line.strip())
            continue
        skip = None
        kept.append(line)
    # A usage that goes on over indented lines (the scripts') is one line to help2man,
    # and options listed with no heading (the scripts') get the heading OPTIONS needs.
    joined = []
    for line in kept:
        if joined and joined[-1].startswith("Usage:") and line.startswith(" ") and line.strip() \
                and not line.lstrip().startswith("or:"):
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    kept = joined
    if not any(re.match(r"^\S[^:]*[Oo]ptions:$", l) for l in kept):
        first = next((i for i, l in enumerate(kept) if re.match(r"^  +-\S", l)), None)
        if first is not None:
            kept.insert(first, "Options:")
    text = "\n".join(kept) + "\n"
    # help2man wants a blank line between the description and "Usage:".
    text = re.sub(r"([^\n])\nUsage:", r"\1\n\nUsage:", text)

    gen = []
    if "Subcommands:" in help_text:
        leaves = []
        walk(cmd, [], leaves)
        gen.append("[COMMANDS]")
        for path, desc, opts in leaves:
            pos = [h.split()[0] for h, _ in opts if not h.startswith("-")]
            gen.append(".TP")
            gen.append("\\fB" + roff(" ".join(path)) + "\\fR" + "".join(" \\fI" + roff(p) + "\\fR" for p in pos))
            gen.append(roff(desc))
            for h, d in opts:
                gen += [".RS", ".TP", "\\fB" + roff(h) + "\\fR", roff(d), ".RE"]
    if examples:
        gen += ["[EXAMPLES]", ".nf"] + [roff(e) for e in examples] + [".fi"]

    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, program)
        with open(os.path.join(tmp, "help"), "w") as f:
            f.write(text)
        with open(os.path.join(tmp, "version"), "w") as f:
            f.write(version if version.endswith("\n") else version + "\n")
        with open(prog, "w") as f:
            f.write('#!/bin/sh\nd=$(dirname "$0")\n'
                    'case "$1" in --version) cat "$d/version" ;; *) cat "$d/help" ;; esac\n')
        os.chmod(prog, stat.S_IRWXU)
        h2m = ["help2man", "--no-info", "--section", a.section, "--name", a.name, "--source", a.source]
        if gen:
            inc = os.path.join(tmp, "generated.h2m")
            with open(inc, "w") as f:
                f.write("\n".join(gen) + "\n")
            h2m += ["--include", inc]
        for i in a.include:
            h2m += ["--include", i]
        page = subprocess.run(h2m + [prog], stdout=subprocess.PIPE, text=True, check=True).stdout
    # Nothing of the temporary wrapper may show: help2man names it in a comment.
    page = page.replace(tmp + "/", "")
    with open(a.out, "w") as f:
        f.write(page)


if __name__ == "__main__":
    main()
