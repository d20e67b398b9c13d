// SPDX-License-Identifier: GPL-2.0
// mcexec --report: what McKernel counted for the program (struct
// mck_proc_stats, mcexec/abi.h) as a short table for people or as JSON for
// tools (the Slurm plugin's per-job report reads it; the format is in
// docs/mcexec.md and bench/report_schema.json). Pure functions: no I/O.
#pragma once

#include <mcexec/abi.h>

#include <cstdint>
#include <optional>
#include <string>

namespace mcexec {

struct ReportInfo {
    std::string program;
    uint32_t pid = 0;
    int os_index = 0;
    int exit_status = 0;      // wait(2) encoding
    uint32_t cpu_first = 0;   // the share's first CPU of the instance
};

// The name of x86-64 system call @nr ("nr_N" if unknown; "other" for the overflow slot).
std::string syscall_name(uint64_t nr);
std::string report_text(const mck_proc_stats& s, const ReportInfo& info);
std::string report_json(const mck_proc_stats& s, const ReportInfo& info);

// --report-group N:DIR: this program is one of @size whose reports gather in @dir.
struct ReportGroup {
    uint32_t size = 0; // 0: no group
    std::string dir;
};
std::optional<ReportGroup> parse_report_group(const std::string& value);

} // namespace mcexec
