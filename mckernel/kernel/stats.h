// SPDX-License-Identifier: GPL-2.0
// What the LWK counts per process for mcexec --report: the statistics block
// (struct mck_proc_stats in mcexec/abi.h) lives in the process's shared block,
// so mcctrl can copy it at exit without asking us. Updates are relaxed atomic
// adds from any CPU; nothing here takes a lock or blocks.
#pragma once

#include <mcexec/abi.h>
#include <stdint.h>

namespace mck {

struct Process;
struct Thread;

// A new process's block (CREATE or fork adoption): version, TSC rate, CPUs.
void stats_init(Process* p);
// START: the program begins to run.
void stats_start(Process* p);
// Entering the kernel on this CPU: a system call (@syscall) or an interrupt
// or exception; charges the user time since the last return to user mode.
void stats_enter(bool syscall);
// Leaving for user mode.
void stats_leave();
// A local system call handled.
void stats_local_call(uint64_t nr);
// An offloaded call finished: @start/@end TSC around it, the stamps in @o,
// @spun if it completed while the thread spun.
void stats_offload_call(uint64_t nr, uint64_t start, uint64_t end, const mck_offload& o, bool spun);
void stats_context_switch(Process* p);
void stats_thread_start(Process* p);
// A thread ends: its user and kernel time.
void stats_thread_end(Thread* t);
// The last thread ended: peak memory, faults, end time. Before EXIT goes out.
void stats_process_end(Process* p);

} // namespace mck
