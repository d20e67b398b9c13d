// SPDX-License-Identifier: GPL-2.0
// Offloading a system call to Linux: the calling thread fills its offload
// block (mcexec/abi.h), tells mcctrl through its CPU's IKC ring and blocks
// until mcctrl marks the block DONE and rings our doorbell. mcexec runs the
// call with the program's pointers, which the unified address space resolves.
#pragma once

#include <stdint.h>

namespace mck {

struct Thread;

// Run system call @nr on Linux; its result or -errno. -EINTR if the process
// is being torn down meanwhile. When @nr is the program's own call (not one
// the LWK makes for its own ends), a signal for the thread may interrupt it:
// then -ERESTARTSYS, -ERESTARTNOINTR or -EINTR, by Linux's rules for the call.
int64_t offload(uint64_t nr, const uint64_t args[6]);
// A call the LWK makes for its own ends inside a program's call of the same
// number (setitimer taking over Linux's timer): it runs to its end, never
// interrupted; otherwise as offload().
int64_t offload_for_lwk(uint64_t nr, const uint64_t args[6]);
// The program's own call, also under another number than the one it made
// (epoll_pwait2 waited on again as epoll_pwait): a signal may interrupt it.
int64_t offload_program(uint64_t nr, const uint64_t args[6]);

// A signal the program handles came for @t: if @t waits in an interruptible
// offloaded call, ask Linux to interrupt it (MCEXEC_INTERRUPT_SIGNAL in
// mcexec/abi.h). Any context; no locks held.
void offload_interrupt(Thread* t);

} // namespace mck
