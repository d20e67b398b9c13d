// SPDX-License-Identifier: GPL-2.0
// The Linux side of a running program: worker threads take the system calls
// McKernel offloads (MCEXEC_WAIT), run them here as the user, and answer
// (MCEXEC_REPLY); there is always one idle worker, so a call that blocks
// never holds up another. The main thread forwards signals sent to mcexec.
// When the program ends, mcexec ends the same way (exit status or signal).
#pragma once

#include "forward.h"
#include "report.h"

#include <string>

namespace mcexec {

// mcexec --report: where and how to write the LWK's report when the program ends.
struct ReportConfig {
    bool enabled = false;
    std::string file;     // empty: standard error
    bool json = false;
    uint32_t cpu_first = 0;
    ReportGroup group{};  // --report-group: file is the group's, and the last one sums up
};

struct ProxyConfig {
    int proc_fd;          // the process file from MCEXEC_CREATE
    int os_index;
    std::string program;  // for messages
    ForwardConfig forward;
    ReportConfig report{};
};

// Serve the program until it ends; never returns.
[[noreturn]] void serve(const ProxyConfig& config);
// In a fork child (the one thread left): start afresh before serve().
void proxy_after_fork();

} // namespace mcexec
