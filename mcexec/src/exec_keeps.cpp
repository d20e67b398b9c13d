// SPDX-License-Identifier: GPL-2.0
// mck_exec_keeps as mcexec's options (exec_keeps.h).
#include "exec_keeps.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace mcexec {
namespace {

// @text as a number in @base, all of it; false for anything else.
bool number(const std::string& text, int base, uint64_t* out)
{
    if (text.empty() || text.size() > 16 + (base == 10 ? 4 : 0) || text[0] == '-' || text[0] == '+')
        return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = strtoull(text.c_str(), &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

std::string hex(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace

std::vector<std::string> exec_keeps_args(const mck_exec_keeps& k, uint32_t share_cpus)
{
    std::vector<std::string> out;
    if (k.policy_mode || k.policy_flags || k.policy_nodes)
        out.insert(out.end(), {"--mempolicy", std::to_string(k.policy_mode) + ":" + hex(k.policy_flags) + ":" +
                                                  hex(k.policy_nodes)});
    bool whole_share = true;
    for (uint32_t c = 0; c < MCK_CPU_WORDS * 64; c++)
        whole_share &= bool(k.cpus[c / 64] >> (c % 64) & 1) == (c < share_cpus);
    if (whole_share)
        return out;
    int top = MCK_CPU_WORDS - 1;
    while (top >= 0 && !k.cpus[top])
        top--;
    if (top < 0)
        return out;
    std::string mask = hex(k.cpus[top]);
    for (int w = top - 1; w >= 0; w--) {
        char buf[24];
        snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(k.cpus[w]));
        mask += buf;
    }
    out.insert(out.end(), {"--cpus", mask});
    return out;
}

std::optional<mck_exec_keeps> parse_exec_keeps(const std::string& mempolicy, const std::string& cpus,
                                               std::string* error)
{
    mck_exec_keeps k{};
    if (!mempolicy.empty()) {
        size_t a = mempolicy.find(':'), b = a == std::string::npos ? a : mempolicy.find(':', a + 1);
        uint64_t mode, flags, nodes;
        if (b == std::string::npos || !number(mempolicy.substr(0, a), 10, &mode) ||
            !number(mempolicy.substr(a + 1, b - a - 1), 16, &flags) || !number(mempolicy.substr(b + 1), 16, &nodes) ||
            mode > 0xffff || flags > 0xffff) {
            *error = "--mempolicy '" + mempolicy + "': expected MODE:FLAGS:NODES (decimal, hex, hex)";
            return std::nullopt;
        }
        k.policy_mode = uint32_t(mode);
        k.policy_flags = uint32_t(flags);
        k.policy_nodes = nodes;
    }
    if (!cpus.empty()) {
        std::string digits = cpus.compare(0, 2, "0x") == 0 ? cpus.substr(2) : cpus;
        bool ok = !digits.empty() && digits.size() <= MCK_CPU_WORDS * 16;
        for (size_t end = digits.size(), w = 0; ok && end > 0; w++) {
            size_t start = end > 16 ? end - 16 : 0;
            uint64_t v;
            ok = number(digits.substr(start, end - start), 16, &v);
            k.cpus[w] = v;
            end = start;
        }
        if (!ok) {
            *error = "--cpus '" + cpus + "': expected a hexadecimal CPU mask of at most " +
                     std::to_string(MCK_CPU_WORDS * 64) + " CPUs";
            return std::nullopt;
        }
    }
    return k;
}

} // namespace mcexec
