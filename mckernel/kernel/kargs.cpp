// SPDX-License-Identifier: GPL-2.0
// Parsing of the kernel argument string: space-separated words, KEY or KEY=VALUE.
#include <kernel/kargs.h>
#include <kernel/boot.h>

#include <stddef.h>

namespace mck {
namespace {

KernelArgs g_kargs;

bool equal(const char* a, size_t n, const char* b)
{
    size_t i = 0;
    for (; i < n && b[i]; i++)
        if (a[i] != b[i])
            return false;
    return i == n && !b[i];
}

bool parse_uint(const char* s, size_t n, uint32_t& out)
{
    if (n == 0 || n > 9)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + uint32_t(s[i] - '0');
    }
    out = v;
    return true;
}

} // namespace

const KernelArgs& kargs() { return g_kargs; }

void kargs_parse(const char* text)
{
    g_kargs = KernelArgs{};
    const char* p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        const char* word = p;
        while (*p && *p != ' ')
            p++;
        size_t len = size_t(p - word);
        if (!len)
            continue;
        size_t key_len = 0;
        while (key_len < len && word[key_len] != '=')
            key_len++;
        const char* value = word + key_len + 1;
        size_t value_len = key_len < len ? len - key_len - 1 : 0;
        bool has_value = key_len < len;
        uint32_t number = 0;
        if (equal(word, key_len, "hidos") && !has_value)
            g_kargs.hidos = true;
        else if (equal(word, key_len, "allow_oversubscribe") && !has_value)
            g_kargs.allow_oversubscribe = true;
        else if (equal(word, key_len, "offload_spin_us") && parse_uint(value, value_len, number) &&
                 number <= OFFLOAD_SPIN_MAX_US)
            g_kargs.offload_spin_us = number;
        else if (equal(word, key_len, "overcommit") && equal(value, value_len, "heuristic"))
            g_kargs.overcommit = KernelArgs::Overcommit::Heuristic;
        else if (equal(word, key_len, "overcommit") && equal(value, value_len, "strict"))
            g_kargs.overcommit = KernelArgs::Overcommit::Strict;
        else if (equal(word, key_len, "dump_level") && parse_uint(value, value_len, number))
            g_kargs.dump_level = number;
        else if (equal(word, key_len, "test_fault") && equal(value, value_len, "boot"))
            g_kargs.test_fault = KernelArgs::Fault::Boot;
        else if (equal(word, key_len, "test_fault") && equal(value, value_len, "running"))
            g_kargs.test_fault = KernelArgs::Fault::Running;
        else if (equal(word, key_len, "test_fault") && equal(value, value_len, "lock_order"))
            g_kargs.test_fault = KernelArgs::Fault::LockOrder;
        else if (equal(word, key_len, "test_fill_memory") && !has_value)
            g_kargs.test_fill_memory = true;
        else if (equal(word, key_len, "test_check_memory") && !has_value)
            g_kargs.test_check_memory = true;
        else if (equal(word, key_len, "test_hang") && parse_uint(value, value_len, number))
            g_kargs.test_hang_cpu = int32_t(number);
        else
            kprintf("kargs: ignoring unknown or malformed argument '%.*s'", int(len), word);
    }
}

} // namespace mck
