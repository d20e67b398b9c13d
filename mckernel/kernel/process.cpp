// SPDX-License-Identifier: GPL-2.0
// Process and thread lifetimes, and Linux's requests about them (IKC).
//
//   mcexec/mcctrl          McKernel (home CPU of the process)
//   CREATE          --->   address space, shared block, main thread (not started)
//                   <---   REPLY(shared block)
//   SETUP           --->   map the regions mcexec listed; REPLY
//   (mcexec writes the program, its loader and its stack through the unified mapping)
//   START           --->   final protections, main thread runs; REPLY
//   ...                    SYSCALL / offload (offload.cpp)
//                   <---   EXIT(status)   when the last thread ends
//   EXIT_ACK        --->   Linux dropped its view: memory is freed
//   KILL            --->   mcexec is gone: end everything, free at once
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/ikc.h>
#include <kernel/itimer.h>
#include <kernel/mem.h>
#include <kernel/mempolicy.h>
#include <kernel/offload.h>
#include <kernel/posix_timer.h>
#include <kernel/process.h>
#include <kernel/process_vm.h>
#include <kernel/rusage.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/signalfd.h>
#include <kernel/stats.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <kernel/usage.h>
#include <kernel/vdso.h>
#include <kernel/vm.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <ihk/ikc.h>

extern "C" void mck_thread_entry();
extern "C" void* memset(void*, int, size_t);
extern "C" void* memcpy(void*, const void*, size_t);

