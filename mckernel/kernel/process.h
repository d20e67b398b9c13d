// SPDX-License-Identifier: GPL-2.0
// Processes and threads on the LWK. A process is the LWK half of one mcexec:
// it has mcexec's pid, an address space, signal state and threads; its
// offloaded calls run in that mcexec.
//
// Lifetimes. Both are reference-counted (RefPtr, lib/ref_ptr.h) because other
// CPUs reach them through lookups, signals and futex wake-ups while they end:
//   Thread:  one reference for its life, dropped when the scheduler reaps it
//            after it died (off its stack); one per RefPtr from thread_find(),
//            a signal or kill target, a futex waker.
//   Process: one reference for its slot in the process table, dropped when
//            Linux says it no longer maps the memory (EXIT_ACK) or is gone
//            (KILL); one per Thread; one per RefPtr from process_find().
// The last release frees the object: a thread's stacks, then its process
// reference; a process's address space and the memory Linux may still see.
#pragma once

#include <lib/error_or.h>

#include <lib/ref_ptr.h>
#include <lib/spinlock.h>
#include <kernel/timer.h>
#include <ihk/boot.h>
#include <mcexec/abi.h>

#include <arch/trap.h>
#include <stddef.h>
#include <stdint.h>

namespace mck {

struct Process;
struct PosixTimer; // kernel/posix_timer.cpp
struct SignalFds;  // kernel/signalfd.cpp

enum class ThreadState : uint8_t { Runnable, Running, Blocked, Dead };

// What a signal carries (siginfo_t's fields we fill).
struct SigInfo {
    int32_t code = 0;
    int32_t pid = 0;
    uint32_t uid = 0;
    uint64_t word3 = 0; // siginfo's word at byte 24: SIGCHLD's si_status, a queued signal's si_value
    uint64_t addr = 0;
};

// One sent instance of a real-time signal, kept with its own siginfo until it
// is delivered (kernel/signal.cpp); standard signals coalesce in a pending bit.
struct SigQueued {
    SigQueued* next = nullptr;
    int sig = 0;
    SigInfo info;
};

// Queued real-time signals in the order they were sent.
struct SigList {
    SigQueued* head = nullptr;
    SigQueued* tail = nullptr;
};

// Thread ids the LWK hands out: above Linux's largest pid_max, below
// FUTEX_TID_MASK. A main thread's tid is its mcexec's pid (Linux's space).
constexpr uint32_t LWK_FIRST_TID = 4194304;

// The last fault a thread took that raised a signal (for the log if it is fatal).
struct FaultInfo {
    int sig = 0;
    uint64_t vector = 0, error = 0, addr = 0, ip = 0, sp = 0;
};

// What a process used (kernel/rusage.h): of its threads, or of the children it reaped.
struct Usage {
    uint64_t cpu_tsc = 0;   // TSC spent running
    uint64_t minflt = 0;    // page faults served
    uint64_t maxrss_kb = 0; // peak memory
    uint64_t nvcsw = 0, nivcsw = 0;
    uint64_t user_tsc = 0;  // of cpu_tsc, in user mode (the rest is system time)

    void add(const Usage& o)
    {
        cpu_tsc += o.cpu_tsc;
        user_tsc += o.user_tsc;
        minflt += o.minflt;
        maxrss_kb = maxrss_kb > o.maxrss_kb ? maxrss_kb : o.maxrss_kb;
        nvcsw += o.nvcsw;
        nivcsw += o.nivcsw;
    }
};

// A set of CPUs of a process's share, numbered as the program sees them (0..n-1).
struct CpuMask {
    static constexpr uint32_t WORDS = IHK_BOOT_MAX_CPUS / 64;
    uint64_t bits[WORDS] = {};

