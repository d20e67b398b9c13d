// SPDX-License-Identifier: GPL-2.0
// Running one offloaded system call on Linux, as the program's: the offload
// policy (policy.h) applied to its direct arguments, and the calls whose
// arguments hold further pointers or descriptors (iovecs, message headers,
// descriptor ranges) rebuilt from checked copies in mcexec's own memory, so
// the program can neither name mcexec's memory or descriptors nor change an
// argument after it was checked (docs/security.md).
#pragma once

#include "policy.h"
#include "spawn.h"

#include <cstdint>
#include <string>

namespace mcexec {

class LwkView;

struct ForwardConfig {
    int proc_fd;          // the process file, for pinning shared mappings
    std::string program;  // what /proc/self/exe names
    Reserved reserved;    // mcexec's own descriptors
    const LwkView* view = nullptr; // the LWK's view of the machine (lwk_view_tree.h), if made
};

// Run call @nr of the program's thread @tid (served under @token) with @args:
// its result or -errno.
// @keeps: the calling thread's, which execve passes on.
int64_t forward_call(const ForwardConfig& cfg, uint64_t token, uint32_t tid, uint64_t nr, const uint64_t args[6],
                     const ExecKeeps& keeps);
// In a fork child (one thread): forget the parent's other threads' locks.
void forward_after_fork();

} // namespace mcexec
