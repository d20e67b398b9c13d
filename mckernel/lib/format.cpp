// SPDX-License-Identifier: GPL-2.0
// A small vsnprintf for the kernel log.
#include <lib/format.h>

#include <stdint.h>

namespace mck {
namespace {

struct Out {
    char* buf;
    size_t size;
    size_t len = 0;
    void put(char c)
    {
        if (len + 1 < size)
            buf[len] = c;
        len++;
    }
};

void put_number(Out& o, uint64_t v, unsigned base, bool upper, bool negative, int width, bool zero, bool left)
{
    char digits[24];
    int n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[v % base];
        v /= base;
    } while (v);
    int total = n + (negative ? 1 : 0);
    if (!left && !zero)
        for (int i = total; i < width; i++)
            o.put(' ');
    if (negative)
        o.put('-');
    if (!left && zero)
        for (int i = total; i < width; i++)
            o.put('0');
    while (n)
        o.put(digits[--n]);
    if (left)
        for (int i = total; i < width; i++)
            o.put(' ');
}

} // namespace

size_t vformat(char* buf, size_t size, const char* fmt, va_list ap)
{
    Out o{buf, size};
    for (const char* p = fmt; *p; p++) {
        if (*p != '%') {
            o.put(*p);
            continue;
        }
        bool left = false, zero = false;
        for (p++; *p == '-' || *p == '0'; p++)
            (*p == '-' ? left : zero) = true;
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int precision = -1;
        if (*p == '.') {
            p++;
            if (*p == '*') {
                precision = va_arg(ap, int);
                p++;
            } else {
                precision = 0;
                while (*p >= '0' && *p <= '9')
                    precision = precision * 10 + (*p++ - '0');
            }
        }
        int longs = 0;
        while (*p == 'l' || *p == 'z') {
            longs += *p == 'z' ? 2 : 1;
            p++;
        }
        switch (*p) {
        case 'c':
            o.put(static_cast<char>(va_arg(ap, int)));
            break;
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s)
                s = "(null)";
            size_t n = 0;
            while (s[n] && (precision < 0 || n < size_t(precision)))
                n++;
            if (!left)
                for (size_t i = n; i < size_t(width); i++)
                    o.put(' ');
            for (size_t i = 0; i < n; i++)
                o.put(s[i]);
            if (left)
                for (size_t i = n; i < size_t(width); i++)
                    o.put(' ');
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_number(o, v < 0 ? uint64_t(-(v + 1)) + 1 : uint64_t(v), 10, false, v < 0, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(o, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, zero, left);
            break;
        }
        case 'p':
            o.put('0');
            o.put('x');
            put_number(o, reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16, false, false, 16, true, false);
            break;
        case '%':
            o.put('%');
            break;
        case '\0':
            p--;
            break;
        default:
            o.put('%');
            o.put(*p);
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len < size ? o.len : (size ? size - 1 : 0);
}

size_t format(char* buf, size_t size, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

} // namespace mck
