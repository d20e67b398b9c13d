// SPDX-License-Identifier: GPL-2.0
// The program's limits of memory the LWK allocates (program_limits.h).
#include "program_limits.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <new>
#include <sstream>

namespace mcexec {
namespace {

constexpr int LINUX_RESOURCE[3] = {RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK}; // by MCK_RLIMIT_*
std::mutex g_lock;
mck_rlimit g_limits[3];

bool has_cap_sys_resource()
{
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3]{};
    return syscall(SYS_capget, &h, d) == 0 && (d[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32)));
}

bool parse_value(const std::string& s, uint64_t* v)
{
    if (s == "inf") {
        *v = RLIM_INFINITY;
        return true;
    }
    char* end = nullptr;
    errno = 0;
    unsigned long long n = strtoull(s.c_str(), &end, 10);
    if (s.empty() || s[0] == '-' || *end || errno)
        return false;
    *v = n;
    return true;
}

std::string value_text(uint64_t v) { return v == RLIM_INFINITY ? "inf" : std::to_string(v); }

} // namespace

std::string program_limits_init(const std::string& passed)
{
    mck_rlimit own[3];
    for (int i = 0; i < 3; i++) {
        rlimit r;
        if (getrlimit(LINUX_RESOURCE[i], &r) != 0)
            r = {RLIM_INFINITY, RLIM_INFINITY};
        own[i] = {r.rlim_cur, r.rlim_max};
    }
    std::lock_guard<std::mutex> guard(g_lock);
    for (int i = 0; i < 3; i++)
        g_limits[i] = own[i];
    if (passed.empty())
        return "";
    std::stringstream in(passed);
    std::string item;
    mck_rlimit got[3];
    int n = 0;
    while (std::getline(in, item, ',')) {
        size_t colon = item.find(':');
        if (n == 3 || colon == std::string::npos || !parse_value(item.substr(0, colon), &got[n].cur) ||
            !parse_value(item.substr(colon + 1), &got[n].max) || got[n].cur > got[n].max)
            return "expected AS,DATA,STACK as CUR:MAX each (bytes or inf, CUR <= MAX)";
        n++;
    }
    if (n != 3)
        return "expected AS,DATA,STACK as CUR:MAX each (bytes or inf, CUR <= MAX)";
    bool privileged = has_cap_sys_resource();
    for (int i = 0; i < 3; i++)
        if (got[i].max > own[i].max && !privileged)
            return "a limit above mcexec's own hard limit";
    for (int i = 0; i < 3; i++)
        g_limits[i] = got[i];
    return "";
}

void program_limits_to(mck_rlimit (&out)[3])
{
    std::lock_guard<std::mutex> guard(g_lock);
    for (int i = 0; i < 3; i++)
        out[i] = g_limits[i];
}

std::string program_limits_text()
{
    std::lock_guard<std::mutex> guard(g_lock);
    std::string s;
    for (int i = 0; i < 3; i++)
        s += (i ? "," : "") + value_text(g_limits[i].cur) + ":" + value_text(g_limits[i].max);
    return s;
}

int64_t program_limits_change(const uint64_t a[6])
{
    if (a[0] > 2 || a[1] > a[2])
        return -EINVAL;
    std::lock_guard<std::mutex> guard(g_lock);
    mck_rlimit& l = g_limits[a[0]];
    if (a[2] > l.max && !has_cap_sys_resource())
        return -EPERM;
    l = {a[1], a[2]};
    return 0;
}

void program_limits_after_fork() { new (&g_lock) std::mutex; }

} // namespace mcexec