namespace mck {
namespace {

// Processes alive or kept aside per instance (Linux's threads-max and
// RLIMIT_NPROC are the other bounds; fork and clone answer EAGAIN past it).
// Each costs its mcexec on Linux too (docs/lwk.md, "fork").
constexpr uint32_t MAX_PROCS = 1024;
constexpr uint64_t KSTACK_SIZE = 16 * 1024;

Process* g_procs[MAX_PROCS];
Process* g_pending[MAX_PROCS]; // fork children kept aside until adopted
uint64_t g_fork_seq;
SpinLock g_procs_lock{LockRank::Processes}; // both tables
uint32_t g_next_tid = LWK_FIRST_TID;
uint64_t g_next_serial = 1; // Process::serial
// The pids of the processes that ended last (g_procs_lock): Linux may still name
// one as a parent for a moment after it ended here, before it reparents.
constexpr uint32_t RECENT_EXITS = 256;
uint32_t g_recent_exits[RECENT_EXITS];
uint32_t g_recent_next;

bool recently_exited(uint32_t pid)
{
    for (uint32_t e : g_recent_exits)
        if (e == pid)
            return true;
    return false;
}

// @pid ended: its children's mcexec get another Linux parent (getppid asks again).
void forget_parent(uint32_t pid)
{
    SpinLockGuard guard(g_procs_lock);
    g_recent_exits[g_recent_next++ % RECENT_EXITS] = pid;
    for (Process* p : g_procs)
        if (p && p->ppid == pid)
            __atomic_store_n(&p->ppid, 0, __ATOMIC_RELAXED);
}

// Pages of shared file mappings are Linux's: only our own go back to the allocator.
void free_page_cb(uint64_t phys, uint64_t size, void*)
{
    if (mem_owns(phys))
        mem_free(phys, size);
}

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

void reply(uint32_t cpu_index, uint32_t pid, uint32_t type, int64_t result, uint64_t extra = 0,
           uint64_t serial = 0)
{
    ihk_ikc_msg r{};
    r.type = MCK_IKC_REPLY;
    r.arg[0] = pid;
    r.arg[1] = type;
    r.arg[2] = uint64_t(result);
    r.arg[3] = extra;
    r.arg[4] = serial;
    ikc_post_to_linux(cpu_index, r);
}

uint64_t fpu_bytes() { return round_up(arch::fpu_area_size(), arch::PAGE_4K); }

void fork_state_free(Process* p)
{
    if (!p->fork)
        return;
    if (p->fork->fpu_phys)
        mem_free(p->fork->fpu_phys, fpu_bytes());
    delete p->fork;
    p->fork = nullptr;
}

// Take the pages Linux reported it still holds (mck_proc_shared::held): they
// never go back to the allocator, whichever way we free them. Linux wrote the
// report before the inval_done or exit acknowledgement that lets us free them.
// Caller holds p->lock, or is the last user of @p.
void take_held(Process* p)
{
    mck_proc_shared* s = p->shared;
    if (!s)
        return;
    uint64_t seq = __atomic_load_n(&s->held_seq, __ATOMIC_ACQUIRE);
    uint64_t taken = s->held_taken;
    if (seq - taken > MCK_HELD_SLOTS) {
        // Linux never writes past what we took; if it did, trust nothing.
        kprintf("process %u: Linux's report of held pages overran; keeping all of its pages", p->pid);
        p->keep_all = true;
        taken = seq - MCK_HELD_SLOTS;
    }
    for (; taken != seq; taken++) {
        const mck_held& h = s->held[taken % MCK_HELD_SLOTS];
        uint64_t phys = h.phys, len = h.len;
        if (!len || len > (1ull << 40) || !mem_owns(phys))
            continue;
        uint64_t n = mem_withhold(phys, len);
        if (n)
            kprintf("process %u: 0x%lx (%lu KiB) still held by Linux when it was unmapped: kept out of use", p->pid,
                    phys, n * 4);
    }
    __atomic_store_n(&s->held_taken, seq, __ATOMIC_RELEASE);
    if (__atomic_load_n(&s->held_all, __ATOMIC_ACQUIRE) && !p->keep_all) {
        kprintf("process %u: Linux holds too many of its pages to list: keeping all of them", p->pid);
        p->keep_all = true;
    }
}

void no_free_cb(uint64_t, uint64_t, void*) {}

// A vfork child ended (or never ran): its parent's thread goes on.
void vfork_release(Process* c)
{
    Thread* t = __atomic_exchange_n(&c->vfork_parent, nullptr, __ATOMIC_ACQ_REL);
    if (!t)
        return;
    __atomic_store_n(&t->vfork_done, true, __ATOMIC_RELEASE);
    sched_wake(t);
    ref_release(t);
}

// The last reference went: no thread, not in the table, nobody looking.
void process_destroy(Process* p)
{
    vfork_release(p);
    fork_state_free(p);
    take_held(p);
    signal_free_queue(p, p->sigqueue);
    posix_timer_process_free(p);
    signalfd_free(p);
    while (DeferredFree* d = p->deferred) {
        p->deferred = d->next;
        if (!p->keep_all)
            mem_free(d->phys, d->size);
        delete d;
    }
    if (p->root)
        arch::mmu_free_space(p->root, p->keep_all ? no_free_cb : free_page_cb, nullptr);
    vm_free_all(p);
    if (p->shared_phys)
        mem_free(p->shared_phys, round_up(sizeof(mck_proc_shared), arch::PAGE_4K));
    delete p;
}

// Put @p into the table (its reference becomes the table's); EAGAIN when
// MAX_PROCS processes are there already.
ErrorOr<void> table_insert(Process* p)
{
    SpinLockGuard guard(g_procs_lock);
    if (p->ppid && recently_exited(p->ppid))
        p->ppid = 0; // the parent ended before its child was adopted
    for (auto& slot : g_procs)
        if (!slot) {
            slot = p;
            p->in_table = true;
            p->serial = g_next_serial++;
            usage_process_start();
            return {};
        }
    return Error::from_errno(EAGAIN);
}

// The fork children @pid kept aside that no mcexec adopted: they go with it.
void abandon_children_of(uint32_t pid)
{
    // A batch at a time: the table is too large for the kernel stack.
    constexpr uint32_t BATCH = 32;
    Process* gone[BATCH];
    uint32_t n;
    do {
        n = 0;
        {
            SpinLockGuard guard(g_procs_lock);
            for (auto& slot : g_pending)
                if (slot && slot->parent_pid == pid && n < BATCH) {
                    gone[n++] = slot;
                    slot = nullptr;
                }
        }
        for (uint32_t i = 0; i < n; i++)
            process_destroy(gone[i]);
    } while (n == BATCH);
}

// Take @p out of the table and drop the table's reference; once only.
void process_retire(Process* p)
{
    bool was_in;
    {
        SpinLockGuard guard(g_procs_lock);
        was_in = p->in_table;
        p->in_table = false;
        for (auto& slot : g_procs)
            if (slot == p)
                slot = nullptr;
    }
    if (was_in) {
        usage_process_end();
        ref_release(p);
    }
}

// The last thread ended: tell Linux, which acknowledges once it no longer maps
// our memory. @linux_gone: mcexec had gone already (read with the thread count).
void process_finish(Process* p, bool linux_gone)
{
    // Also after KILL: Linux keeps pages of shared mappings pinned until it hears this.
    usage_exited(p);
    ihk_ikc_msg m{};
    m.type = MCK_IKC_EXIT;
    m.arg[0] = p->pid;
    m.arg[1] = uint64_t(int64_t(p->exit_status));
    m.arg[2] = p->serial;
    ikc_post_to_linux(p->home_cpu, m); // lost, it would leave mcexec and its waiters waiting
    forget_parent(p->pid);
    abandon_children_of(p->pid);
    vfork_release(p);
    if (linux_gone)
        process_retire(p);
}

void thread_free(Thread* t)
{
    Process* p = t->proc;
    mem_free(t->kstack, KSTACK_SIZE);
    mem_free(reinterpret_cast<uint64_t>(t->fpu) - arch::DIRECT_BASE, round_up(arch::fpu_area_size(), arch::PAGE_4K));
    if (t->offload_phys)
        mem_free(t->offload_phys, arch::PAGE_4K);
    signal_free_queue(p, t->sigqueue);
    delete t;
    ref_release(p);
}

// What CREATE and FORK answer Linux with (MCK_IKC_REPLY).
struct Made {
    uint64_t shared_phys = 0;
    uint64_t serial = 0;
};

int64_t create(uint32_t cpu_index, const ihk_ikc_msg& m, Made* made_out)
{
    const ihk_boot_param& bp = boot_param();
    uint32_t pid = uint32_t(m.arg[0]), first = uint32_t(m.arg[1]), count = uint32_t(m.arg[1] >> 32);
    if (!count)
        count = bp.num_cpus - first;
    if (first >= bp.num_cpus || count > bp.num_cpus - first || !pid)
        return -EINVAL;
    if (process_find(pid))
        return -EEXIST;
    auto* p = new Process; // its reference becomes the table's
    if (!p)
        return -ENOMEM;
    p->pid = pid;
    p->home_cpu = cpu_index;
    p->cpu_first = first;
    p->cpu_count = count;
    p->mem_limit = m.arg[2];
    p->realtime_offset_ns = int64_t(m.arg[3]);
    p->mono_base_ns = int64_t(m.arg[4]);
    // Linux read its clock at TSC arg[5]: anchoring there, not at our "now",
    // keeps the way here (an IKC trip, 100 ms in an emulator) out of our clocks.
    // A TSC in the future or minutes old is not one we share: anchor now.
    uint64_t now = arch::rdtsc(), then = m.arg[5];
    p->tsc_base = then && then <= now && tsc_to_ns(now - then) < 10000000000ull ? then : now;
    p->root = arch::mmu_new_space();
    p->shared_phys = mem_alloc(round_up(sizeof(mck_proc_shared), arch::PAGE_4K), bp.cpus[first].numa_node);
    if (!p->root || !p->shared_phys) {
        process_destroy(p);
        return -ENOMEM;
    }
    p->shared = static_cast<mck_proc_shared*>(arch::phys_to_virt(p->shared_phys));
    p->shared->pml4_phys = p->root;
    stats_init(p);
    if (auto r = table_insert(p); r.is_error()) {
        process_destroy(p);
        return to_syscall_result(r);
    }
    arch::TrapFrame frame{};
    // Set up before it is published (thread_create): a kill from another LWK
    // process could run it to its end at once.
    auto made = thread_create(p, frame, first, [pid](Thread* t) { t->tid = pid; });
    if (made.is_error()) {
        process_retire(p); // the last reference: frees it
        return to_syscall_result(made);
    }
    *made_out = Made{p->shared_phys, p->serial};
    kprintf("process %u: created on CPU(s) %u-%u", pid, first, first + count - 1);
    return 0;
}

// MCK_IKC_FORK: the mcexec forked for MCK_SYS_FORK @token adopts the child
// its parent's process kept aside; it becomes process @pid.
int64_t adopt(uint32_t cpu_index, const ihk_ikc_msg& m, Made* made_out)
{
    uint32_t pid = uint32_t(m.arg[0]), parent = uint32_t(m.arg[1]);
    uint64_t token = m.arg[2];
    if (!pid)
        return -EINVAL;
    if (process_find(pid))
        return -EEXIST;
    Process* c = nullptr;
    {
        SpinLockGuard guard(g_procs_lock);
        // Only the Linux child of the parent's mcexec may have it (mcctrl names the parent).
        for (auto& slot : g_pending)
            if (slot && slot->fork_token == token && slot->parent_pid == parent) {
                c = slot;
                slot = nullptr;
                break;
            }
    }
    if (!c)
        return -ESRCH;
    c->pid = pid;
    c->home_cpu = cpu_index;
    c->ppid = parent; // mcexec's Linux parent is the parent's mcexec (mcctrl checked)
    if (auto r = table_insert(c); r.is_error()) {
        process_destroy(c);
        return to_syscall_result(r);
    }
    ForkState* fs = c->fork;
    uint32_t first_allowed = 0; // where the forking thread could run
    while (first_allowed + 1 < c->cpu_count && !fs->affinity.has(first_allowed))
        first_allowed++;
    // Set up before it is published (thread_create): the child is in the
    // table already, and a kill from another LWK process could run it to its
    // end at once.
    auto made = thread_create(c, fs->frame, c->cpu_first + first_allowed, [&](Thread* t) {
        t->tid = pid;
        memcpy(t->fpu, fs->fpu, arch::fpu_area_size());
        t->fs_base = fs->fs_base;
        t->gs_base = fs->gs_base;
        t->sigmask = fs->sigmask;
        t->affinity = fs->affinity;
        t->mempolicy = c->mempolicy;
        t->altstack_sp = fs->altstack_sp;
        t->altstack_size = fs->altstack_size;
        t->altstack_flags = fs->altstack_flags;
        t->clear_child_tid = fs->clear_tid;
        t->fork_set_tid = fs->set_tid;
        t->fork_child = true;
    });
    if (made.is_error()) {
        process_retire(c); // the last reference: frees it
        return to_syscall_result(made);
    }
    fork_state_free(c);
    c->forked = true;
    *made_out = Made{c->shared_phys, c->serial};
    kprintf("process %u: forked from %u (%lu MiB copied, %lu MiB shared copy-on-write)", pid, parent,
            (c->mem_used - c->fork_shared) >> 20, c->fork_shared >> 20);
    return 0;
}

int64_t setup(Process* p)
{
    // A copy: Linux writes the shared block, and another SETUP could change it under us.
    const mcexec_setup s = p->shared->setup;
    if (p->started || s.num_regions > MCK_MAX_REGIONS)
        return -22;
    // What the execve before this image kept: its NUMA policy, which places
    // the image's memory too (so first), and its CPUs (Linux keeps both).
    MemPolicy policy;
    if (int64_t err = mempolicy_from_exec(s.keeps, &policy))
        return err;
    CpuMask cpus, share = CpuMask::first(p->cpu_count);
    bool any = false, all = true;
    for (uint32_t w = 0; w < CpuMask::WORDS; w++) {
        cpus.bits[w] = s.keeps.cpus[w] & share.bits[w];
        any |= cpus.bits[w] != 0;
        all &= s.keeps.cpus[w] == 0;
    }
    if (!any && !all)
        return -22; // CPUs, none of them the share's
    {
        // Under the lock: a kill (another LWK process's tgkill) may end the
        // unstarted main thread, which leaves the list under this lock.
        SpinLockGuard guard(p->lock);
        Thread* main = p->threads;
        if (!main || p->exiting)
            return -22;
        p->mempolicy = policy;
        main->mempolicy = policy;
        if (any) {
            // The least loaded CPU it may use, as Linux's sched_exec picks.
            uint32_t to = ~0u;
            for (uint32_t c = 0; c < p->cpu_count; c++)
                if (cpus.has(c) && (to == ~0u || sched_load(p->cpu_first + c) < sched_load(p->cpu_first + to)))
                    to = c;
            main->affinity = cpus;
            if (p->cpu_first + to != main->cpu)
                main->migrate_to = p->cpu_first + to; // on its first way out, after START
        }
    }
    for (uint32_t i = 0; i < s.num_regions; i++) {
        const mcexec_region& r = p->shared->regions[i];
        int64_t ret = vm_setup_region(p, r.start, r.len, r.prot, r.start == s.stack_start ? VMA_STACK : VMA_IMAGE);
        if (ret)
            return ret;
    }
    if (s.brk_start & (arch::PAGE_4K - 1) || s.brk_start < MCK_USER_START || s.brk_start >= MCK_MMAP_TOP)
        return -22;
    p->brk_start = p->brk = s.brk_start;
    p->stack_start = s.stack_start;
    for (uint32_t i = 0; i < MCK_RLIMITS; i++) {
        if (s.rlimits[i].cur > s.rlimits[i].max)
            return -22;
        p->rlimits[i] = s.rlimits[i];
    }
    // Through execve (the one before this image, or its launcher's: nohup),
    // ignored signals stay ignored, and the mask and the signals pending for it
    // stay. mcexec's SIGCHLD action is then the same as the program's: SIG_IGN
    // or, its flags gone with execve, the default.
    signal_exec_inherit(p, s.ignored, s.blocked, s.pending);
    return vdso_map(p);
}

// START of a process whose main thread is @main (referenced by the caller).
int64_t start_main(Process* p, Thread* main, uint64_t entry, uint64_t sp)
{
    if (p->forked) { // it goes on from the parent's fork call
        if (p->started)
            return -22;
        __atomic_store_n(&p->started, true, __ATOMIC_RELEASE); // after the frame (mck_exit_to_user)
        stats_start(p);
        itimer_cpu_limit_changed(p); // its CPU time starts at 0, its limit is its parent's
        sched_wake(main);
        return 0;
    }
    if (p->started || entry >= MCK_USER_END || sp >= MCK_USER_END)
        return -22;
    vm_apply_protections(p);
    arch::TrapFrame* f = main->frame();
    f->rip = entry;
    f->rsp = sp;
    p->start_sp = sp;
    f->cs = 0x2b;
    f->ss = 0x23;
    f->rflags = 0x202;
    __atomic_store_n(&p->started, true, __ATOMIC_RELEASE); // after the frame (mck_exit_to_user)
    stats_start(p);
    itimer_cpu_limit_changed(p); // armed once started: it ends through process_end, which disarms it
    sched_wake(main);
    return 0;
}

int64_t start(Process* p, uint64_t entry, uint64_t sp)
{
    // The main thread, with a reference: a kill (another LWK process's
    // tgkill) may end it before START, and it leaves the list under p->lock.
    Thread* main;
    {
        SpinLockGuard guard(p->lock);
        main = p->threads;
        if (!main)
            return -22;
        ref_acquire(main);
    }
    int64_t ret = start_main(p, main, entry, sp);
    ref_release(main);
    return ret;
}

} // namespace

void ref_acquire(Thread* t) { __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED); }

