// SPDX-License-Identifier: GPL-2.0
// process_vm_readv/writev between two processes of this instance, done here in
// one copy: each piece goes from the caller's memory straight to the target's
// page (through the direct map, or a per-CPU window for Linux's pages) or
// back, so Open MPI's single-copy transport (CMA) works between ranks on the
// LWK. A pid that is not one of ours (a Linux process, a program of another
// instance), or credentials the LWK no longer knows, leave the call to Linux
// as before (docs/memory.md, "Between two LWK programs").
//
// Locks: only one process lock at a time (they share a rank), the target's,
// held for one piece of at most a page: look the page up, copy. The caller's
// page is touched under it with the fault-safe copy, which fails instead of
// mapping a missing page while a lock is held; then the lock is dropped, the
// missing page (either side) faulted in with interrupts on, and the piece
// tried again. Holding the target's lock keeps its page in place: an unmap
// takes that lock, and the page is freed only later, once Linux let go.
#include <kernel/errno.h>
#include <kernel/mem.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/process_vm.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>
#include <lib/spinlock.h>

#include <arch/mmu.h>
#include <arch/paging.h>
#include <mcexec/abi.h>

namespace mck {
namespace {

constexpr uint64_t IOV_MAX = 1024;            // UIO_MAXIOV: Linux refuses more with EINVAL
constexpr uint64_t MAX_RW_COUNT = 0x7ffff000; // INT_MAX & PAGE_MASK: Linux moves no more in one call
constexpr uint64_t NR_READV = 310, NR_WRITEV = 311;
constexpr uint64_t PAGE = arch::PAGE_4K;
constexpr uint64_t TASK_SIZE_MAX = (1ull << 47) - PAGE; // x86-64, 4-level paging

struct UserIovec {
    uint64_t base, len;
};

bool in_user_range(uint64_t start, uint64_t len)
{
    return start >= MCK_USER_START && len <= MCK_USER_END && start <= MCK_USER_END - len;
}

uint64_t min(uint64_t a, uint64_t b) { return a < b ? a : b; }

// Linux's iovec_from_user: the whole array readable (EFAULT), then no
// negative length (EINVAL). On success *@total is the sum of the lengths
// (each below 2^63, so at most 1024 of them cannot overflow).
int64_t check_iov(UserPtr<UserIovec> vec, uint64_t count, uint64_t* total)
{
    if (count > IOV_MAX)
        return -EINVAL;
    bool negative = false;
    *total = 0;
    for (uint64_t i = 0; i < count; i++) {
        UserIovec v;
        if (!get_user(v, vec.at(i)))
            return -EFAULT;
        negative |= int64_t(v.len) < 0;
        *total += v.len;
    }
    return negative ? -EINVAL : 0;
}

// Walks an iovec array of the caller's, one segment at a time. The array is
// read again as the copy goes (no kernel copy of up to 16 KiB): another
// thread changing it meanwhile changes what is copied, never what is allowed.
class IovCursor {
public:
    IovCursor(UserPtr<UserIovec> vec, uint64_t count) : m_vec(vec), m_count(count) {}

