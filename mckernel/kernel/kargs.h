// SPDX-License-Identifier: GPL-2.0
// Kernel arguments (ihkosctl N kargs "..."), parsed once at boot.
#pragma once

#include <stdint.h>

namespace mck {

constexpr uint32_t OFFLOAD_SPIN_MAX_US = 1000; // MCEXEC_SPIN_MAX_US (kernel/offload.cpp checks)

struct KernelArgs {
    bool hidos = false;              // IHK compatibility; accepted, no effect yet
    uint32_t dump_level = 24;        // IHK compatibility; what a dump would include
    bool allow_oversubscribe = false;// more threads than CPUs may share a CPU
    // How long a thread polls for the answer to an offloaded call before it
    // sleeps (microseconds, at most MCEXEC_SPIN_MAX_US; 0: never). mcexec
    // --offload-spin overrides it per process.
    uint32_t offload_spin_us = 200;
    // Private memory a process may be promised (docs/lwk.md, "Overcommit"):
    // Heuristic, as Linux's default, gives a mapping that does not fit in the
    // free memory its pages on first touch; Strict holds a page for every page
    // promised, so a mapping, or a fork, that cannot have them fails (ENOMEM).
    enum class Overcommit { Heuristic, Strict } overcommit = Overcommit::Heuristic;
    // Test hooks (docs/lwk.md): never set them in production.
    // Fault on purpose: before reporting RUNNING (boot) or a second after (running);
    // or take two locks out of order before RUNNING (lock_order).
    enum class Fault { None, Boot, Running, LockOrder } test_fault = Fault::None;
    int32_t test_hang_cpu = -1;      // this CPU stops with interrupts off
    bool test_fill_memory = false;   // write a pattern over all free memory at boot
    bool test_check_memory = false;  // count non-zero bytes in free memory at boot
};

const KernelArgs& kargs();
void kargs_parse(const char* text);

} // namespace mck
