// SPDX-License-Identifier: GPL-2.0
// mcexec --report-group N:DIR: the program is one of N (the tasks of a job step
// on this node) whose JSON reports gather in DIR. The last of them to end
// merges all N and prints one line for people on standard error, which under
// Slurm is the job's output. docs/mcexec.md, "Reports".
#pragma once

#include "report.h"

#include <string>
#include <vector>

namespace mcexec {

// Make the group's directory (the user's own, 0700) if it is not there yet.
// False with errno when it cannot be made.
bool prepare_report_group(const ReportGroup& group);

// Put this program's report @text into the group as @path (DIR/task-PID.json):
// written aside (PATH.part) and renamed, so the others never count or read it
// half written. False with errno on failure (nothing is left behind).
bool write_task_report(const std::string& path, const std::string& text);

// After this program's report is in DIR: when all N are, the first to see it
// (an O_EXCL marker decides) prints the group's line.
void finish_report_group(const ReportGroup& group);

// The text of every task report in @dir (the Slurm helper's per-job report reads
// each step's group too). Only regular files, never through a link, at most 1 MiB each.
std::vector<std::string> read_group_reports(const std::string& dir);

} // namespace mcexec