    // The unfinished part of the current segment: 1 and (@addr, @left), 0 at
    // the end, -EFAULT if the array cannot be read any more.
    int next(uint64_t* addr, uint64_t* left)
    {
        while (!m_left) {
            if (m_index == m_count)
                return 0;
            UserIovec v;
            if (!get_user(v, m_vec.at(m_index++)))
                return -EFAULT;
            m_addr = v.base;
            m_left = v.len;
        }
        *addr = m_addr;
        *left = m_left;
        return 1;
    }
    void advance(uint64_t n)
    {
        m_addr += n;
        m_left -= n;
    }

private:
    UserPtr<UserIovec> m_vec;
    uint64_t m_count, m_index = 0;
    uint64_t m_addr = 0, m_left = 0;
};

} // namespace

bool creds_of(Process* p, Creds* c)
{
    if (__atomic_load_n(&p->creds_changed, __ATOMIC_ACQUIRE) || !p->shared)
        return false;
    c->flags = __atomic_load_n(&p->shared->cred_flags, __ATOMIC_ACQUIRE);
    if (!(c->flags & MCK_CRED_VALID))
        return false;
    for (int i = 0; i < 3; i++) {
        c->uid[i] = __atomic_load_n(&p->shared->cred_uid[i], __ATOMIC_RELAXED);
        c->gid[i] = __atomic_load_n(&p->shared->cred_gid[i], __ATOMIC_RELAXED);
    }
    if (p->dumpable >= 0)
        c->flags = (c->flags & ~MCK_CRED_DUMPABLE) | (p->dumpable ? MCK_CRED_DUMPABLE : 0);
    return true;
}

// Linux's __ptrace_may_access with REALCREDS (process_vm_readv's ATTACH,
// migrate_pages' READ: the same rule): the caller's real uid and gid are each
// of the target's real, effective and saved ones, and the target is
// dumpable; or the caller has CAP_SYS_PTRACE (in the initial user namespace
// only: stricter than Linux inside a user namespace). Not modelled: Yama's
// ptrace_scope and other security modules (docs/memory.md).
Access process_may_access(Process* caller, Process* target)
{
    if (caller == target)
        return Access::Allowed;
    Creds c, t;
    if (!creds_of(caller, &c) || !creds_of(target, &t))
        return Access::AskLinux;
    bool cap = c.flags & MCK_CRED_PTRACE;
    bool same = true;
    for (int i = 0; i < 3; i++)
        same &= c.uid[0] == t.uid[i] && c.gid[0] == t.gid[i];
    if (cap || (same && (t.flags & MCK_CRED_DUMPABLE)))
        return Access::Allowed;
    return Access::Denied;
}

namespace {

enum class Missing { Nothing, Remote, Local };

// Copy @n bytes (within one page on each side) between the caller's @local
// and @target's @remote: into the target's memory if @write. False: EFAULT
// (a page missing that cannot be faulted in, or not accessible that way).
bool copy_piece(Process* target, uint64_t remote, uint64_t local, uint64_t n, bool write)
{
    if (!in_user_range(remote, n))
        return false;
    Process* self = current()->proc;
    // A page faulted in may be unmapped again by another thread before we
    // take the lock: a few tries, then EFAULT (as an unmapped page would give).
    for (int attempt = 0; attempt < 4; attempt++) {
        Missing missing = Missing::Nothing;
        {
            SpinLockGuard guard(target->lock);
            uint64_t pa, psize;
            uint32_t prot;
            if (!arch::mmu_lookup(target->root, remote, &pa, &prot, &psize) ||
                (write && (prot & arch::PROT_COW))) {
                missing = Missing::Remote; // vm_access_ok maps it, or copies a page shared copy-on-write
            } else {
                if (!(prot & arch::PROT_R) || (write && !(prot & arch::PROT_W)) || vm_io_locked(target, remote))
                    return false;
                // Linux's pages (shared file mappings, System V segments) are
                // not in the direct map: through this CPU's window. mcctrl
                // keeps them pinned until the program's mcexec is gone.
                bool ours = mem_owns(pa);
                if (!ours && (target->exiting || target->linux_gone))
                    return false;
                void* page = ours ? arch::phys_to_virt(pa) : arch::map_window(pa); // pa has the offset
                bool ok = write ? copy_from_user(page, UserPtr<uint8_t>(local), n)
                                : copy_to_user(UserPtr<uint8_t>(local), page, n);
                if (!ours)
                    arch::unmap_window();
                if (ok)
                    return true;
                missing = Missing::Local;
            }
        }
        // No lock held: map the missing page (demand memory) or fail as a fault would.
        bool mapped = missing == Missing::Remote ? vm_access_ok(target, remote, n, write)
                                                 : vm_access_ok(self, local, n, !write);
        if (!mapped)
            return false;
    }
    return false;
}

int64_t process_vm(SyscallArgs& a, bool write)
{
    uint64_t nr = write ? NR_WRITEV : NR_READV;
    int32_t pid = int32_t(a.arg[0]);
    UserPtr<UserIovec> lvec = a.ptr<UserIovec>(1), rvec = a.ptr<UserIovec>(3);
    uint64_t lcount = a.arg[2], rcount = a.arg[4];
    // Linux's order of checks: flags, the local iovecs (also their ranges:
    // import_iovec), nothing to move, the remote iovecs, the pid, the permission.
    if (a.arg[5])
        return -EINVAL;
    uint64_t total;
    if (int64_t e = check_iov(lvec, lcount, &total))
        return e;
    for (uint64_t i = 0; i < lcount; i++) {
        UserIovec v;
        if (!get_user(v, lvec.at(i)))
            return -EFAULT;
        // Linux's access_ok (below TASK_SIZE_MAX); the rest fails as the copy goes.
        if (v.len > TASK_SIZE_MAX || v.base > TASK_SIZE_MAX - v.len)
            return -EFAULT;
    }
    if (!total)
        return 0;
    uint64_t remote_total;
    if (int64_t e = check_iov(rvec, rcount, &remote_total))
        return e;

    Process* self = current()->proc;
    RefPtr<Process> target;
    if (pid > 0) {
        target = process_find(uint32_t(pid));
        if (!target && thread_find(self, uint32_t(pid)))
            target = process_find(self->pid); // a thread id of our own
    }
    if (!target)
        return offload(nr, a.arg); // not ours: Linux finds it, or says ESRCH
    if (target->exiting || target->linux_gone)
        return -ESRCH; // Linux: the task has no memory any more
    switch (process_may_access(self, target.get())) {
    case Access::AskLinux:
        return offload(nr, a.arg);
    case Access::Denied:
        return -EPERM;
    case Access::Allowed:
        break;
    }

    IovCursor l(lvec, lcount), r(rvec, rcount);
    uint64_t budget = min(total, MAX_RW_COUNT), done = 0;
    int64_t err = 0;
    Thread* t = current();
    while (done < budget) {
        uint64_t la = 0, ll = 0, ra = 0, rl = 0;
        int lr = l.next(&la, &ll), rr = r.next(&ra, &rl);
        if (lr <= 0 || rr <= 0) {
            err = lr < 0 || rr < 0 ? -EFAULT : 0;
            break;
        }
        if (t->killed || self->exiting) {
            err = -EINTR; // never seen: the thread leaves on the way out
            break;
        }
        uint64_t n = min(min(ll, rl), min(budget - done, min(PAGE - (la & (PAGE - 1)), PAGE - (ra & (PAGE - 1)))));
        if (!copy_piece(target.get(), ra, la, n, write)) {
            err = -EFAULT;
            break;
        }
        done += n;
        l.advance(n);
        r.advance(n);
    }
    // As Linux: what was copied, if anything, else the error.
    return done ? int64_t(done) : err;
}

} // namespace

int64_t sys_process_vm_readv(SyscallArgs& a) { return process_vm(a, false); }
int64_t sys_process_vm_writev(SyscallArgs& a) { return process_vm(a, true); }

void process_vm_fork(Process* parent, Process* child)
{
    // mcexec makes itself undumpable once the program is set up (docs/security.md),
    // so a fork child's mcexec always is: what mcctrl records for the child says
    // nothing about the program, which Linux would have inherit the parent's state.
    Creds c;
    if (!creds_of(parent, &c)) {
        child->creds_changed = true;
        return;
    }
    child->dumpable = (c.flags & MCK_CRED_DUMPABLE) ? 1 : 0;
}

void process_vm_note_offload(Process* p, uint64_t nr, const uint64_t args[6])
{
    constexpr uint64_t PR_SET_DUMPABLE = 4;
    switch (nr) {
    case 59:  // execve: a set-user-ID program
    case 105: // setuid
    case 106: // setgid
    case 113: // setreuid
    case 114: // setregid
    case 117: // setresuid
    case 119: // setresgid
    case 126: // capset
    case 322: // execveat
        break;
    case 157: // prctl
        if (args[0] != PR_SET_DUMPABLE)
            return;
        break;
    default:
        return;
    }
    __atomic_store_n(&p->creds_changed, true, __ATOMIC_RELEASE);
}

} // namespace mck
