// SPDX-License-Identifier: GPL-2.0
// The lock-order check (lib/spinlock.h): each CPU records the ranks of the
// locks it holds in its per-CPU block. Locks are only held with interrupts
// off and never across a switch, so the set belongs to the CPU, not a thread.
#include <kernel/boot.h>
#include <kernel/lock_rank.h>
#include <lib/spinlock.h>

#include <arch/cpu.h>
#include <arch/percpu.h>

namespace mck {
namespace {

bool g_checking; // per-CPU blocks exist (lock_rank_start)

const char* lock_rank_name(unsigned rank)
{
    switch (LockRank(rank)) {
    case LockRank::Processes: return "process table";
    case LockRank::Exited: return "ended processes";
    case LockRank::Process: return "process";
    case LockRank::Futex: return "futex table";
    case LockRank::RunQueue: return "run queue";
    case LockRank::IkcSend: return "IKC send";
    case LockRank::Heap: return "kernel heap";
    case LockRank::Pages: return "page allocator";
    case LockRank::Log: return "log";
    }
    return "?";
}

} // namespace

void lock_rank_start() { __atomic_store_n(&g_checking, true, __ATOMIC_RELEASE); }

#ifdef MCK_LOCK_CHECKS

void lock_rank_acquire(LockRank rank)
{
    if (!__atomic_load_n(&g_checking, __ATOMIC_RELAXED))
        return;
    uint32_t& held = arch::this_cpu()->locks_held;
    uint32_t r = uint32_t(rank);
    // Any held rank >= r: out of order (or the same lock twice, which would spin forever).
    if (held >> r) {
        unsigned top = 31 - __builtin_clz(held);
        held = 0; // panic's own logging must not trip over it
        panic("lock order: taking the %s lock while holding the %s lock", lock_rank_name(r), lock_rank_name(top));
    }
    held |= 1u << r;
}

void lock_rank_release(LockRank rank)
{
    if (__atomic_load_n(&g_checking, __ATOMIC_RELAXED))
        arch::this_cpu()->locks_held &= ~(1u << uint32_t(rank));
}

void lock_rank_assert_none(const char* where)
{
    if (!__atomic_load_n(&g_checking, __ATOMIC_RELAXED))
        return;
    uint32_t held = arch::this_cpu()->locks_held;
    if (held) {
        arch::this_cpu()->locks_held = 0;
        panic("lock order: %s while holding the %s lock", where, lock_rank_name(31 - __builtin_clz(held)));
    }
}

#else

void lock_rank_acquire(LockRank) {}
void lock_rank_release(LockRank) {}
void lock_rank_assert_none(const char*) {}

#endif

} // namespace mck