void ref_release(Thread* t)
{
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
        thread_free(t);
}

void ref_acquire(Process* p) { __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED); }

void ref_release(Process* p)
{
    if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
        process_destroy(p);
}

RefPtr<Process> process_find(uint32_t pid)
{
    SpinLockGuard guard(g_procs_lock);
    for (Process* p : g_procs)
        if (p && p->pid == pid)
            return RefPtr<Process>(p);
    return {};
}

RefPtr<Thread> thread_find(Process* p, uint32_t tid)
{
    SpinLockGuard guard(p->lock);
    for (Thread* t = p->threads; t; t = t->proc_next)
        if (t->tid == tid)
            return RefPtr<Thread>(t);
    return {};
}

RefPtr<Thread> thread_find_anywhere(uint32_t tid)
{
    SpinLockGuard guard(g_procs_lock);
    for (Process* p : g_procs) {
        if (!p)
            continue;
        SpinLockGuard pguard(p->lock);
        for (Thread* t = p->threads; t; t = t->proc_next)
            if (t->tid == tid)
                return RefPtr<Thread>(t);
    }
    return {};
}

uint32_t process_cpu_count(const Process* p) { return p->cpu_count; }

int64_t process_ppid(Process* p, uint64_t (&args)[6])
{
    if (uint32_t known = __atomic_load_n(&p->ppid, __ATOMIC_RELAXED))
        return known;
    int64_t ppid = offload(110, args);
    if (ppid > 0) {
        // Not an LWK process that ended just now: Linux may not have reparented yet.
        SpinLockGuard guard(g_procs_lock);
        if (!recently_exited(uint32_t(ppid)))
            __atomic_store_n(&p->ppid, uint32_t(ppid), __ATOMIC_RELAXED);
    }
    return ppid;
}

