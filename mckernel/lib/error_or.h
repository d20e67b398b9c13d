// SPDX-License-Identifier: GPL-2.0
// ErrorOr<T>: what a fallible kernel path returns, a value or an error; TRY()
// hands the error to the caller. The error is a Linux errno, because that is
// what every system call finally answers (SerenityOS's AK/Error.h has the same
// shape). [[nodiscard]]: an error cannot be dropped by accident.
#pragma once

#include <stdint.h>

namespace mck {

struct Error {
    int errno_value; // positive: ENOMEM, EFAULT, ...
    static Error from_errno(int e) { return Error{e}; }
};

template <typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(const T& value) : m_value(value), m_error(0) {}
    ErrorOr(Error e) : m_value(), m_error(e.errno_value) {}

    bool is_error() const { return m_error != 0; }
    Error error() const { return Error{m_error}; }
    T value() const { return m_value; }
    T release_value() { return m_value; }

private:
    T m_value;
    int m_error;
};

template <>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr() : m_error(0) {}
    ErrorOr(Error e) : m_error(e.errno_value) {}

    bool is_error() const { return m_error != 0; }
    Error error() const { return Error{m_error}; }
    void release_value() {}

private:
    int m_error;
};

// A system call's answer: the value, or -errno.
template <typename T>
int64_t to_syscall_result(const ErrorOr<T>& r)
{
    return r.is_error() ? -int64_t(r.error().errno_value) : int64_t(r.value());
}
inline int64_t to_syscall_result(const ErrorOr<void>& r) { return r.is_error() ? -int64_t(r.error().errno_value) : 0; }

} // namespace mck

// Evaluate @expr; on error return it from the calling function, else yield the value.
#define TRY(expr)                                \
    ({                                           \
        auto _try_result = (expr);               \
        if (_try_result.is_error())              \
            return _try_result.error();          \
        _try_result.release_value();             \
    })

// TRY() in a function that answers a system call: the error leaves as -errno.
#define TRY_SYSCALL(expr)                                        \
    do {                                                         \
        auto _try_result = (expr);                               \
        if (_try_result.is_error())                              \
            return -int64_t(_try_result.error().errno_value);    \
    } while (0)
