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

constexpr int LINUX_RESOURCE[MCK_RLIMITS] = {RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CPU}; // by MCK_RLIMIT_*
constexpr const char* FORMAT = "expected AS,DATA,STACK[,CPU] as CUR:MAX each (bytes, seconds or inf, CUR <= MAX)";
std::mutex g_lock;
mck_rlimit g_limits[MCK_RLIMITS];

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
    mck_rlimit own[MCK_RLIMITS];
    for (int i = 0; i < MCK_RLIMITS; i++) {
        rlimit r;
        if (getrlimit(LINUX_RESOURCE[i], &r) != 0)
            r = {RLIM_INFINITY, RLIM_INFINITY};
        own[i] = {r.rlim_cur, r.rlim_max};
    }
    // The program's CPU time is counted on the LWK; ours (waiting for its
    // calls) must not end us at its soft limit: up to the hard one, which
    // Linux still applies to mcexec.
    rlimit cpu{own[MCK_RLIMIT_CPU].max, own[MCK_RLIMIT_CPU].max};
    setrlimit(RLIMIT_CPU, &cpu);
    std::lock_guard<std::mutex> guard(g_lock);
    for (int i = 0; i < MCK_RLIMITS; i++)
        g_limits[i] = own[i];
    if (passed.empty())
        return "";
    std::stringstream in(passed);
    std::string item;
    mck_rlimit got[MCK_RLIMITS];
    int n = 0;
    while (std::getline(in, item, ',')) {
        size_t colon = item.find(':');
        if (n == MCK_RLIMITS || colon == std::string::npos || !parse_value(item.substr(0, colon), &got[n].cur) ||
            !parse_value(item.substr(colon + 1), &got[n].max) || got[n].cur > got[n].max)
            return FORMAT;
        n++;
    }
    if (n < MCK_RLIMIT_CPU || passed.back() == ',')
        return FORMAT;
    for (int i = n; i < MCK_RLIMITS; i++)
        got[i] = own[i]; // not given: mcexec's own
    bool privileged = has_cap_sys_resource();
    for (int i = 0; i < MCK_RLIMITS; i++)
        if (got[i].max > own[i].max && !privileged)
            return "a limit above mcexec's own hard limit";
    for (int i = 0; i < MCK_RLIMITS; i++)
        g_limits[i] = got[i];
    return "";
}

void program_limits_to(mck_rlimit (&out)[MCK_RLIMITS])
{
    std::lock_guard<std::mutex> guard(g_lock);
    for (int i = 0; i < MCK_RLIMITS; i++)
        out[i] = g_limits[i];
}

std::string program_limits_text()
{
    std::lock_guard<std::mutex> guard(g_lock);
    std::string s;
    for (int i = 0; i < MCK_RLIMITS; i++)
        s += (i ? "," : "") + value_text(g_limits[i].cur) + ":" + value_text(g_limits[i].max);
    return s;
}

int64_t program_limits_change(const uint64_t a[6])
{
    if (a[0] >= MCK_RLIMITS || a[1] > a[2])
        return -EINVAL;
    std::lock_guard<std::mutex> guard(g_lock);
    mck_rlimit& l = g_limits[a[0]];
    if (a[2] > l.max && !has_cap_sys_resource())
        return -EPERM;
    l = {a[1], a[2]};
    return 0;
}

void program_limits_after_fork() { new (&g_lock) std::mutex; }

uint64_t program_arg_max()
{
    constexpr uint64_t MOST = 6ull << 20, LEAST = 128ull << 10;
    uint64_t stack;
    {
        std::lock_guard<std::mutex> guard(g_lock);
        stack = g_limits[MCK_RLIMIT_STACK].cur;
    }
    uint64_t limit = stack / 4 < MOST ? stack / 4 : MOST;
    return limit > LEAST ? limit : LEAST;
}

ExecStringRoom::ExecStringRoom(uint64_t max, size_t argc, size_t envc)
{
    uint64_t pointers = (uint64_t(argc ? argc : 1) + envc) * sizeof(uint64_t);
    if (max <= pointers || argc > max || envc > max)
        m_error = -E2BIG;
    else
        m_left = max - pointers;
}

int ExecStringRoom::take(size_t len)
{
    if (!m_error && (len + 1 > MAX_ARG_STRLEN || len + 1 > m_left))
        m_error = -E2BIG;
    if (!m_error)
        m_left -= len + 1;
    return m_error;
}

int exec_strings_fit(uint64_t max, const std::string& filename, const std::vector<std::string>& argv,
                     const std::vector<std::string>& envp)
{
    ExecStringRoom room(max, argv.size(), envp.size());
    room.take(filename.size());
    for (const auto* list : {&envp, &argv})
        for (const std::string& s : *list)
            room.take(s.size());
    if (argv.empty())
        room.take(0); // Linux's ""
    return room.error();
}

ExecArgRoom::ExecArgRoom(uint64_t bytes)
{
    // Linux takes a quarter of the soft limit, at most 6 MiB: past that no
    // limit helps.
    constexpr uint64_t MOST = 6ull << 20;
    if (bytes > MOST || getrlimit(RLIMIT_STACK, &m_old) != 0 || m_old.rlim_cur == RLIM_INFINITY ||
        m_old.rlim_cur / 4 >= bytes)
        return;
    rlimit want = m_old;
    want.rlim_cur = (bytes * 4 + 4095) & ~uint64_t(4095);
    if (want.rlim_cur > m_old.rlim_max)
        want.rlim_cur = m_old.rlim_max;
    m_changed = want.rlim_cur > m_old.rlim_cur && setrlimit(RLIMIT_STACK, &want) == 0;
}

ExecArgRoom::~ExecArgRoom()
{
    if (m_changed)
        setrlimit(RLIMIT_STACK, &m_old);
}

LinuxExecLimits::LinuxExecLimits()
{
    mck_rlimit program[MCK_RLIMITS];
    program_limits_to(program);
    for (int i = 0; i < COUNT; i++) {
        if (getrlimit(LINUX_RESOURCE[i], &m_old[i]) != 0)
            continue;
        rlimit want = m_old[i];
        want.rlim_cur = program[i].cur < want.rlim_max ? program[i].cur : want.rlim_max;
        m_changed[i] = want.rlim_cur != m_old[i].rlim_cur && setrlimit(LINUX_RESOURCE[i], &want) == 0;
    }
}

LinuxExecLimits::~LinuxExecLimits()
{
    for (int i = 0; i < COUNT; i++)
        if (m_changed[i])
            setrlimit(LINUX_RESOURCE[i], &m_old[i]);
}

} // namespace mcexec