    bool has(uint32_t cpu) const { return cpu < WORDS * 64 && (bits[cpu / 64] >> (cpu % 64) & 1); }
    // All of the first @n CPUs.
    static CpuMask first(uint32_t n)
    {
        CpuMask m;
        for (uint32_t c = 0; c < n && c < WORDS * 64; c++)
            m.bits[c / 64] |= 1ull << (c % 64);
        return m;
    }
};

// A NUMA memory policy as set_mempolicy/mbind set it (kernel/mempolicy.cpp):
// mode 0 (MPOL_DEFAULT) is none. @nodes is what get_mempolicy reports: the
// nodes in effect, or the caller's own mask with MPOL_F_STATIC_NODES or
// MPOL_F_RELATIVE_NODES. Nodes 0-63 only.
struct MemPolicy {
    uint16_t mode = 0, flags = 0;
    uint64_t nodes = 0;
};

struct Thread {
    uint64_t ctx_sp = 0;      // kernel stack pointer while switched out
    uint64_t kstack = 0;      // physical base of the kernel stack
    uint64_t kstack_top = 0;  // its virtual top; the user TrapFrame sits just below
    Process* proc = nullptr;
    uint32_t tid = 0;
    uint32_t cpu = 0;         // LWK CPU index it runs on
    ThreadState state = ThreadState::Blocked;
    bool wake_pending = false;  // woken before it blocked
    bool killed = false;        // leave at the next return to user mode
    bool interruptible = false; // blocked where a signal may wake it (futex, sleep)
    bool in_offload = false;    // blocked on Linux (its offload block is Linux's)
    bool offload_interruptible = false; // that call is the program's own: a signal may interrupt it
    bool parked = false;        // stopped by job control until SIGCONT (Process::lock; signal.cpp)
    uint64_t syscall_nr = ~0ull; // the system call being served (Linux's orig_ax): ~0 outside one
    uint32_t migrate_to = ~0u;  // sched_setaffinity asked for another CPU
    CpuMask affinity;           // where it may run: bits of the process's share (0..cpu_count-1)
    Thread* rq_next = nullptr;
    Thread* proc_next = nullptr;
    // Two links, not one: a thread waiting on Linux may also sleep with a
    // deadline (its call's message waits for room in a full ring).
    Thread* sleep_next = nullptr;   // its CPU's sleepers with a deadline
    Thread* offload_next = nullptr; // its CPU's threads waiting on Linux
    void* fpu = nullptr;          // extended state, while not on the CPU
    uint64_t fs_base = 0, gs_base = 0;
    mck_offload* offload = nullptr;
    uint64_t offload_phys = 0;
    uint64_t clear_child_tid = 0, robust_list = 0;
    uint64_t sigmask = 0, sigpending = 0;
    uint64_t saved_sigmask = 0;  // rt_sigsuspend: the mask to restore once a handler is set up
    bool restore_sigmask = false;
    uint64_t sigwait_set = 0;    // rt_sigtimedwait, a signalfd's read: blocked signals it takes meanwhile
    // A wait for descriptors on Linux (poll, select, epoll; kernel/signalfd.cpp):
    // FD_WAIT_NONE, FD_WAITING, or FD_WAIT_KICKED (a signal a signalfd takes came:
    // interrupt it, wait again). Changed under Process::lock, read atomically.
    uint8_t fd_wait = 0;
    SigInfo siginfo[64];         // of a pending standard signal (and a real-time one without a node)
    SigList sigqueue;            // real-time signals sent to this thread
    uint64_t altstack_sp = 0, altstack_size = 0;
    uint32_t altstack_flags = 2; // SS_DISABLE
    uint64_t wake_at = 0;        // TSC deadline while sleeping, 0 if none
    uint64_t run_tsc = 0;        // TSC spent running
    uint64_t run_start = 0;
    uint64_t minflt = 0, nvcsw = 0, nivcsw = 0; // getrusage
    uint64_t user_since = 0;     // TSC of the last return to user mode, 0 while in the kernel
    uint64_t user_tsc = 0;       // TSC spent in user mode
    uint32_t spin_window_us = ~0u; // offload: how long to spin next time (~0u: the full budget)
    FaultInfo fault;
    uint32_t refs = 1;           // see the top of this file
    bool fork_child = false;     // a fork child's main thread, not yet in user mode
    bool vfork_done = false;     // vfork: the child ended or exec'd (atomic; see Process::vfork_parent)
    uint64_t fork_set_tid = 0;   // CLONE_CHILD_SETTID: where the child writes its tid
    MemPolicy mempolicy;         // set_mempolicy's, as Linux keeps it: per thread, inherited by new threads