ErrorOr<Thread*> thread_new(Process* p, const arch::TrapFrame& frame, uint32_t cpu)
{
    auto* t = new Thread;
    if (!t)
        return Error::from_errno(ENOMEM);
    int node = boot_param().cpus[cpu].numa_node;
    uint64_t fpu_bytes = round_up(arch::fpu_area_size(), arch::PAGE_4K);
    t->kstack = mem_alloc(KSTACK_SIZE, node);
    uint64_t fpu = mem_alloc(fpu_bytes, node);
    t->offload_phys = mem_alloc(arch::PAGE_4K, node);
    if (!t->kstack || !fpu || !t->offload_phys) {
        if (t->kstack)
            mem_free(t->kstack, KSTACK_SIZE);
        if (fpu)
            mem_free(fpu, fpu_bytes);
        if (t->offload_phys)
            mem_free(t->offload_phys, arch::PAGE_4K);
        delete t;
        return Error::from_errno(ENOMEM);
    }
    t->fpu = arch::phys_to_virt(fpu);
    arch::fpu_init_area(t->fpu);
    t->offload = static_cast<mck_offload*>(arch::phys_to_virt(t->offload_phys));
    t->kstack_top = reinterpret_cast<uint64_t>(arch::phys_to_virt(t->kstack)) + KSTACK_SIZE;
    *t->frame() = frame;
    // The first switch pops six callee-saved registers and returns to mck_thread_entry.
    auto* sp = reinterpret_cast<uint64_t*>(t->frame());
    *--sp = reinterpret_cast<uint64_t>(mck_thread_entry);
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->ctx_sp = reinterpret_cast<uint64_t>(sp);
    t->affinity = CpuMask::first(p->cpu_count);
    t->proc = p;
    ref_acquire(p); // released by thread_free()
    t->cpu = cpu;
    t->state = ThreadState::Blocked;
    t->tid = __atomic_fetch_add(&g_next_tid, 1, __ATOMIC_RELAXED);
    t->offload->pid = p->pid;
    return t;
}

