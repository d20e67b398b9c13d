// SPDX-License-Identifier: GPL-2.0
// New processes of the program: the Linux side of fork and exec.
//
// fork: McKernel copies the process and keeps the child aside; mcexec forks
// (the child inherits the program's descriptors, working directory and
// limits, as Linux's fork would give them), and the child mcexec adopts the
// LWK child and serves it. wait4, kill and SIGCHLD then work on the mcexec
// processes, whose pids are the programs'.
// exec: mcexec checks what Linux's execve would refuse (while the program can
// still hear the error), then execs a fresh mcexec for the new program with
// the same share of the instance; its old LWK process ends with the old image.
// Programs named in MCEXEC_LINUX_PROGRAMS run on Linux instead (docs/mcexec.md).
#pragma once

#include "policy.h"

#include <mcexec/abi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mcexec {

struct SpawnConfig {
    int os_index = 0;
    int os_fd = -1;                        // the instance's descriptor (reserved)
    uint32_t cpu_first = 0, cpu_count = 0; // the share new processes keep
    uint64_t mem_limit = 0;
    std::string self;                      // mcexec's own executable
    std::string linux_programs;            // MCEXEC_LINUX_PROGRAMS at start
    std::vector<std::string> policy_args;  // --offload-spin: kept across execve
    std::vector<std::string> report_args;  // --report, --report-format: the program after execve reports
    [[noreturn]] void (*become_child)(uint64_t token) = nullptr; // the fork child's way on
};

void spawn_init(const SpawnConfig& config);
// A fork child's mcexec writes no report, nor does what it execs.
void spawn_drop_report();

// MCK_SYS_FORK: the child's pid once its mcexec adopted the LWK process (or
// died trying), or -errno. In the child, never returns.
int64_t fork_call(uint64_t token);
// In the fork child, once MCEXEC_CREATE made it the LWK process's mcexec:
// lets the parent's fork_call return.
void fork_child_adopted();
// What execve keeps of the calling thread: its signal mask and the signals
// pending that it blocks (bit sig - 1), its NUMA policy and its CPUs.
struct ExecKeeps {
    uint64_t blocked = 0, pending = 0;
    mck_exec_keeps thread{};
};
// execve/execveat of the program: only returns on an error (-errno).
// @own_exe: the program's file, which /proc/self/exe names for it (empty
// without the LWK's view: then it names mcexec, as Linux sees it).
int64_t exec_call(const Reserved& reserved, uint64_t nr, const uint64_t a[6], const ExecKeeps& keeps,
                  const std::string& own_exe);

} // namespace mcexec
