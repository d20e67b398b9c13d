// SPDX-License-Identifier: GPL-2.0
// printf-style formatting into a buffer (no allocation, no floating point).
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace mck {

// Supports %% %c %s %d %i %u %x %X %p with flags '-' '0', a width, a precision
// for %s (digits or *), and the
// length modifiers l, ll, z. Always NUL-terminates; returns the length written.
size_t vformat(char* buf, size_t size, const char* fmt, va_list ap);
[[gnu::format(printf, 3, 4)]] size_t format(char* buf, size_t size, const char* fmt, ...);

} // namespace mck
