// SPDX-License-Identifier: GPL-2.0
// SpinLock and its RAII guard, which also keeps interrupts off while held.
//
// Every lock has a rank and the ranks are the LWK's lock order: a CPU may take
// a lock only while every lock it holds has a lower rank (so no two locks of
// one rank are ever held together either). With MCK_LOCK_CHECKS (the default
// build) each CPU keeps the set of ranks it holds and a violation, which is a
// deadlock waiting to happen, panics at once naming both locks, instead of
// hanging the CPU when the race finally hits. No lock is held across a context
// switch (schedule() checks).
#pragma once

#include <arch/cpu.h>
#include <stdint.h>

namespace mck {

// Outer to inner. Keep lock_rank_name() (kernel/lock_rank.cpp) in step.
enum class LockRank : uint8_t {
    Processes = 1, // the process table (kernel/process.cpp)
    Exited,        // usage of ended processes until reaped (kernel/rusage.cpp)
    Process,       // Process::lock: address space, threads, signal state
    Futex,         // the futex wait table (kernel/futex.cpp)
    RunQueue,      // one CPU's run queue (kernel/sched.cpp)
    IkcSend,       // the producers of one to-Linux IKC ring and its outbox (kernel/ikc.cpp)
    Heap,          // the kernel heap (lib/runtime.cpp); refills from the page allocator
    Pages,         // the page allocator (kernel/mem.cpp)
    Log,           // the kernel log: try_lock only, taken under any lock, never checked
};

// Record that this CPU takes / released a lock of @rank (kernel/lock_rank.cpp);
// panics on an out-of-order acquisition.
void lock_rank_acquire(LockRank rank);
void lock_rank_release(LockRank rank);
// Panic if this CPU holds any checked lock (@where names the caller).
void lock_rank_assert_none(const char* where);

class SpinLock {
public:
    constexpr explicit SpinLock(LockRank rank) : m_rank(rank) {}

    void lock()
    {
        lock_rank_acquire(m_rank); // before spinning: a self-deadlock panics instead of hanging
        while (__atomic_exchange_n(&m_locked, 1, __ATOMIC_ACQUIRE))
            while (__atomic_load_n(&m_locked, __ATOMIC_RELAXED))
                asm volatile("pause");
    }
    // Spin at most @spins times; false if the lock stayed taken. Bounded, so
    // it cannot deadlock and is not rank-checked (the log takes it anywhere).
    bool try_lock(uint64_t spins)
    {
        for (uint64_t i = 0; i < spins; i++) {
            if (!__atomic_load_n(&m_locked, __ATOMIC_RELAXED) && !__atomic_exchange_n(&m_locked, 1, __ATOMIC_ACQUIRE)) {
                m_unchecked = true;
                return true;
            }
            asm volatile("pause");
        }
        return false;
    }
    void unlock()
    {
        bool checked = !m_unchecked;
        m_unchecked = false;
        __atomic_store_n(&m_locked, 0, __ATOMIC_RELEASE);
        if (checked)
            lock_rank_release(m_rank);
    }

    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

private:
    uint32_t m_locked = 0;
    LockRank m_rank;
    bool m_unchecked = false; // taken by try_lock
};

class [[nodiscard]] SpinLockGuard {
public:
    explicit SpinLockGuard(SpinLock& lock) : m_lock(lock), m_flags(arch::irq_save())
    {
        m_lock.lock();
    }
    ~SpinLockGuard()
    {
        m_lock.unlock();
        arch::irq_restore(m_flags);
    }
    SpinLockGuard(const SpinLockGuard&) = delete;
    SpinLockGuard& operator=(const SpinLockGuard&) = delete;

private:
    SpinLock& m_lock;
    uint64_t m_flags;
};

} // namespace mck
