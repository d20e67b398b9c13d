// SPDX-License-Identifier: GPL-2.0
// Instance-wide counters (kernel/usage.h). Only the CPU itself writes its
// cpu[] entry; Linux reads the block at any time, so a reading may be off by
// the one interval being closed at that moment.
#include <kernel/boot.h>
#include <kernel/usage.h>

#include <arch/cpu.h>
#include <arch/percpu.h>

namespace mck {
namespace {

ihk_lwk_rusage& usage() { return boot_param_mut().rusage; }

void add(volatile uint64_t& field, uint64_t v) { __atomic_fetch_add(&field, v, __ATOMIC_RELAXED); }

// Counts of live things with a high-water mark.
void up(volatile uint32_t& now, volatile uint32_t& peak)
{
    uint32_t n = __atomic_add_fetch(&now, 1, __ATOMIC_RELAXED);
    uint32_t old = __atomic_load_n(&peak, __ATOMIC_RELAXED);
    while (n > old && !__atomic_compare_exchange_n(&peak, &old, n, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

void down(volatile uint32_t& now) { __atomic_sub_fetch(&now, 1, __ATOMIC_RELAXED); }

} // namespace

void usage_cpu_state(uint32_t state)
{
    ihk_boot_param& bp = boot_param_mut();
    uint32_t i = arch::this_cpu()->index;
    ihk_lwk_cpu_time& c = bp.rusage.cpu[i];
    uint64_t now = arch::rdtsc(), since = c.since;
    uint32_t old = bp.cpu_state[i];
    if (since && now > since && old < 3)
        c.tsc[old] = c.tsc[old] + (now - since);
    c.since = now;
    __atomic_store_n(&bp.cpu_state[i], state, __ATOMIC_RELAXED);
}

void usage_cpu_entry(Entry kind)
{
    ihk_lwk_cpu_time& c = usage().cpu[arch::this_cpu()->index];
    volatile uint64_t& n = kind == Entry::Syscall ? c.syscalls : kind == Entry::Exception ? c.exceptions : c.interrupts;
    n = n + 1; // only this CPU writes its entry
}

void usage_cpu_up()
{
    uint64_t now = arch::rdtsc();
    ihk_lwk_rusage& u = usage();
    if (!u.boot_tsc)
        u.boot_tsc = now;
    u.cpu[arch::this_cpu()->index].since = now;
}

void usage_process_start()
{
    up(usage().processes, usage().processes_peak);
    add(usage().processes_started, 1);
}

void usage_process_end() { down(usage().processes); }

void usage_thread_start() { up(usage().threads, usage().threads_peak); }

void usage_thread_end() { down(usage().threads); }

void usage_offload() { add(usage().offloads, 1); }

void usage_page_fault() { add(usage().page_faults, 1); }

} // namespace mck
