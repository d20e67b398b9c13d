// SPDX-License-Identifier: GPL-2.0
// Snapshots of a process for its /proc/self files (kernel/procfs.h).
//
// A snapshot is bounded: the header, one entry per thread (at most
// MCK_MAX_THREADS) and per region (at most MCK_SNAPSHOT_MAX_VMAS), about 2 MiB
// at worst. It is gathered under the process lock into pages taken before the
// lock (counted first, with room for a few more; what does not fit is cut and
// counted in the *_total fields), then copied into a private mapping of the
// process, because mcexec reads only the program's range, and unmapped once
// mcexec has made the file.
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/mem.h>
#include <kernel/offload.h>
#include <kernel/procfs.h>
#include <kernel/process.h>
#include <kernel/rusage.h>
#include <kernel/syscall.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>
#include <lib/error_or.h>
#include <mcexec/abi.h>

namespace mck {
namespace {

constexpr uint64_t SYS_OPEN = 2, SYS_CREAT = 85, SYS_OPENAT = 257, SYS_OPENAT2 = 437;
constexpr uint64_t PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x2, MAP_ANONYMOUS = 0x20;
constexpr uint64_t PAGE = 4096;
constexpr uint32_t SLACK = 16; // threads or regions that may appear between counting and gathering

static_assert(MCK_SNAP_VMA_HEAP == VMA_HEAP && MCK_SNAP_VMA_STACK == VMA_STACK && MCK_SNAP_VMA_FILE == VMA_FILE &&
              MCK_SNAP_VMA_SHARED == VMA_SHARED && MCK_SNAP_VMA_LOCKED == VMA_LOCKED);
static_assert(sizeof(mck_proc_snapshot) == 112 && sizeof(mck_snap_thread) == 88 && sizeof(mck_snap_vma) == 32);
static_assert(MCK_PROT_READ == arch::PROT_R && MCK_PROT_WRITE == arch::PROT_W && MCK_PROT_EXEC == arch::PROT_X);

uint64_t round_up(uint64_t n) { return (n + PAGE - 1) & ~(PAGE - 1); }

// What @p may still get (MemFree and MemAvailable in its /proc/meminfo,
// sysinfo's freeram): the rest of its share's memory, at most what the LWK
// has free. Caller holds p->lock.
uint64_t mem_free_for(Process* p)
{
    uint64_t free = mem_free_bytes(-1);
    if (!p->mem_limit)
        return free;
    uint64_t rest = p->mem_limit > p->mem_used ? p->mem_limit - p->mem_used : 0;
    return rest < free ? rest : free;
}

// Linux's letters: R running or runnable, S waiting for an event (a futex, a
// sleep, Linux answering an offloaded call), D waiting in the kernel, Z ended.
uint32_t state_letter(const Thread* t)
{
    switch (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE)) {
    case ThreadState::Runnable:
    case ThreadState::Running:
        return 'R';
    case ThreadState::Dead:
        return 'Z';
    case ThreadState::Blocked:
        break;
    }
    return t->interruptible || t->in_offload ? 'S' : 'D';
}

bool is_open(uint64_t nr) { return nr == SYS_OPEN || nr == SYS_CREAT || nr == SYS_OPENAT || nr == SYS_OPENAT2; }

// The snapshot of @p into @out (of @out.size() bytes); its length.
uint64_t gather(Process* p, const KernelPages& out, uint32_t max_threads, uint32_t max_vmas)
{
    auto* h = reinterpret_cast<mck_proc_snapshot*>(out.data());
    auto* threads = reinterpret_cast<mck_snap_thread*>(h + 1);
    *h = mck_proc_snapshot{};
    h->version = MCK_SNAPSHOT_VERSION;
    h->pid = p->pid;
    h->tsc_khz = boot_param().tsc_khz;
    SpinLockGuard guard(p->lock);
    for (Thread* t = p->threads; t; t = t->proc_next) {
        h->threads_total++;
        if (h->nthreads == max_threads)
            continue;
        mck_snap_thread& s = threads[h->nthreads++];
        s = mck_snap_thread{};
        s.tid = t->tid;
        s.state = state_letter(t);
        s.cpu = t->cpu >= p->cpu_first ? t->cpu - p->cpu_first : 0;
        s.run_tsc = thread_run_tsc(t);
        s.user_tsc = t->user_tsc < s.run_tsc ? t->user_tsc : s.run_tsc;
        s.minflt = t->minflt;
        s.nvcsw = t->nvcsw;
        s.nivcsw = t->nivcsw;
        for (uint32_t w = 0; w < CpuMask::WORDS; w++)
            s.cpus[w] = t->affinity.bits[w];
    }
    // The regions right after the threads listed.
    auto* vmas = reinterpret_cast<mck_snap_vma*>(threads + h->nthreads);
    for (Vma* v = p->vmas; v; v = v->next) {
        h->vmas_total++;
        if (h->nvmas == max_vmas)
            continue;
        vmas[h->nvmas++] = mck_snap_vma{v->start, v->end, v->prot, v->flags & (VMA_HEAP | VMA_STACK | VMA_FILE | VMA_SHARED | VMA_LOCKED),
                                        v->linux_addr};
    }
    h->brk_start = p->brk_start;
    h->brk = p->brk;
    h->stack_start = p->stack_start;
    h->mem_used = p->mem_used;
    h->mem_peak = p->mem_peak;
    h->minflt = p->minflt;
    h->ended_run_tsc = p->ended.cpu_tsc;
    h->children_run_tsc = p->children.cpu_tsc;
    h->children_minflt = p->children.minflt;
    h->mem_free = mem_free_for(p);
    return sizeof(*h) + uint64_t(h->nthreads) * sizeof(mck_snap_thread) + uint64_t(h->nvmas) * sizeof(mck_snap_vma);
}

// Have mcexec make the file the open (@nr, @args) names from a snapshot of
// @target (the calling process or another): the descriptor or -errno.
int64_t open_from_snapshot(Process* target, uint64_t nr, const uint64_t args[6])
{
    Process* p = current()->proc; // the snapshot goes into the caller's memory
    uint32_t nthreads = 0, nvmas = 0;
    {
        SpinLockGuard guard(target->lock);
        nthreads = target->nthreads;
        for (Vma* v = target->vmas; v && nvmas < MCK_SNAPSHOT_MAX_VMAS; v = v->next)
            nvmas++;
    }
    uint32_t max_threads = nthreads + SLACK < MCK_MAX_THREADS ? nthreads + SLACK : MCK_MAX_THREADS;
    uint32_t max_vmas = nvmas + SLACK < MCK_SNAPSHOT_MAX_VMAS ? nvmas + SLACK : MCK_SNAPSHOT_MAX_VMAS;
    KernelPages buf(sizeof(mck_proc_snapshot) + uint64_t(max_threads) * sizeof(mck_snap_thread) +
                    uint64_t(max_vmas) * sizeof(mck_snap_vma));
    if (!buf.ok())
        return -ENOMEM;
    uint64_t len = gather(target, buf, max_threads, max_vmas);
    int64_t addr = vm_mmap(p, 0, round_up(len), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr < 0)
        return addr;
    int64_t ret = -EFAULT;
    if (copy_to_user(UserPtr<uint8_t>(uint64_t(addr)), buf.data(), len)) {
        uint64_t call[6] = {uint64_t(addr), len, nr, args[0], args[1], args[2]};
        ret = offload(MCK_SYS_PROC_FILE, call);
    }
    (void)vm_munmap(p, uint64_t(addr), round_up(len));
    return ret;
}

} // namespace

