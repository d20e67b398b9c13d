// SPDX-License-Identifier: GPL-2.0
// signalfd on the LWK (kernel/signalfd.h).
//
// The table: which of the process's descriptor numbers are signalfds, and
// each one's file (its mask; dup'ed descriptors share one, as on Linux). The
// LWK sees every call that makes, closes or copies a descriptor before Linux
// does, so it follows them: close, dup, dup2, dup3, fcntl(F_DUPFD*),
// close_range. What it cannot follow (a descriptor received over a socket,
// one inherited through execve) is an eventfd, which mcexec checks before it
// touches one (signalfd_ready in mcexec/src/forward.cpp).
//
// A fork child's mcexec has the parent's eventfds: the child gives each of
// its signalfds an eventfd of its own before it first uses them
// (MCK_SYS_SIGNALFD_RENEW), so each process's signals make only its own
// readable, as on Linux, where a signalfd reads the signals of the reader.
//
// Readiness is the process's: readable while a signal of the mask is pending
// for the process or any of its threads (Linux looks at the polling thread's
// and the process's; one answer for all threads cannot flip between them).
// A thread's read may then find the signal is another thread's: EAGAIN, or
// it waits.
//
// Locks: the table and Thread::fd_wait are under Process::lock, taken for no
// more than a look or a change (and the interruption of a waiting thread's
// offloaded call, which takes an IKC ring's lock after it); other offloads run
// without it. What it cannot cover: a signalfd that one thread closes, and
// whose number another thread's new eventfd takes, while a third brings the
// readiness up to date, may have that eventfd's count changed once.
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/signalfd.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>

#include <arch/cpu.h>
#include <mcexec/abi.h>

namespace mck {

struct SignalFdFile {
    uint64_t mask = 0;
    bool ready = false; // what mcexec last made the eventfd: readable or not
};

struct SignalFds {
    static constexpr uint32_t MAX = 256; // descriptors per process (EMFILE past it)
    struct Entry {
        int32_t fd;
        SignalFdFile* file;
        bool renew; // a fork child's: still the parent's eventfd
    };
    Entry e[MAX];
    uint32_t n = 0;
    bool renew_pending = false; // some entry has renew (atomic)
};

namespace {

constexpr uint64_t SYS_READ = 0, SYS_WRITE = 1, SYS_CLOSE = 3, SYS_POLL = 7, SYS_SELECT = 23, SYS_DUP = 32, SYS_DUP2 = 33,
                   SYS_FCNTL = 72, SYS_EPOLL_WAIT = 232, SYS_EVENTFD2 = 290, SYS_DUP3 = 292, SYS_CLOSE_RANGE = 436;
constexpr uint64_t F_DUPFD = 0, F_GETFD = 1, F_GETFL = 3, F_DUPFD_CLOEXEC = 1030;
constexpr uint64_t SFD_NONBLOCK = 04000, SFD_CLOEXEC = 02000000; // O_NONBLOCK, O_CLOEXEC: eventfd2 takes both
constexpr uint64_t CLOSE_RANGE_CLOEXEC = 4;

// Linux's struct signalfd_siginfo.
struct SignalFdSigInfo {
    uint32_t signo;
    int32_t err, code;
    uint32_t pid, uid;
    int32_t fd;
    uint32_t tid, band, overrun, trapno;
    int32_t status, int_value;
    uint64_t ptr, utime, stime, addr;
    uint16_t addr_lsb, pad2;
    int32_t syscall;
    uint64_t call_addr;
    uint32_t arch;
    uint8_t pad[28];
};
static_assert(sizeof(SignalFdSigInfo) == 128);

SignalFds::Entry* find_locked(SignalFds* t, int64_t fd)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->e[i].fd == fd)
            return &t->e[i];
    return nullptr;
}

bool shared_locked(SignalFds* t, SignalFdFile* f)
{
    uint32_t users = 0;
    for (uint32_t i = 0; i < t->n; i++)
        users += t->e[i].file == f;
    return users > 1;
}