    arch::TrapFrame* frame() const { return reinterpret_cast<arch::TrapFrame*>(kstack_top) - 1; }
};


struct Vma {
    uint64_t start, end;
    uint32_t prot;
    uint32_t flags;
    Vma* next;
    uint64_t linux_addr = 0; // VMA_SHARED: where mcexec maps the file page at start
    MemPolicy policy{};      // mbind's; mode 0: the process's applies
};
constexpr uint32_t VMA_HEAP = 1, VMA_STACK = 2, VMA_FILE = 4, VMA_PAST_EOF = 8, // PAST_EOF: SIGBUS
                   VMA_SHARED = 16,   // pages are Linux's (a shared mapping)
                   VMA_MAYWRITE = 32, // shared: Linux pinned them for writing (the file allows it)
                   VMA_MAYEXEC = 64,  // a file mapping: its mount allows executing it
                   VMA_ADOPT = 128,   // shared, in a fork child: not mapped until vm_fork_adopt()
                   VMA_SHM = 256,     // shared: a System V shared memory attach
                   VMA_SHARED_ANON = 512, // shared: MAP_SHARED|MAP_ANONYMOUS, seen by no Linux program
                   VMA_LOCKED = 1024,     // mlock'ed: counts against RLIMIT_MEMLOCK (nothing else changes)
                   VMA_IO = 2048,         // shared: a device's memory or I/O space, no pages (Linux's VM_IO|VM_PFNMAP)
                   VMA_HUGE_2M = 4096,    // MAP_HUGETLB: 2 MiB pages only, split and unmapped at 2 MiB boundaries
                   VMA_HUGE_1G = 8192,    // MAP_HUGETLB | MAP_HUGE_1GB: 1 GiB pages (2 MiB where none is free)
                   VMA_SPECIAL = 16384,   // the vDSO and its data page (Linux's special mappings, VM_DONTEXPAND)
                   VMA_IMAGE = 32768;     // the program's or its loader's segments, which mcexec wrote from the
                                          // file before START (on Linux: private mappings of the file)

// Pages unmapped but possibly still in mcexec's view, until Linux says it dropped them.
struct DeferredFree {
    uint64_t phys, size, seq;
    DeferredFree* next;
};

// What a fork child's main thread starts from, kept until its mcexec adopts it.
struct ForkState {
    arch::TrapFrame frame;       // the parent's, returning 0
    void* fpu = nullptr;         // the parent's extended state (fpu_phys's pages)
    uint64_t fpu_phys = 0;
    uint64_t fs_base = 0, gs_base = 0, sigmask = 0;
    CpuMask affinity;
    uint64_t altstack_sp = 0, altstack_size = 0;
    uint32_t altstack_flags = 2;
    uint64_t set_tid = 0, clear_tid = 0; // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
};

struct KSigAction {
    uint64_t handler = 0; // SIG_DFL 0, SIG_IGN 1
    uint64_t flags = 0;
    uint64_t restorer = 0;
    uint64_t mask = 0;
};

// One of setitimer's timers (kernel/itimer.cpp), under Process::lock.
struct ITimer {
    Timer timer;              // REAL: at the expiry; VIRTUAL, PROF: when to look at the CPU time again
    uint64_t value_ns = 0;    // REAL: CLOCK_MONOTONIC ns, the others: CPU ns, at which it expires; 0: disarmed
    uint64_t interval_ns = 0;
};

struct Process {
    uint32_t pid = 0;
    uint32_t home_cpu = 0;          // the CPU whose IKC ring talks to mcctrl about it
    uint32_t cpu_first = 0, cpu_count = 0;
    uint64_t root = 0;              // page tables
    mck_proc_shared* shared = nullptr;
    uint64_t shared_phys = 0;
    SpinLock lock{LockRank::Process}; // everything below
    Vma* vmas = nullptr;            // sorted, disjoint
    uint64_t brk_start = 0, brk = 0;
    uint32_t mmap_colours = 0;      // large anonymous mappings placed so far (vm.cpp: colouring)
    uint64_t stack_start = 0;
    uint64_t mem_limit = 0, mem_used = 0, mem_peak = 0;
    mck_rlimit rlimits[MCK_RLIMITS] = {{~0ull, ~0ull}, {~0ull, ~0ull}, {~0ull, ~0ull}, {~0ull, ~0ull}}; // MCK_RLIMIT_*
    // For memory no thread of the process allocates (Linux's SETUP, a fork's
    // copy): its main thread's set_mempolicy policy; a fork child's, the
    // forking thread's. Each thread has its own (Thread::mempolicy).
    MemPolicy mempolicy;
    uint64_t minflt = 0;            // page faults served, all threads
    Usage ended;                    // of its threads that ended
    Usage children;                 // of the children it reaped, and theirs
    uint64_t ended_user_tsc = 0;    // user-mode TSC of its threads that ended (ITIMER_VIRTUAL)
    ITimer itimers[4];              // ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF; RLIMIT_CPU's check
    bool itimers_gone = false;      // the last thread ended: none is armed again (POSIX timers neither)
    PosixTimer* ptimers = nullptr;  // timer_create's, by id (kernel/posix_timer.cpp)
    SignalFds* signalfds = nullptr; // the descriptors that are signalfds, once there was one (kernel/signalfd.cpp)
    PosixTimer* ptimers_free = nullptr; // deleted ones, reused, freed with the process: a late expiry may look at one
    uint32_t nptimers = 0;
    int32_t ptimer_next_id = 0;
    bool ptimers_held = false;      // an execve is under way: timers send nothing (posix_timer.h)
    bool itimer_real_local = false; // ITIMER_REAL is the LWK's, not left on Linux by an execve (itimer.cpp)
    Thread* threads = nullptr;
    uint32_t nthreads = 0;
    KSigAction actions[64];
    // Changes of SIGCHLD's reaping mode sent to mcexec (MCK_SYS_CHILD_REAP's
    // @seq); counted per image, as mcexec counts the ones it applied.
    uint64_t reap_changes = 0;
    uint64_t sigpending = 0;
    SigInfo siginfo[64];
    SigList sigqueue;               // real-time signals sent to the process
    uint32_t sigqueued = 0;         // nodes in its and its threads' queues
    int64_t sigpending_limit = -1;  // Linux's RLIMIT_SIGPENDING for the program, -1: ask Linux
    bool stopped = false;           // a stop signal stopped it, until SIGCONT (signal.cpp)
    Thread* dumper = nullptr;       // writing a core: the others wait in the kernel (coredump.h; atomic)
    bool started = false;
    bool exiting = false;
    bool linux_gone = false;        // mcexec is gone: nobody to report to
    int32_t exit_status = 0;        // wait(2) encoding
    DeferredFree* deferred = nullptr;
    // Linux's pages of shared mappings unmapped by the call under way (inside
    // a vm.cpp SharedReleases scope), to be unpinned once it flushed its TLBs.
    // Outside a scope, or past the limit, they stay pinned until it ends.
    struct SharedRelease {
        uint64_t linux_addr, len, inval_seq;
    };
    static constexpr uint32_t MAX_SHARED_RELEASES = 16;
    SharedRelease shared_releases[MAX_SHARED_RELEASES];
    uint32_t nshared_releases = 0;
    uint32_t release_scopes = 0;
    bool keep_all = false;          // Linux may hold any of its pages: free none (docs/memory.md)
    bool lock_future = false;       // mlockall(MCL_FUTURE): new mappings are locked (syscall.cpp)
    int64_t realtime_offset_ns = 0; // CLOCK_REALTIME - CLOCK_MONOTONIC at creation
    int64_t mono_base_ns = 0;       // CLOCK_MONOTONIC at creation ...
    uint64_t tsc_base = 0;          // ... at this TSC
    uint32_t refs = 1;              // see the top of this file
    bool in_table = false;          // holds its table reference (g_procs_lock)
    // Which process of this pid: a pid comes back (a new mcexec, or mcexec
    // making another after the first ended), and Linux tells the two apart
    // by it (MCK_IKC_REPLY, MCK_IKC_EXIT). Set in the table, g_procs_lock.
    uint64_t serial = 0;
    // fork: a child waits aside (pid 0) until the mcexec its parent's mcexec
    // forked adopts it (MCK_IKC_FORK with @fork_token, from @parent_pid's child).
    uint32_t parent_pid = 0;
    uint64_t fork_token = 0;
    ForkState* fork = nullptr;      // until adopted
    // vfork: the parent's thread, waiting (with a reference) until this child's
    // last thread ends, which an exec (a new LWK process) also does; as
    // Linux's vfork, which lets the parent go on at the child's exit or exec.
    Thread* vfork_parent = nullptr; // atomic
    bool vfork_shares = false;      // ... whose pages it shared: its writes go back (vm_vfork_copy_back)
    uint64_t fork_shared = 0;       // bytes a fork child shares copy-on-write (for the log)
    bool forked = false;            // START runs it as it is (no entry, no stack)
    uint64_t start_sp = 0;          // the initial stack (argc, argv, envp, auxv) mcexec built; a fork child's parent's
    // getppid: mcexec's Linux parent, 0 until known (g_procs_lock; read without it).
    // A fork child knows it at adoption; otherwise one offloaded getppid learns it.
    // When an LWK process ends, its children forget it: Linux reparents their
    // mcexec (to a subreaper or init), and the next getppid asks Linux again.
    uint32_t ppid = 0;
    // The program offloaded a call that may change its credentials: what
    // mcctrl recorded at creation (mck_proc_shared) is stale (kernel/process_vm.cpp).
    bool creds_changed = false;
    // A fork child: its program's dumpable state, the parent's (1, 0); -1:
    // mcctrl's record of mcexec's at its start (a child's mcexec never is).
    int8_t dumpable = -1;
};

constexpr uint8_t FD_WAIT_NONE = 0, FD_WAITING = 1, FD_WAIT_KICKED = 2; // Thread::fd_wait

// The running thread of this CPU; nullptr on an idle CPU.
Thread* current();

// Linux's requests (IKC), on the process's home CPU, in interrupt context.
void process_ikc(uint32_t cpu_index, const struct ihk_ikc_msg& m);

void ref_acquire(Thread* t);
void ref_release(Thread* t);  // the last one frees it (it is dead, off its stack)
void ref_acquire(Process* p);
void ref_release(Process* p); // the last one frees it (no thread, out of the table)

RefPtr<Process> process_find(uint32_t pid);
RefPtr<Thread> thread_find(Process* p, uint32_t tid);
// The thread @tid of any LWK process.
RefPtr<Thread> thread_find_anywhere(uint32_t tid);
// A new thread of @p with @frame, on @cpu: ENOMEM when out of memory. Nobody
// sees it yet, so its creator may set it up undisturbed.
ErrorOr<Thread*> thread_new(Process* p, const arch::TrapFrame& frame, uint32_t cpu);
// Make @t one of its process's threads (Blocked until woken): from here on a
// kill of the process wakes it, and it may run, exit and be freed at once.
// EAGAIN when the process has MCK_MAX_THREADS already: @t is freed.
ErrorOr<void> thread_publish(Thread* t);
// thread_new, then @init(t) (its fields, before anyone can wake it), then
// thread_publish. The returned pointer is the thread's life reference's: valid
// until it runs, unless @init took a reference of its own.
template <typename Init>
ErrorOr<Thread*> thread_create(Process* p, const arch::TrapFrame& frame, uint32_t cpu, Init&& init)
{
    Thread* t = TRY(thread_new(p, frame, cpu));
    init(t);
    TRY(thread_publish(t));
    return t;
}
inline ErrorOr<Thread*> thread_create(Process* p, const arch::TrapFrame& frame, uint32_t cpu)
{
    return thread_create(p, frame, cpu, [](Thread*) {});
}
// End the calling thread; the last one ends the process.
[[noreturn]] void thread_exit();
// End every thread of @p with @status (wait encoding), the current one too
// (from a thread of @p, it exits; from an interrupt, it may be any thread).
void process_kill(Process* p, int32_t status);
// Hand pages to the allocator once Linux dropped its view of them.
void process_reclaim(Process* p);
// fork: a child of the calling thread's process, copied now and kept aside;
// its thread starts from @frame (returning 0) on its own stack @stack if not 0.
// The token for MCK_SYS_FORK, or -ENOMEM / -EAGAIN.
// With @vfork, the calling thread's vfork_done is set once the child ended
// (process_vfork_wait waits for it).
int64_t process_fork_prepare(const arch::TrapFrame& frame, uint64_t stack, uint64_t set_tid, uint64_t clear_tid,
                             uint64_t tls, bool set_tls, bool vfork = false);
// vfork's parent: wait until the child of @token ended or exec'd (a fatal
// signal ends the wait, and so does a child no mcexec adopted within 60 s).
void process_vfork_wait(Thread* self, uint64_t token);
// The fork of @token failed on Linux: free the child kept aside.
void process_fork_abandon(uint64_t token);
// In the fork child's first return to user mode: the rest of its set-up.
void process_fork_child_first_run(Thread* t);
// Queue [start, start + len) for Linux to drop from mcexec's view, and free
// @pages when it did. Takes ownership of @pages. Caller holds p->lock.
void process_unmapped(Process* p, uint64_t start, uint64_t len, DeferredFree* pages);
// Flush the TLBs of the process's other CPUs.
void process_flush_tlb(Process* p, uint64_t start, uint64_t len);
void tlb_flush_irq();

// getppid without Linux once the parent is known (see Process::ppid).
int64_t process_ppid(Process* p, uint64_t (&args)[6]);

// The LWK CPU index behind a process-relative CPU number, and back.
uint32_t process_cpu_count(const Process* p);

} // namespace mck
