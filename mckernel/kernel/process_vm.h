// SPDX-License-Identifier: GPL-2.0
// What process_vm_readv/writev between LWK processes (kernel/process_vm.cpp)
// needs to know of the rest: which credentials it may still trust. Core
// files (kernel/coredump.cpp) use the same ones.
#pragma once

#include <stdint.h>

namespace mck {

struct Process;

struct Creds {
    uint32_t uid[3], gid[3], flags; // real, effective, saved; MCK_CRED_*
};

// What mcctrl recorded for @p when it was created (mck_proc_shared), unless
// the program may have changed it since (process_vm_note_offload): false
// then, and when mcctrl recorded nothing.
bool creds_of(Process* p, Creds* c);

// Linux's ptrace_may_access with real credentials (PTRACE_MODE_*_REALCREDS)
// of @caller on @target, from the recorded credentials: AskLinux when they
// are not trusted (creds_of).
enum class Access { Allowed, Denied, AskLinux };
Access process_may_access(Process* caller, Process* target);

// Call @nr, about to be offloaded by @p, may change its credentials: the
// LWK stops trusting the ones mcctrl recorded and leaves process_vm calls
// with @p on either side to Linux from then on.
void process_vm_note_offload(Process* p, uint64_t nr, const uint64_t args[6]);
// fork: @child's program is as dumpable as @parent's (its mcexec never is),
// and its credentials as trusted.
void process_vm_fork(Process* parent, Process* child);

} // namespace mck
