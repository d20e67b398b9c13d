// SPDX-License-Identifier: GPL-2.0
// Per-process counters (kernel/stats.h).
#include <kernel/boot.h>
#include <kernel/latency_bucket.h>
#include <kernel/process.h>
#include <kernel/stats.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>

namespace mck {
namespace {

static_assert(sizeof(mck_offload) == 192, "mck_offload is shared with mcctrl");
static_assert(sizeof(mck_proc_stats) % 8 == 0);

mck_proc_stats* stats_of(Process* p) { return p && p->shared ? &p->shared->stats : nullptr; }

void add(mck_u64& field, uint64_t v) { __atomic_fetch_add(&field, v, __ATOMIC_RELAXED); }

void raise_to(mck_u64& field, uint64_t v)
{
    uint64_t old = __atomic_load_n(&field, __ATOMIC_RELAXED);
    while (v > old && !__atomic_compare_exchange_n(&field, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

uint32_t nr_slot(uint64_t nr) { return nr < MCK_STATS_OTHER ? uint32_t(nr) : MCK_STATS_OTHER; }

uint32_t cpu_slot(const Process* p, uint32_t cpu)
{
    uint32_t i = cpu - p->cpu_first; // a CPU outside the share wraps to a large number
    return i < MCK_STATS_CPUS ? i : MCK_STATS_CPUS - 1;
}

} // namespace

void stats_init(Process* p)
{
    mck_proc_stats* s = stats_of(p);
    if (!s)
        return;
    s->version = MCK_STATS_VERSION;
    s->tsc_khz = boot_param().tsc_khz;
    uint32_t n = p->cpu_count ? p->cpu_count : boot_param().num_cpus;
    s->ncpus = n < MCK_STATS_CPUS ? n : MCK_STATS_CPUS;
    p->shared->lwk_spin_us = MCEXEC_SPIN_DEFAULT;
}

void stats_start(Process* p)
{
    if (mck_proc_stats* s = stats_of(p))
        __atomic_store_n(&s->start_tsc, arch::rdtsc(), __ATOMIC_RELAXED);
}

void stats_enter(bool syscall)
{
    Thread* t = current();
    if (!t)
        return;
    if (t->user_since) {
        t->user_tsc += arch::rdtsc() - t->user_since;
        t->user_since = 0;
    }
    if (mck_proc_stats* s = stats_of(t->proc)) {
        uint32_t c = cpu_slot(t->proc, arch::this_cpu()->index);
        add(syscall ? s->cpu_syscalls[c] : s->cpu_irqs[c], 1);
    }
}

void stats_leave()
{
    if (Thread* t = current())
        t->user_since = arch::rdtsc();
}

void stats_local_call(uint64_t nr)
{
    if (mck_proc_stats* s = stats_of(current()->proc))
        add(s->local[nr_slot(nr)], 1);
}

void stats_offload_call(uint64_t nr, uint64_t start, uint64_t end, const mck_offload& o, bool spun)
{
    mck_proc_stats* s = stats_of(current()->proc);
    if (!s)
        return;
    uint64_t d = end > start ? end - start : 0;
    mck_call_stat& c = s->offload[nr_slot(nr)];
    add(c.count, 1);
    add(c.total_tsc, d);
    raise_to(c.max_tsc, d);
    add(s->offload_latency[latency_bucket(tsc_to_ns(d, s->tsc_khz))], 1);
    add(s->offload_wait_tsc, d);
    if (spun)
        add(s->offload_spun, 1);
    // Stamps from Linux: used only when they are in order (a call answered
    // without them, or a TSC that is not synchronised, would skew the sums).
    uint64_t q = __atomic_load_n(&o.tsc_queued, __ATOMIC_RELAXED), k = __atomic_load_n(&o.tsc_taken, __ATOMIC_RELAXED),
             r = __atomic_load_n(&o.tsc_done, __ATOMIC_RELAXED);
    if (start <= q && q <= k && k <= r && r <= end) {
        add(s->stage_tsc[MCK_STAGE_SEND], q - start);
        add(s->stage_tsc[MCK_STAGE_PICKUP], k - q);
        add(s->stage_tsc[MCK_STAGE_CALL], r - k);
        add(s->stage_tsc[MCK_STAGE_RESUME], end - r);
        add(s->stage_calls, 1);
    }
}

void stats_context_switch(Process* p)
{
    if (mck_proc_stats* s = stats_of(p))
        add(s->ctx_switches, 1);
}

void stats_thread_start(Process* p)
{
    if (mck_proc_stats* s = stats_of(p))
        add(s->threads, 1);
}

void stats_thread_end(Thread* t)
{
    mck_proc_stats* s = stats_of(t->proc);
    if (!s)
        return;
    uint64_t run = t->run_tsc + (arch::rdtsc() - t->run_start);
    add(s->user_tsc, t->user_tsc);
    add(s->kernel_tsc, run > t->user_tsc ? run - t->user_tsc : 0);
}

void stats_process_end(Process* p)
{
    mck_proc_stats* s = stats_of(p);
    if (!s)
        return;
    s->page_faults = __atomic_load_n(&p->minflt, __ATOMIC_RELAXED);
    s->peak_rss = p->mem_peak;
    s->page_table_bytes = arch::mmu_table_peak_bytes(p->root);
    s->end_tsc = arch::rdtsc();
}

} // namespace mck
