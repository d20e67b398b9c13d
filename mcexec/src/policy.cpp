// SPDX-License-Identifier: GPL-2.0
// The offload policy's pure checks (policy.h).
#include "policy.h"

#include <sstream>

#include <mcexec/abi.h>

#include <cerrno>

namespace mcexec {
namespace {

static_assert(PRIVATE_START == MCK_USER_END, "mcexec's memory starts where the program's ends");

struct Shapes {
    const char* of[512]{};
    constexpr Shapes()
    {
#define SHAPE(nr, name, kinds) of[nr] = kinds;
#include "syscall_shapes.inc"
#undef SHAPE
    }
};

constexpr Shapes g_shapes;

} // namespace

bool range_allowed(uint64_t base, uint64_t len)
{
    if (len == 0 || base >= PRIVATE_END)
        return true;
    return base < PRIVATE_START && len <= PRIVATE_START - base;
}

bool in_program(uint64_t base, uint64_t len)
{
    return base >= MCK_USER_START && base < MCK_USER_END && len <= MCK_USER_END - base;
}

const char* call_shape(uint64_t nr) { return nr < 512 ? g_shapes.of[nr] : nullptr; }

int64_t check_call(uint64_t nr, const uint64_t args[6], const Reserved& reserved)
{
    // A number we know nothing about: every argument might be a pointer.
    const char* shape = call_shape(nr);
    if (!shape)
        shape = "aaaaaa";
    // Linux looks at descriptors before it touches memory: EBADF first.
    for (int i = 0; shape[i] && i < 6; i++)
        if (shape[i] == 'f' && reserved.has(int64_t(args[i])))
            return -EBADF;
    for (int i = 0; shape[i] && i < 6; i++)
        if ((shape[i] == 'p' || shape[i] == 'a') && is_private(args[i]))
            return -EFAULT;
    return 0;
}

bool runs_on_linux(const std::string& list, const std::string& path)
{
    std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    std::stringstream ss(list);
    std::string entry;
    while (std::getline(ss, entry, ':')) {
        if (entry.empty())
            continue;
        if (entry.find('/') != std::string::npos ? entry == path : entry == base)
            return true;
    }
    return false;
}

} // namespace mcexec
