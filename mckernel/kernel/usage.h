// SPDX-License-Identifier: GPL-2.0
// What the whole instance has done since boot, published for Linux in the boot
// parameter block (struct ihk_lwk_rusage, ihk/boot.h; `ihkosctl N get rusage`).
// Per-process numbers are kernel/stats.h's. Every update is a relaxed store or
// atomic add: nothing here takes a lock, blocks or interrupts anyone.
#pragma once

#include <stdint.h>

namespace mck {

// This CPU changes state (IHK_LWK_CPU_*): charge the time since its last change
// to the old state, then publish the new one in cpu_state[].
void usage_cpu_state(uint32_t state);
// This CPU entered the kernel: a system call, an exception (vector < 32) or an interrupt.
enum class Entry { Syscall, Exception, Interrupt };
void usage_cpu_entry(Entry kind);
// This CPU reached the kernel for the first time (the first CPU: boot time too).
void usage_cpu_up();

void usage_process_start();
void usage_process_end();
void usage_thread_start();
void usage_thread_end();
void usage_offload();
void usage_page_fault();

} // namespace mck
