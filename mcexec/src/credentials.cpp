// SPDX-License-Identifier: GPL-2.0
// The program's credentials in every worker (credentials.h).
#include "credentials.h"

#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <grp.h>
#include <mutex>

namespace mcexec {
namespace {

// What setfsuid, setfsgid, capset and personality left in the worker that ran one last.
struct PerThread {
    uid_t fsuid;
    gid_t fsgid;
    unsigned long persona;
    __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
};
std::mutex g_lock;
PerThread g_last;
std::atomic<uint64_t> g_generation{0}; // 0: nothing changed yet
thread_local uint64_t t_generation = 0;

__user_cap_header_struct cap_header() { return {_LINUX_CAPABILITY_VERSION_3, 0}; }

// Record this thread's per-thread credentials as the program's.
void record()
{
    std::lock_guard<std::mutex> guard(g_lock);
    g_last.fsuid = uid_t(setfsuid(uid_t(-1))); // an invalid id changes nothing and says the current one
    g_last.fsgid = gid_t(setfsgid(gid_t(-1)));
    g_last.persona = syscall(SYS_personality, 0xffffffffUL); // a query, never an error
    __user_cap_header_struct h = cap_header();
    syscall(SYS_capget, &h, g_last.caps);
    t_generation = ++g_generation;
}

int64_t result(long ret) { return ret == -1 ? -errno : ret; }

} // namespace

std::optional<int64_t> credentials_call(uint64_t nr, const uint64_t a[6])
{
    int64_t ret;
    switch (nr) {
    case SYS_setuid:
        ret = result(setuid(uid_t(a[0])));
        break;
    case SYS_setgid:
        ret = result(setgid(gid_t(a[0])));
        break;
    case SYS_setreuid:
        ret = result(setreuid(uid_t(a[0]), uid_t(a[1])));
        break;
    case SYS_setregid:
        ret = result(setregid(gid_t(a[0]), gid_t(a[1])));
        break;
    case SYS_setresuid:
        ret = result(setresuid(uid_t(a[0]), uid_t(a[1]), uid_t(a[2])));
        break;
    case SYS_setresgid:
        ret = result(setresgid(gid_t(a[0]), gid_t(a[1]), gid_t(a[2])));
        break;
    case SYS_setgroups:
        // Linux takes an int count; the list is the program's (checked by the policy).
        ret = result(setgroups(size_t(int(a[0])), reinterpret_cast<const gid_t*>(a[1])));
        break;
    case SYS_setfsuid:
        ret = setfsuid(uid_t(a[0])); // the previous fsuid, never an error
        break;
    case SYS_setfsgid:
        ret = setfsgid(gid_t(a[0]));
        break;
    case SYS_capset:
        ret = result(syscall(SYS_capset, a[0], a[1]));
        break;
    case SYS_personality:
        ret = syscall(SYS_personality, a[0]); // the old persona, never an error
        break;
    default:
        return std::nullopt;
    }
    record();
    return ret;
}

void credentials_sync()
{
    if (t_generation == g_generation.load(std::memory_order_acquire))
        return;
    std::lock_guard<std::mutex> guard(g_lock);
    setfsuid(g_last.fsuid);
    setfsgid(g_last.fsgid);
    __user_cap_header_struct h = cap_header();
    syscall(SYS_capset, &h, g_last.caps);
    syscall(SYS_personality, g_last.persona);
    t_generation = g_generation.load();
}

} // namespace mcexec
