// SPDX-License-Identifier: GPL-2.0
// SpinLock and its RAII guard, which also keeps interrupts off while held.
#pragma once

#include <stdint.h>

namespace mck {

class SpinLock {
public:
    void lock()
    {
        while (__atomic_exchange_n(&m_locked, 1, __ATOMIC_ACQUIRE))
            while (__atomic_load_n(&m_locked, __ATOMIC_RELAXED))
                asm volatile("pause");
    }
    // Spin at most @spins times; false if the lock stayed taken.
    bool try_lock(uint64_t spins)
    {
        for (uint64_t i = 0; i < spins; i++) {
            if (!__atomic_load_n(&m_locked, __ATOMIC_RELAXED) && !__atomic_exchange_n(&m_locked, 1, __ATOMIC_ACQUIRE))
                return true;
            asm volatile("pause");
        }
        return false;
    }
    void unlock() { __atomic_store_n(&m_locked, 0, __ATOMIC_RELEASE); }

private:
    uint32_t m_locked = 0;
};

class [[nodiscard]] SpinLockGuard {
public:
    explicit SpinLockGuard(SpinLock& lock) : m_lock(lock)
    {
        asm volatile("pushfq; popq %0; cli" : "=r"(m_flags)::"memory");
        m_lock.lock();
    }
    ~SpinLockGuard()
    {
        m_lock.unlock();
        if (m_flags & (1 << 9))
            asm volatile("sti" ::: "memory");
    }
    SpinLockGuard(const SpinLockGuard&) = delete;
    SpinLockGuard& operator=(const SpinLockGuard&) = delete;

private:
    SpinLock& m_lock;
    uint64_t m_flags;
};

} // namespace mck