// mcexec answers with the share's memory (mcexec/src/lwk_view_tree.cpp);
// what is free in it is the LWK's to say.
int64_t sys_sysinfo(SyscallArgs& a)
{
    constexpr uint64_t SYS_SYSINFO = 99, FREERAM_AT = 40; // struct sysinfo: uptime, loads[3], totalram, freeram
    int64_t ret = offload(SYS_SYSINFO, a.arg);
    if (ret != 0)
        return ret;
    Process* p = current()->proc;
    uint64_t free;
    {
        SpinLockGuard guard(p->lock);
        free = mem_free_for(p);
    }
    uint64_t total = 0;
    if (!get_user(total, UserPtr<uint64_t>(a.arg[0] + FREERAM_AT - 8)))
        return -EFAULT;
    return put_user(UserPtr<uint64_t>(a.arg[0] + FREERAM_AT), free < total ? free : total) ? 0 : -EFAULT;
}

int64_t procfs_answer(uint64_t nr, const uint64_t args[6], int64_t ret)
{
    constexpr int64_t FIRST = -int64_t(MCK_PROC_FILE_RETRY), LAST = FIRST - MCK_PROC_FILE_MAX_PID;
    if (ret > FIRST || ret < LAST)
        return ret;
    if (!is_open(nr))
        return -EIO; // not an answer mcexec gives to anything else
    uint32_t pid = uint32_t(FIRST - ret);
    RefPtr<Process> other;
    if (pid && pid != current()->proc->pid)
        other = process_find(pid);
    if (pid && pid != current()->proc->pid && !other) {
        // Not an LWK process (not of this instance): Linux's file.
        uint64_t call[6] = {0, 0, nr, args[0], args[1], args[2]};
        ret = offload(MCK_SYS_PROC_FILE, call);
    } else {
        ret = open_from_snapshot(other ? other.get() : current()->proc, nr, args);
    }
    // mcexec never sends it back twice; a program must never see it.
    return ret <= FIRST && ret >= LAST ? -EIO : ret;
}

} // namespace mck