// Drop descriptor @fd from the table (closed, or replaced by dup2). Caller holds p->lock.
void drop_locked(SignalFds* t, int64_t fd)
{
    SignalFds::Entry* e = find_locked(t, fd);
    if (!e)
        return;
    SignalFdFile* f = e->file;
    bool last = !shared_locked(t, f);
    *e = t->e[--t->n];
    if (last)
        delete f;
}

// @to is a copy of @from now (dup*): the same file. Caller holds p->lock.
void copy_locked(SignalFds* t, int64_t from, int64_t to)
{
    if (from == to)
        return;
    drop_locked(t, to);
    SignalFds::Entry* e = find_locked(t, from);
    if (e && t->n < SignalFds::MAX)
        t->e[t->n++] = {int32_t(to), e->file, e->renew};
}

// The signals of the process and of any of its threads. Caller holds p->lock.
uint64_t pending_locked(Process* p)
{
    uint64_t pending = p->sigpending;
    for (Thread* t = p->threads; t; t = t->proc_next)
        pending |= t->sigpending;
    return pending;
}

// A fork child's signalfds get eventfds of their own before their first use:
// a fresh one for the first descriptor of each file, copies of it for the
// others (dup'ed ones stay one file).
void renew_all(Process* p, SignalFds* tab)
{
    for (;;) {
        int64_t fd = -1, like = -1;
        {
            SpinLockGuard guard(p->lock);
            for (uint32_t i = 0; i < tab->n && fd < 0; i++) {
                if (!tab->e[i].renew)
                    continue;
                fd = tab->e[i].fd;
                tab->e[i].renew = false;
                for (uint32_t j = 0; j < tab->n && like < 0; j++)
                    if (j != i && tab->e[j].file == tab->e[i].file && !tab->e[j].renew)
                        like = tab->e[j].fd;
                if (like < 0)
                    tab->e[i].file->ready = false; // a new eventfd: not readable
            }
        }
        if (fd < 0)
            return;
        uint64_t args[6] = {uint64_t(fd), uint64_t(like), 0, 0, 0, 0};
        (void)offload(MCK_SYS_SIGNALFD_RENEW, args); // else it stays the parent's: shared readiness
    }
}

// Make each signalfd's eventfd readable exactly while a signal of its mask is
// pending for the process. One pass; a file's state is asked for only when it
// changed (dup'ed descriptors share it).
void update_readiness(Process* p)
{
    SignalFds* tab = __atomic_load_n(&p->signalfds, __ATOMIC_ACQUIRE);
    if (!tab)
        return;
    if (__atomic_load_n(&tab->renew_pending, __ATOMIC_ACQUIRE)) {
        renew_all(p, tab);
        __atomic_store_n(&tab->renew_pending, false, __ATOMIC_RELEASE);
    }
    for (uint32_t i = 0;; i++) {
        int64_t fd;
        bool want;
        {
            SpinLockGuard guard(p->lock);
            if (i >= tab->n)
                return;
            SignalFdFile* f = tab->e[i].file;
            want = (pending_locked(p) & f->mask) != 0;
            if (want == f->ready)
                continue;
            f->ready = want; // asked for now: a second look does not ask again
            fd = tab->e[i].fd;
        }
        uint64_t args[6] = {uint64_t(fd), want, 0, 0, 0, 0};
        if (offload(MCK_SYS_SIGNALFD_READY, args) < 0) {
            // Not an eventfd any more (closed behind our back): forget it.
            SpinLockGuard guard(p->lock);
            drop_locked(tab, fd);
            i--; // the last entry took its place
        }
    }
}

void to_user_info(int sig, const SigInfo& info, SignalFdSigInfo& u)
{
    constexpr int32_t SI_TIMER = -2, SI_QUEUE = -1, SI_MESGQ = -3, SI_ASYNCIO = -4;
    u = SignalFdSigInfo{};
    u.signo = uint32_t(sig);
    u.code = info.code;
    if (info.addr) { // a fault
        u.addr = info.addr;
        return;
    }
    if (info.code == SI_TIMER) {
        u.tid = uint32_t(info.pid);
        u.overrun = info.uid;
    } else {
        u.pid = uint32_t(info.pid);
        u.uid = info.uid;
    }
    if (info.code == SI_TIMER || info.code == SI_QUEUE || info.code == SI_MESGQ || info.code == SI_ASYNCIO) {
        u.ptr = info.word3;
        u.int_value = int32_t(info.word3);
    } else if (sig == SIGCHLD && info.code > 0) {
        u.status = int32_t(info.word3);
    }
}

