// SPDX-License-Identifier: GPL-2.0
// Kernel timers: a callback at a TSC deadline on the tickless timer of the CPU
// that armed it (kernel/sched.cpp keeps them with its sleepers, so a CPU with
// no timer armed takes no timer interrupt).
//
// A timer belongs to a process (@owner), which must cancel it before its last
// thread is gone (then nothing arms it again). While it is armed, its CPU's
// list holds it; when it expires, the interrupt takes it off the list, takes
// a reference on @owner, runs @fire with no lock held and drops the
// reference. @fire may arm it again.
#pragma once

#include <stdint.h>

namespace mck {

struct Process;

struct Timer {
    uint64_t deadline = 0;             // TSC
    void (*fire)(Timer*) = nullptr;
    Process* owner = nullptr;
    Timer* next = nullptr;             // in its CPU's list
    uint32_t cpu = ~0u;                // whose list holds it; ~0u: not armed
};

// Arm (or move) @t to expire at TSC @deadline, on this CPU.
void timer_arm(Timer* t, uint64_t deadline);
// Disarm @t; false if it was not armed (it may be firing now).
bool timer_cancel(Timer* t);
// Is @t armed (on some CPU's list)?
bool timer_armed(const Timer* t);

} // namespace mck