ErrorOr<void> thread_publish(Thread* t)
{
    Process* p = t->proc;
    bool room;
    {
        SpinLockGuard guard(p->lock);
        // Counted under the lock, so two clones cannot both take the last place.
        room = p->nthreads < MCK_MAX_THREADS;
        // The main thread stays first in the list: START finds it there.
        if (room && p->threads) {
            t->proc_next = p->threads->proc_next;
            p->threads->proc_next = t;
        } else if (room) {
            p->threads = t;
        }
        p->nthreads += room;
    }
    if (!room) {
        thread_free(t);
        return Error::from_errno(EAGAIN);
    }
    stats_thread_start(p);
    usage_thread_start();
    sched_add(t);
    return {};
}

[[noreturn]] void thread_exit()
{
    Thread* t = current();
    Process* p = t->proc;
    bool last, linux_gone;
    {
        SpinLockGuard guard(p->lock);
        for (Thread** pp = &p->threads; *pp; pp = &(*pp)->proc_next)
            if (*pp == t) {
                *pp = t->proc_next;
                break;
            }
        // Its time stays the process's (CLOCK_PROCESS_CPUTIME_ID, getrusage).
        p->ended.add(Usage{t->run_tsc + (arch::rdtsc() - t->run_start), 0, 0, t->nvcsw, t->nivcsw, t->user_tsc});
        p->ended_user_tsc += t->user_tsc;
        last = --p->nthreads == 0;
        linux_gone = p->linux_gone;
        if (t->in_offload) {
            // Linux may still complete that call: its block goes with the process.
            if (auto* d = new DeferredFree{t->offload_phys, arch::PAGE_4K, ~0ull, p->deferred})
                p->deferred = d;
            else
                kprintf("memory: offload block 0x%lx kept out of use: no kernel memory to track it", t->offload_phys);
            t->offload_phys = 0;
        }
    }
    stats_thread_end(t);
    usage_thread_end();
    if (last) {
        itimer_process_end(p);
        posix_timer_process_end(p);
        stats_process_end(p);
        if (Thread* waiting = __atomic_load_n(&p->vfork_parent, __ATOMIC_ACQUIRE); waiting && p->vfork_shares)
            vm_vfork_copy_back(p, waiting->proc); // before process_finish lets the parent go on
        arch::irq_disable();
        arch::write_cr3(arch::mmu_kernel_space()); // the process's tables may go now
        process_finish(p, linux_gone);
    }
    sched_exit(); // drops our life reference (and with the last, the process's)
}

