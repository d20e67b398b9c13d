// SPDX-License-Identifier: GPL-2.0
// The scheduler: one run queue per CPU, round robin, tickless. The LAPIC timer
// is armed only while another thread waits for this CPU or a sleeper has a
// deadline; a CPU with nothing to run halts.
#pragma once

#include <kernel/process.h>

#include <stdint.h>

namespace mck {

constexpr uint64_t SLICE_US = 10000;

void sched_init_cpu(uint32_t index);      // before the CPU schedules
[[noreturn]] void sched_idle();           // this CPU's idle loop
void schedule();                          // give the CPU to the next runnable thread
void sched_add(Thread* t);                // a new thread lives on t->cpu (still Blocked)
void sched_wake(Thread* t);               // Blocked -> Runnable (or remember the wake)
void sched_kick(Thread* t);               // make it pass through the kernel soon (killed, signal)
bool sched_runs(uint32_t cpu, const Process* p); // is a thread of @p on @cpu now
// Block the calling thread until sched_wake(), or until the TSC reaches
// @deadline (0: none). Returns false on timeout.
bool sched_block(uint64_t deadline);
void sched_timer_irq();
uint64_t deadline_after_us(uint64_t us); // a TSC deadline for sched_block()
void sched_resched_irq();
bool sched_need_resched();
// Threads waiting for an offloaded call on this CPU; completed ones are woken
// by sched_offload_doorbell().
void sched_offload_wait_add(Thread* t);
void sched_offload_wait_remove(Thread* t);
void sched_offload_doorbell();
// Does another thread wait for this CPU (then the caller should not spin)?
bool sched_others_waiting();
uint32_t sched_load(uint32_t cpu);         // threads on @cpu
// The calling thread is dead: switch away for good; the next thread on this
// CPU drops its life reference (kernel/process.h).
[[noreturn]] void sched_exit();

} // namespace mck