// read() of signalfd @fd with mask @mask: as many pending signals of the mask
// as fit, each a struct signalfd_siginfo; without any, EAGAIN for a
// non-blocking one, else wait for one (a signal the thread takes first:
// -ERESTARTSYS, as Linux).
int64_t read_signals(int64_t fd, uint64_t mask, uint64_t buf, uint64_t count)
{
    constexpr uint64_t O_NONBLOCK = 04000;
    if (count < sizeof(SignalFdSigInfo))
        return -EINVAL;
    Thread* t = current();
    uint64_t room = count / sizeof(SignalFdSigInfo), got = 0;
    int64_t ret = 0;
    while (got < room) {
        SigInfo info;
        int sig = signal_take(mask, false, 0, info);
        if (!sig && !got) {
            uint64_t args[6] = {uint64_t(fd), F_GETFL, 0, 0, 0, 0};
            int64_t fl = offload(SYS_FCNTL, args);
            if (fl < 0) {
                ret = fl;
                break;
            }
            if (fl & O_NONBLOCK) {
                ret = -EAGAIN;
                break;
            }
            sig = signal_take(mask, true, 0, info);
            if (!sig) {
                ret = t->killed ? -EINTR : -ERESTARTSYS;
                break;
            }
        }
        if (!sig)
            break;
        SignalFdSigInfo u;
        to_user_info(sig, info, u);
        if (!put_user(UserPtr<SignalFdSigInfo>(buf + got * sizeof(u)), u)) {
            ret = got ? 0 : -EFAULT; // taken, as Linux loses it too
            break;
        }
        got++;
    }
    update_readiness(t->proc);
    return got ? int64_t(got * sizeof(SignalFdSigInfo)) : ret;
}

// The table, made on the first signalfd. Null only without kernel memory.
SignalFds* table_of(Process* p)
{
    if (SignalFds* t = __atomic_load_n(&p->signalfds, __ATOMIC_ACQUIRE))
        return t;
    auto* made = new SignalFds;
    SpinLockGuard guard(p->lock);
    if (!p->signalfds && made) {
        __atomic_store_n(&p->signalfds, made, __ATOMIC_RELEASE);
        made = nullptr;
    }
    delete made;
    return p->signalfds;
}

int64_t signalfd4(int64_t fd, uint64_t mask_ptr, uint64_t size, uint64_t flags)
{
    // Linux's order: flags, size, the mask.
    if (flags & ~(SFD_NONBLOCK | SFD_CLOEXEC))
        return -EINVAL;
    uint64_t mask;
    if (int64_t err = signal_read_set(mask_ptr, size, mask))
        return err;
    Thread* t = current();
    Process* p = t->proc;
    if (int32_t(fd) != -1) {
        bool ours;
        {
            SpinLockGuard guard(p->lock);
            SignalFds::Entry* e = p->signalfds ? find_locked(p->signalfds, int32_t(fd)) : nullptr;
            ours = e;
            if (e)
                e->file->mask = mask;
        }
        if (!ours) {
            // Not one of ours: Linux's answer, EBADF for no descriptor, else EINVAL.
            uint64_t args[6] = {uint64_t(uint32_t(fd)), F_GETFD, 0, 0, 0, 0};
            int64_t got = offload(SYS_FCNTL, args);
            return got < 0 ? got : -EINVAL;
        }
        update_readiness(t->proc);
        return int32_t(fd);
    }
    SignalFds* tab = table_of(p);
    auto* file = new SignalFdFile;
    if (!tab || !file) {
        delete file;
        return -ENOMEM;
    }
    {
        SpinLockGuard guard(p->lock);
        if (tab->n == SignalFds::MAX) {
            delete file;
            return -EMFILE;
        }
    }
    file->mask = mask;
    uint64_t args[6] = {0, flags, 0, 0, 0, 0};
    int64_t made = offload(SYS_EVENTFD2, args);
    if (made < 0) {
        delete file;
        return made;
    }
    {
        SpinLockGuard guard(p->lock);
        drop_locked(tab, made); // a number we missed being closed
        if (tab->n < SignalFds::MAX) {
            tab->e[tab->n++] = {int32_t(made), file, false};
            file = nullptr;
        }
    }
    if (file) { // another thread took the last place meanwhile
        delete file;
        uint64_t close_args[6] = {uint64_t(made), 0, 0, 0, 0, 0};
        offload(SYS_CLOSE, close_args);
        return -EMFILE;
    }
    update_readiness(t->proc);
    return made;
}

