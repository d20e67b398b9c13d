// SPDX-License-Identifier: GPL-2.0
// Many mcexec --report JSON reports (report.h) made into one: the tasks of a
// job step on a node (mcexec --report-group, whose last task prints the
// summary line) or of a whole job on a node (the Slurm helper's per-job
// report). Pure functions: no I/O. The format is in docs/mcexec.md.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mcexec {

struct MergedReports {
    nlohmann::json report;           // "mckernel-group-report"
    std::vector<std::string> errors; // one per input that was not a process report
};

// @reports: the text of each process report. Inputs that are not one (bad JSON,
// another format, wrong types) are left out and named in errors.
MergedReports merge_reports(const std::vector<std::string>& reports);

// One line for people, e.g.
// "mck: 4 tasks, 12,345 offloads (98% read/write), 0 page faults, 3 interrupts and exceptions on LWK CPUs"
std::string summary_line(const nlohmann::json& merged);

} // namespace mcexec
