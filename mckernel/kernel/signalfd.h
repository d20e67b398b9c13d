// SPDX-License-Identifier: GPL-2.0
// signalfd on the LWK. The program's signals are the LWK's (kernel/signal.h),
// so a signalfd Linux made would only ever see mcexec's. The descriptor is
// still Linux's, so that it lives in the program's table like any other
// (close, dup, fork, poll, select, epoll): an eventfd, which mcexec keeps
// readable while a signal of the mask is pending (MCK_SYS_SIGNALFD_READY), and
// whose read() the LWK answers with those signals. Readiness is brought up to
// date before each wait for descriptors the process offloads; a signal of a
// mask that comes during such a wait interrupts it, and the wait starts again
// after the update, so a program polling its signalfd wakes. Why this and not
// a descriptor of the LWK's own: docs/lwk.md.
#pragma once

#include <kernel/process.h>
#include <kernel/syscall.h>

#include <stdint.h>

namespace mck {

// Call @nr, to be offloaded for a process that has had a signalfd: answered
// here (true, in @ret) when it reads one, waits for descriptors, or makes,
// closes or copies descriptors (which the table follows).
bool signalfd_call(uint64_t nr, SyscallArgs& a, int64_t& ret);
// Offload the wait for descriptors @nr (poll, select, epoll_wait and their p*
// forms) with args @args, readiness of the process's signalfds up to date.
int64_t signalfd_offload_wait(uint64_t nr, uint64_t args[6]);
// @sig was queued for @p or one of its threads.
void signalfd_signal_sent(Process* p, int sig);
// A fork child's mcexec has its parent's descriptors: the child has its signalfds.
void signalfd_fork(Process* parent, Process* child);
// The process is going.
void signalfd_free(Process* p);

} // namespace mck
