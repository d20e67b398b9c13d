// SPDX-License-Identifier: GPL-2.0
// RefPtr<T>: an owning reference to a reference-counted kernel object. The
// object's type provides ref_acquire(T*) and ref_release(T*) (found by
// argument-dependent lookup); the last release frees it.
#pragma once

namespace mck {

template <typename T>
class [[nodiscard]] RefPtr {
public:
    RefPtr() = default;
    // Take a new reference to @p (which the caller keeps alive meanwhile, e.g. under a lock).
    explicit RefPtr(T* p) : m_ptr(p)
    {
        if (m_ptr)
            ref_acquire(m_ptr);
    }
    RefPtr(const RefPtr& o) : RefPtr(o.m_ptr) {}
    RefPtr(RefPtr&& o) : m_ptr(o.m_ptr) { o.m_ptr = nullptr; }
    RefPtr& operator=(RefPtr o)
    {
        T* old = m_ptr;
        m_ptr = o.m_ptr;
        o.m_ptr = old;
        return *this;
    }
    ~RefPtr() { reset(); }

    void reset()
    {
        if (T* p = m_ptr) {
            m_ptr = nullptr;
            ref_release(p);
        }
    }
    T* get() const { return m_ptr; }
    T* operator->() const { return m_ptr; }
    T& operator*() const { return *m_ptr; }
    explicit operator bool() const { return m_ptr != nullptr; }

private:
    T* m_ptr = nullptr;
};

} // namespace mck