void process_kill(Process* p, int32_t status)
{
    // Every thread, the current one too: called from an interrupt (Linux's
    // KILL or SIGNAL, a timer), the current thread is whichever one that
    // interrupted, and it may be on its way to block in an offloaded call
    // that mcexec, gone, will never answer. Left unmarked (as it was), it
    // blocked for good and the process never ended. A thread that kills its
    // own process exits anyway.
    // In batches (the stack has no room for every thread): each marks the
    // threads it takes, so the next finds the rest.
    constexpr uint32_t BATCH = 64;
    Thread* victims[BATCH]; // each holds a reference
    uint32_t n;
    do {
        n = 0;
        {
            SpinLockGuard guard(p->lock);
            if (!p->exiting) {
                p->exiting = true;
                p->exit_status = status;
            }
            for (Thread* t = p->threads; t && n < BATCH; t = t->proc_next)
                if (!t->killed) {
                    t->killed = true;
                    ref_acquire(t);
                    victims[n++] = t;
                }
        }
        for (uint32_t i = 0; i < n; i++) {
            sched_kick(victims[i]);
            ref_release(victims[i]);
        }
    } while (n == BATCH);
}

int64_t process_fork_prepare(const arch::TrapFrame& frame, uint64_t stack, uint64_t set_tid, uint64_t clear_tid,
                             uint64_t tls, bool set_tls, bool vfork)
{
    Thread* self = current();
    Process* parent = self->proc;
    auto* c = new Process; // its reference becomes the table's when adopted
    if (!c)
        return -12;
    if (vfork) {
        __atomic_store_n(&self->vfork_done, false, __ATOMIC_RELAXED);
        ref_acquire(self);
        c->vfork_parent = self;
        SpinLockGuard guard(parent->lock);
        c->vfork_shares = parent->nthreads == 1; // as vm_fork_copy decides
    }
    int node = boot_param().cpus[self->cpu].numa_node;
    c->cpu_first = parent->cpu_first;
    c->cpu_count = parent->cpu_count;
    c->realtime_offset_ns = parent->realtime_offset_ns;
    c->mono_base_ns = parent->mono_base_ns;
    c->tsc_base = parent->tsc_base;
    c->parent_pid = parent->pid;
    c->start_sp = parent->start_sp;
    c->itimer_real_local = true; // Linux's fork leaves the child none
    {
        SpinLockGuard guard(parent->lock);
        for (uint32_t i = 0; i < 64; i++)
            c->actions[i] = parent->actions[i]; // handlers are inherited, pending signals not
        c->reap_changes = parent->reap_changes; // as the forked mcexec's count of them
        for (uint32_t i = 0; i < MCK_RLIMITS; i++)
            c->rlimits[i] = parent->rlimits[i];
        c->mempolicy = self->mempolicy; // the forking thread's: its child's main thread's
    }
    process_vm_fork(parent, c);
    signalfd_fork(parent, c);
    c->root = arch::mmu_new_space();
    c->shared_phys = mem_alloc(round_up(sizeof(mck_proc_shared), arch::PAGE_4K), node);
    c->fork = new ForkState;
    if (c->fork)
        c->fork->fpu_phys = mem_alloc(fpu_bytes(), node);
    if (!c->root || !c->shared_phys || !c->fork || !c->fork->fpu_phys) {
        process_destroy(c);
        return -12;
    }
    c->shared = static_cast<mck_proc_shared*>(arch::phys_to_virt(c->shared_phys));
    c->shared->pml4_phys = c->root;
    stats_init(c);
    ForkState* fs = c->fork;
    fs->fpu = arch::phys_to_virt(fs->fpu_phys);
    arch::fpu_save(fs->fpu); // the caller's live user state: the kernel uses none
    fs->frame = frame;
    fs->frame.rax = 0;
    if (stack)
        fs->frame.rsp = stack;
    fs->fs_base = set_tls ? tls : arch::rdmsr(arch::MSR_FS_BASE);
    fs->gs_base = arch::rdmsr(arch::MSR_KERNEL_GS_BASE);
    fs->sigmask = self->sigmask;
    fs->affinity = self->affinity;
    fs->altstack_sp = self->altstack_sp;
    fs->altstack_size = self->altstack_size;
    fs->altstack_flags = self->altstack_flags;
    fs->set_tid = set_tid;
    fs->clear_tid = clear_tid;
    if (int64_t err = vm_fork_copy(parent, c)) {
        process_destroy(c);
        return err;
    }
    int64_t token = -11; // EAGAIN: as many processes (running or waiting) as may exist
    {
        SpinLockGuard guard(g_procs_lock);
        uint32_t used = 0;
        for (uint32_t i = 0; i < MAX_PROCS; i++)
            used += (g_procs[i] != nullptr) + (g_pending[i] != nullptr);
        for (auto& slot : g_pending)
            if (!slot && used < MAX_PROCS) {
                c->fork_token = (uint64_t(parent->pid) << 32) | (++g_fork_seq & 0xffffffffull);
                token = int64_t(c->fork_token);
                slot = c;
                break;
            }
    }
    if (token < 0)
        process_destroy(c);
    return token;
}

