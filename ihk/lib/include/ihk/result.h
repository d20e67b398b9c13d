// SPDX-License-Identifier: LGPL-2.1-or-later
// Result<T>: a value or an error (errno plus a message naming the bad value).
// Shaped like std::expected so it can become one with C++23.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ihk {

struct Error {
    int code = 0;        // errno (EINVAL for parse errors)
    std::string message; // one line: what was wrong and what was expected
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool has_value() const { return m_v.index() == 0; }
    explicit operator bool() const { return has_value(); }
    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}

    bool has_value() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error& error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

inline Error make_error(int code, std::string message) { return Error{code, std::move(message)}; }

} // namespace ihk
