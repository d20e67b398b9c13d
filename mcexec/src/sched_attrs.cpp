// SPDX-License-Identifier: GPL-2.0
// The program's scheduling attributes in every thread of mcexec (sched_attrs.h).
#include "sched_attrs.h"

#include "credentials.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <new>

namespace mcexec {
namespace {

// Linux's struct sched_attr (SCHED_ATTR_SIZE_VER1), which glibc 2.36 does not
// declare and <linux/sched/types.h> declares with a clashing sched_param.
struct SchedAttr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};
static_assert(sizeof(SchedAttr) == 56, "SCHED_ATTR_SIZE_VER1");

constexpr long IOPRIO_WHO_PROCESS = 1; // <linux/ioprio.h>

std::mutex g_lock; // one change at a time: the state read back is the one set
SchedAttr g_state;

// Does @id name the calling thread? 0 does; so does its LWK tid, which Linux
// does not know. mcexec's pid names mcexec's main thread, which has the
// same attributes as every other thread of mcexec.
bool names_caller(uint64_t id, uint32_t tid)
{
    return int32_t(id) == 0 || (tid && uint32_t(id) == tid) || int32_t(id) == getpid();
}

int64_t result(long r) { return r == -1 ? -errno : r; }

// Run the program's change here, then give every thread of mcexec the
// attributes it left in this one.
int64_t change(long nr, long a0, long a1, long a2)
{
    std::lock_guard<std::mutex> guard(g_lock);
    long r = syscall(nr, a0, a1, a2);
    if (r == -1)
        return -errno;
    g_state = {};
    if (syscall(SYS_sched_getattr, 0, &g_state, sizeof(g_state), 0) == -1)
        return r; // nothing to give the others (cannot happen for a live thread)
    long args[5] = {0, long(&g_state), 0, 0, 0};
    run_in_every_thread(SYS_sched_setattr, args);
    return r;
}

} // namespace

void sched_attrs_after_fork() { new (&g_lock) std::mutex; }

void sched_attrs_take_main()
{
    std::lock_guard<std::mutex> guard(g_lock);
    SchedAttr main{}, mine{};
    if (syscall(SYS_sched_getattr, getpid(), &main, sizeof(main), 0) == -1 ||
        syscall(SYS_sched_getattr, 0, &mine, sizeof(mine), 0) == -1)
        return;
    if (main.policy != mine.policy || main.flags != mine.flags || main.nice != mine.nice || main.priority != mine.priority ||
        main.runtime != mine.runtime || main.deadline != mine.deadline || main.period != mine.period)
        syscall(SYS_sched_setattr, 0, &main, 0); // refused (lower nice without the right): ours stays
    long io = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, getpid());
    if (io >= 0 && io != syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0))
        syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, io);
}

std::optional<int64_t> sched_attrs_call(uint64_t nr, const uint64_t a[6], uint32_t tid)
{
    switch (nr) {
    case SYS_sched_setscheduler:
    case SYS_sched_setparam:
    case SYS_sched_setattr:
        if (!names_caller(a[0], tid))
            return std::nullopt;
        return change(long(nr), 0, long(a[1]), long(a[2]));
    case SYS_setpriority:
        if (a[0] != PRIO_PROCESS || !names_caller(a[1], tid))
            return std::nullopt;
        return change(long(nr), PRIO_PROCESS, 0, long(a[2]));
    case SYS_sched_getscheduler:
    case SYS_sched_getparam:
    case SYS_sched_getattr:
    case SYS_sched_rr_get_interval:
        if (!names_caller(a[0], tid))
            return std::nullopt;
        return result(syscall(long(nr), getpid(), long(a[1]), long(a[2]), long(a[3])));
    case SYS_getpriority:
        if (a[0] != PRIO_PROCESS || !names_caller(a[1], tid))
            return std::nullopt;
        return result(syscall(SYS_getpriority, PRIO_PROCESS, getpid()));
    case SYS_ioprio_set: {
        // The I/O priority the program's offloaded reads and writes go with:
        // a thread's in Linux, like the rest.
        if (a[0] != IOPRIO_WHO_PROCESS || !names_caller(a[1], tid))
            return std::nullopt;
        std::lock_guard<std::mutex> guard(g_lock);
        long r = syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, long(a[2]));
        if (r == -1)
            return -errno;
        long args[5] = {IOPRIO_WHO_PROCESS, 0, long(a[2]), 0, 0};
        run_in_every_thread(SYS_ioprio_set, args);
        return r;
    }
    case SYS_ioprio_get:
        if (a[0] != IOPRIO_WHO_PROCESS || !names_caller(a[1], tid))
            return std::nullopt;
        return result(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, getpid()));
    default:
        return std::nullopt;
    }
}

} // namespace mcexec