void process_fork_abandon(uint64_t token)
{
    Process* c = nullptr;
    {
        SpinLockGuard guard(g_procs_lock);
        for (auto& slot : g_pending)
            if (slot && slot->fork_token == token) {
                c = slot;
                slot = nullptr;
            }
    }
    if (c)
        process_destroy(c);
}

void process_vfork_wait(Thread* self, uint64_t token)
{
    // The child ends only once a mcexec adopted it: one that died before
    // (killed right after Linux's fork) would leave us waiting for good.
    constexpr uint64_t ADOPT_LIMIT_US = 60ull * 1000 * 1000;
    uint64_t give_up = deadline_after_us(ADOPT_LIMIT_US);
    bool adopted = false;
    while (!__atomic_load_n(&self->vfork_done, __ATOMIC_ACQUIRE) && !self->killed) {
        sched_block(adopted ? 0 : give_up);
        if (adopted || arch::rdtsc() < give_up)
            continue;
        bool pending = false;
        {
            SpinLockGuard guard(g_procs_lock);
            for (Process* slot : g_pending)
                pending |= slot && slot->fork_token == token;
        }
        if (pending) {
            kprintf("process %u: vfork child not adopted by a mcexec within 60 s: the parent goes on",
                    self->proc->pid);
            return;
        }
        adopted = true;
    }
}

void process_fork_child_first_run(Thread* t)
{
    t->fork_child = false;
    vm_fork_adopt(t->proc);
    if (t->fork_set_tid)
        (void)put_user(UserPtr<uint32_t>(t->fork_set_tid), t->tid);
}

void process_reclaim(Process* p)
{
    uint64_t done = __atomic_load_n(&p->shared->inval_done, __ATOMIC_ACQUIRE);
    SpinLockGuard guard(p->lock);
    take_held(p); // after inval_done: what Linux reported before acknowledging
    for (DeferredFree** pp = &p->deferred; *pp;) {
        DeferredFree* d = *pp;
        if (d->seq <= done) {
            *pp = d->next;
            if (!p->keep_all)
                mem_free(d->phys, d->size);
            delete d;
        } else {
            pp = &d->next;
        }
    }
}

void process_unmapped(Process* p, uint64_t start, uint64_t len, DeferredFree* pages)
{
    mck_proc_shared* s = p->shared;
    uint64_t seq = s->inval_seq + 1;
    s->inval[seq % MCK_INVAL_SLOTS] = mck_inval{start, len};
    __atomic_store_n(&s->inval_seq, seq, __ATOMIC_RELEASE);
    while (pages) {
        DeferredFree* next = pages->next;
        pages->seq = seq;
        pages->next = p->deferred;
        p->deferred = pages;
        pages = next;
    }
}