bool is_interruption(int64_t ret) { return ret == -EINTR || (ret <= -ERESTARTSYS && ret >= -ERESTARTNOHAND); }

} // namespace

int64_t sys_signalfd(SyscallArgs& a) { return signalfd4(int64_t(a.arg[0]), a.arg[1], a.arg[2], 0); }
int64_t sys_signalfd4(SyscallArgs& a) { return signalfd4(int64_t(a.arg[0]), a.arg[1], a.arg[2], a.arg[3]); }

int64_t signalfd_offload_wait(uint64_t nr, uint64_t args[6])
{
    Thread* t = current();
    Process* p = t->proc;
    if (!__atomic_load_n(&p->signalfds, __ATOMIC_ACQUIRE))
        return offload(nr, args);
    // A wait that starts again gets what is left of its time limit. Linux
    // writes that back for select, pselect6 and ppoll (in the program's
    // memory); poll's and epoll_wait's, in milliseconds, are kept here, and
    // epoll_pwait2's const timespec: it goes on as epoll_pwait.
    constexpr uint64_t SYS_EPOLL_PWAIT = 281, SYS_EPOLL_PWAIT2 = 441;
    int ms_arg = nr == SYS_POLL ? 2 : nr == SYS_EPOLL_WAIT || nr == SYS_EPOLL_PWAIT || nr == SYS_EPOLL_PWAIT2 ? 3 : -1;
    uint64_t deadline = 0;
    if (nr == SYS_EPOLL_PWAIT2 && args[3]) {
        Timespec ts;
        // Checked already (masked_wait.cpp); past 30 years it is no limit.
        if (get_user(ts, UserPtr<Timespec>(args[3])) && ts.sec < 1000000000)
            deadline = ts.sec || ts.nsec ? tsc_after_ns(ts_to_ns(ts)) : arch::rdtsc();
    } else if (ms_arg >= 0 && int32_t(args[ms_arg]) > 0) {
        deadline = tsc_after_ns(int64_t(int32_t(args[ms_arg])) * 1000000);
    }
    for (;;) {
        {
            SpinLockGuard guard(p->lock);
            t->fd_wait = FD_WAITING;
        }
        update_readiness(p);
        // The program's wait, also once it goes on as epoll_pwait (below).
        int64_t ret = offload_program(nr, args);
        bool kicked;
        {
            SpinLockGuard guard(p->lock);
            kicked = t->fd_wait == FD_WAIT_KICKED;
            t->fd_wait = FD_WAIT_NONE;
        }
        if (!kicked || !is_interruption(ret) || t->killed || signal_pending(t))
            return ret;
        if (deadline) {
            uint64_t now = arch::rdtsc();
            int64_t left_ns = now >= deadline ? 0 : int64_t(tsc_to_ns(deadline - now));
            if (nr == SYS_EPOLL_PWAIT2)
                nr = SYS_EPOLL_PWAIT;
            args[ms_arg] = uint64_t((left_ns + 999999) / 1000000);
        }
    }
}

