// SPDX-License-Identifier: GPL-2.0
// Interval timers (setitimer, getitimer, alarm) on the LWK's clocks: ITIMER_REAL
// on CLOCK_MONOTONIC, ITIMER_VIRTUAL and ITIMER_PROF on the process's CPU time
// as the LWK counts it. They run on the kernel timers of kernel/timer.h.
#pragma once

#include <kernel/process.h>

namespace mck {

// The last thread of @p ended: disarm its timers for good.
void itimer_process_end(Process* p);
// execve: Linux keeps ITIMER_REAL across it, so the LWK hands its timer to
// Linux (mcexec's, which survives the exec) before, and takes it back if the
// exec failed. The new image takes it over at its first itimer call.
void itimer_exec_begin(Thread* t);
void itimer_exec_failed(Thread* t);
// RLIMIT_CPU of @p (Process::rlimits[MCK_RLIMIT_CPU]) was set, or @p started:
// check its CPU time against it as Linux does (SIGXCPU at the soft limit and
// every second past it, SIGKILL at the hard limit), on the kernel timer of a
// fourth CPU-time timer. Nothing is armed while the soft limit is infinite.
void itimer_cpu_limit_changed(Process* p);

} // namespace mck