namespace {

// TLB shootdowns by generation, with no lock: a request takes the next
// generation and waits until every target CPU has flushed at least up to it.
// A CPU flushes (and records the newest generation it saw) in the IPI handler,
// or while it waits for its own shootdown with interrupts off, so two CPUs
// shooting at each other both finish, and any number may be in flight.
uint64_t g_tlb_gen;                                  // the newest request
volatile uint64_t g_tlb_done[IHK_BOOT_MAX_CPUS];     // per CPU: flushed up to this

void tlb_flush_here()
{
    uint64_t gen = __atomic_load_n(&g_tlb_gen, __ATOMIC_ACQUIRE);
    arch::write_cr3(arch::read_cr3());
    uint32_t me = arch::this_cpu()->index;
    uint64_t done = __atomic_load_n(&g_tlb_done[me], __ATOMIC_RELAXED);
    while (done < gen && !__atomic_compare_exchange_n(&g_tlb_done[me], &done, gen, false, __ATOMIC_RELEASE,
                                                      __ATOMIC_RELAXED)) {
    }
}

} // namespace

void tlb_flush_irq() { tlb_flush_here(); }

void process_flush_tlb(Process* p, uint64_t start, uint64_t len)
{
    arch::mmu_flush_local(p->root, start, len);
    if (p->cpu_count == 1)
        return;
    uint32_t here = arch::this_cpu()->index;
    uint64_t gen = __atomic_add_fetch(&g_tlb_gen, 1, __ATOMIC_ACQ_REL);
    bool target[IHK_BOOT_MAX_CPUS] = {};
    uint32_t sent = 0;
    for (uint32_t c = p->cpu_first; c < p->cpu_first + p->cpu_count; c++)
        if (c != here && sched_runs(c, p)) {
            target[c] = true;
            arch::apic_send_ipi(boot_param().cpus[c].apic_id, arch::VECTOR_TLB);
            sent++;
        }
    uint64_t start_tsc = arch::rdtsc();
    for (uint32_t c = p->cpu_first; sent && c < p->cpu_first + p->cpu_count; c++) {
        while (target[c] && __atomic_load_n(&g_tlb_done[c], __ATOMIC_ACQUIRE) < gen) {
            // Another CPU may be waiting for us with interrupts off: serve it.
            if (__atomic_load_n(&g_tlb_done[here], __ATOMIC_RELAXED) < __atomic_load_n(&g_tlb_gen, __ATOMIC_RELAXED))
                tlb_flush_here();
            if (arch::tsc_to_us(arch::rdtsc() - start_tsc) > 1000000) {
                kprintf("process %u: TLB shootdown: CPU %u did not flush within 1 s", p->pid, c);
                target[c] = false;
                break;
            }
            arch::cpu_relax();
        }
    }
}

void process_ikc(uint32_t cpu_index, const ihk_ikc_msg& m)
{
    uint32_t pid = uint32_t(m.arg[0]);
    if (m.type == MCK_IKC_CREATE || m.type == MCK_IKC_FORK) {
        Made made;
        int64_t ret = m.type == MCK_IKC_CREATE ? create(cpu_index, m, &made) : adopt(cpu_index, m, &made);
        reply(cpu_index, pid, m.type, ret, made.shared_phys, made.serial);
        return;
    }
    RefPtr<Process> ref = process_find(pid);
    Process* p = ref.get();
    if (!p) {
        if (m.type != MCK_IKC_KILL && m.type != MCK_IKC_EXIT_ACK)
            reply(cpu_index, pid, m.type, -3); // ESRCH
        return;
    }
    switch (m.type) {
    case MCK_IKC_SETUP:
        reply(cpu_index, pid, m.type, setup(p));
        break;
    case MCK_IKC_START:
        reply(cpu_index, pid, m.type, start(p, m.arg[1], m.arg[2]));
        break;
    case MCK_IKC_SIGNAL: {
        uint64_t sig = m.arg[1];
        if (sig == 0 || sig > 64) {
            reply(cpu_index, pid, m.type, sig == 0 ? 0 : -22);
            break;
        }
        SigInfo info; // the sender's, as Linux told mcexec
        info.code = int32_t(m.arg[2]);
        info.pid = int32_t(m.arg[3]);
        info.uid = uint32_t(m.arg[4]);
        info.word3 = m.arg[5];
        signal_send_process(p, int(sig), info); // interrupts an offloaded call if a handler runs
        reply(cpu_index, pid, m.type, 0);
        break;
    }
    case MCK_IKC_STOPPED:
        signal_stopped_by_linux(p);
        reply(cpu_index, pid, m.type, 0);
        break;
    case MCK_IKC_KILL: {
        kprintf("process %u: mcexec is gone, ending it", pid);
        bool ended;
        {
            // With the thread count, so exactly one of us and thread_exit() retires it.
            SpinLockGuard guard(p->lock);
            p->linux_gone = true;
            ended = !p->nthreads;
        }
        if (ended)
            process_retire(p); // it had ended and waited for EXIT_ACK
        else
            process_kill(p, 9); // an unstarted main thread runs only to exit
        break;
    }
    case MCK_IKC_EXIT_ACK: {
        bool ended;
        {
            SpinLockGuard guard(p->lock);
            ended = !p->nthreads;
        }
        if (ended)
            process_retire(p);
        break;
    }
    default:
        kprintf("process %u: unknown request %u from Linux", pid, m.type);
    }
}

} // namespace mck