bool signalfd_call(uint64_t nr, SyscallArgs& a, int64_t& ret)
{
    Thread* t = current();
    Process* p = t->proc;
    SignalFds* tab = __atomic_load_n(&p->signalfds, __ATOMIC_ACQUIRE);
    if (!tab)
        return false;
    int64_t fd = int32_t(a.arg[0]);
    switch (nr) {
    case SYS_READ: {
        uint64_t mask = 0;
        bool ours;
        {
            SpinLockGuard guard(p->lock);
            SignalFds::Entry* e = find_locked(tab, fd);
            ours = e;
            if (e)
                mask = e->file->mask;
        }
        if (!ours)
            return false;
        ret = read_signals(fd, mask, a.arg[1], a.arg[2]);
        return true;
    }
    case SYS_WRITE: { // Linux has no write for a signalfd; an eventfd's would fake readiness
        SpinLockGuard guard(p->lock);
        if (!find_locked(tab, fd))
            return false;
        ret = -EINVAL;
        return true;
    }
    case SYS_CLOSE: {
        SpinLockGuard guard(p->lock);
        drop_locked(tab, fd);
        return false;
    }
    case SYS_DUP:
    case SYS_DUP2:
    case SYS_DUP3:
    case SYS_FCNTL: {
        if (nr == SYS_FCNTL && a.arg[1] != F_DUPFD && a.arg[1] != F_DUPFD_CLOEXEC)
            return false;
        ret = offload(nr, a.arg);
        if (ret >= 0) {
            SpinLockGuard guard(p->lock);
            copy_locked(tab, fd, ret);
        }
        return true;
    }
    case SYS_CLOSE_RANGE: {
        ret = offload(nr, a.arg);
        if (ret == 0 && !(a.arg[2] & CLOSE_RANGE_CLOEXEC)) {
            SpinLockGuard guard(p->lock);
            for (uint32_t i = 0; i < tab->n;)
                if (uint64_t(uint32_t(tab->e[i].fd)) >= uint32_t(a.arg[0]) &&
                    uint64_t(uint32_t(tab->e[i].fd)) <= uint32_t(a.arg[1]))
                    drop_locked(tab, tab->e[i].fd);
                else
                    i++;
        }
        return true;
    }
    case SYS_POLL:
    case SYS_SELECT:
    case SYS_EPOLL_WAIT:
        ret = signalfd_offload_wait(nr, a.arg);
        return true;
    default:
        return false;
    }
}

void signalfd_signal_sent(Process* p, int sig)
{
    SignalFds* tab = __atomic_load_n(&p->signalfds, __ATOMIC_ACQUIRE);
    if (!tab)
        return;
    // Each thread waiting for descriptors on Linux is interrupted, under the
    // lock: its wait cannot end and another call begin meanwhile, which the
    // interruption would reach instead.
    SpinLockGuard guard(p->lock);
    bool taken = false;
    for (uint32_t i = 0; i < tab->n && !taken; i++)
        taken = tab->e[i].file->mask & (1ull << (sig - 1));
    if (!taken)
        return;
    for (Thread* t = p->threads; t; t = t->proc_next)
        if (t->fd_wait == FD_WAITING) {
            __atomic_store_n(&t->fd_wait, FD_WAIT_KICKED, __ATOMIC_SEQ_CST);
            offload_interrupt(t); // not on its way yet: it interrupts itself (offload.cpp)
        }
}

void signalfd_fork(Process* parent, Process* child)
{
    SignalFds* from = __atomic_load_n(&parent->signalfds, __ATOMIC_ACQUIRE);
    if (!from)
        return;
    auto* to = new SignalFds;
    if (!to)
        return; // the child's signalfds are eventfds only
    SpinLockGuard guard(parent->lock);
    for (uint32_t i = 0; i < from->n; i++) {
        SignalFdFile* f = nullptr;
        for (uint32_t j = 0; j < i && !f; j++) // dup'ed ones share a file in the child too
            if (from->e[j].file == from->e[i].file)
                f = to->e[j].file;
        if (!f && (f = new SignalFdFile)) {
            f->mask = from->e[i].file->mask;
            f->ready = from->e[i].file->ready;
        }
        if (!f)
            break;
        to->e[to->n++] = {from->e[i].fd, f, true};
    }
    to->renew_pending = to->n != 0;
    child->signalfds = to;
}

void signalfd_free(Process* p)
{
    SignalFds* tab = p->signalfds;
    if (!tab)
        return;
    while (tab->n)
        drop_locked(tab, tab->e[0].fd);
    delete tab;
    p->signalfds = nullptr;
}

} // namespace mck
