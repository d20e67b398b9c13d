// SPDX-License-Identifier: GPL-2.0
// Running the root helper from the plugin: a child in its own process group,
// its stdout and stderr captured, killed (the whole group) at a deadline, so a
// stuck helper cannot hold slurmd's prolog or epilog forever.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace mckslurm {

struct RunResult {
    int code = -1;          // exit status; -1 if it could not run, was killed or timed out
    bool timed_out = false;
    std::string output;     // stdout and stderr, at most 64 KiB
};

RunResult run_with_timeout(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

} // namespace mckslurm
