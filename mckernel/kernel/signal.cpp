// SPDX-License-Identifier: GPL-2.0
// Signals (kernel/signal.h).
#include <kernel/boot.h>
#include <kernel/coredump.h>
#include <kernel/errno.h>
#include <kernel/offload.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/signalfd.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <kernel/usage.h>
#include <kernel/vm.h>

#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/percpu.h>


namespace mck {
namespace {

constexpr uint64_t SIG_DFL = 0, SIG_IGN = 1;
constexpr uint64_t SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTORER = 0x04000000, SA_NODEFER = 0x40000000,
                   SA_RESETHAND = 0x80000000, SA_RESTART = 0x10000000;
constexpr uint64_t SYSCALL_INSN_LEN = 2; // "syscall" (0f 05)
constexpr uint32_t SS_ONSTACK = 1, SS_DISABLE = 2;

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }
constexpr uint64_t UNBLOCKABLE = bit(9) | bit(19);
constexpr int SIGCONT = 18;
constexpr uint64_t STOP_SIGNALS = bit(19) | bit(20) | bit(21) | bit(22); // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
// How long a stopping thread waits for the others to leave user mode before
// it tells Linux anyway (one busy in the kernel parks when it returns).
constexpr uint64_t STOP_QUIET_US = 100000;
// A parked thread looks again this often: a kill that raced with its parking
// may have found it still running (sched_kick then sends only an IPI).
constexpr uint64_t PARK_RECHECK_US = 50000;
constexpr int SIGRTMIN = 32; // the kernel's; glibc keeps 32 and 33 for itself
constexpr int32_t SI_USER = 0;
constexpr uint64_t RLIMIT_SIGPENDING = 11;
// The most real-time signals one process keeps queued, whatever
// RLIMIT_SIGPENDING says: the kernel heap is small (kernel/mem.h). Beyond it a
// signal Linux sent us coalesces like a standard one; a sender on the LWK gets EAGAIN.
constexpr uint32_t SIGQUEUE_MAX = 16384;

// Where a thread's or a process's pending signals are.
struct Pending {
    uint64_t& bits;
    SigInfo* slots;
    SigList& queue;
};
Pending pending_of(Thread* t) { return {t->sigpending, t->siginfo, t->sigqueue}; }
Pending pending_of(Process* p) { return {p->sigpending, p->siginfo, p->sigqueue}; }

// One more instance of @sig for @to. A standard signal already pending is
// dropped (the first keeps its siginfo, as Linux); a real-time one goes to the
// end of the queue in @node, or without a node is kept like a standard one.
// Returns whether @node was used. Caller holds p->lock.
bool enqueue(Process* p, Pending to, int sig, const SigInfo& info, SigQueued* node)
{
    if (sig >= SIGRTMIN && node && p->sigqueued < SIGQUEUE_MAX) {
        node->next = nullptr;
        node->sig = sig;
        node->info = info;
        if (to.queue.tail)
            to.queue.tail->next = node;
        else
            to.queue.head = node;
        to.queue.tail = node;
        p->sigqueued++;
        to.bits |= bit(sig);
        return true;
    }
    if (!(to.bits & bit(sig))) {
        to.bits |= bit(sig);
        to.slots[sig - 1] = info;
    }
    return false;
}

// Take the first instance of pending @sig from @from into @info; the node to
// free (after the lock) or null. Caller holds p->lock.
SigQueued* take(Process* p, Pending from, int sig, SigInfo& info)
{
    SigQueued* prev = nullptr;
    SigQueued* q = from.queue.head;
    while (q && q->sig != sig) {
        prev = q;
        q = q->next;
    }
    if (!q) {
        info = from.slots[sig - 1];
        from.bits &= ~bit(sig);
        return nullptr;
    }
    (prev ? prev->next : from.queue.head) = q->next;
    if (from.queue.tail == q)
        from.queue.tail = prev;
    p->sigqueued--;
    info = q->info;
    bool more = false;
    for (SigQueued* r = q->next; r && !more; r = r->next)
        more = r->sig == sig;
    if (!more)
        from.bits &= ~bit(sig);
    q->next = nullptr;
    return q;
}

// Drop every pending instance of @sig from @from onto @out (freed after the lock).
void discard(Process* p, Pending from, int sig, SigQueued*& out)
{
    while (from.bits & bit(sig)) {
        SigInfo unused;
        if (SigQueued* q = take(p, from, sig, unused)) {
            q->next = out;
            out = q;
        }
    }
}

void free_nodes(SigQueued* q)
{
    while (q) {
        SigQueued* next = q->next;
        delete q;
        q = next;
    }
}

// The lowest pending signal of @allowed, the thread's before the process's
// (as Linux's dequeue_signal); 0 if none. @node: what to free after the lock.
// Caller holds p->lock.
int dequeue(Thread* t, uint64_t allowed, SigInfo& info, SigQueued*& node)
{
    uint64_t mine = t->sigpending & allowed, ours = t->proc->sigpending & allowed;
    if (!mine && !ours)
        return 0;
    int sig = __builtin_ctzll(mine ? mine : ours) + 1;
    node = take(t->proc, mine ? pending_of(t) : pending_of(t->proc), sig, info);
    return sig;
}

// Add @sig to @to as Linux's __send_signal does. @limit: RLIMIT_SIGPENDING
// for this sender (SIG_NO_LIMIT: none). A real-time signal takes a node,
// unless the queue is full (or @node is null: no kernel memory); then, as
// Linux, it fails with EAGAIN unless kill(2) sent it (SI_USER), and is
// otherwise kept without its siginfo (the handler sees SI_USER, pid 0), which
// a standard one not from kill or the kernel (si_code < 0) also loses when
// the queue is full. @node is set to null once the queue holds it. Caller
// holds p->lock.
int64_t queue_locked(Process* p, Pending to, int sig, const SigInfo& info, SigQueued*& node, uint64_t limit)
{
    bool full = p->sigqueued >= SIGQUEUE_MAX || (limit != SIG_NO_LIMIT && p->sigqueued >= limit);
    if (sig < SIGRTMIN) {
        enqueue(p, to, sig, full && info.code < 0 ? SigInfo{} : info, nullptr);
        return 0;
    }
    if (full || !node) {
        if (limit != SIG_NO_LIMIT && info.code != SI_USER)
            return -EAGAIN;
        enqueue(p, to, sig, SigInfo{}, nullptr);
        return 0;
    }
    if (enqueue(p, to, sig, info, node))
        node = nullptr;
    return 0;
}

enum class Default { Terminate, Core, Ignore, Stop };

Default default_action(int sig)
{
    switch (sig) {
    case 17: case 18: case 23: case 28: // SIGCHLD, SIGCONT (which continues at sending), SIGURG, SIGWINCH
        return Default::Ignore;
    case 19: case 20: case 21: case 22:
        return Default::Stop;
    case 3: case 4: case 5: case 6: case 7: case 8: case 11: case 24: case 25: case 31:
        return Default::Core;
    default:
        return Default::Terminate;
    }
}

struct [[gnu::packed]] SigContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate;
    uint64_t reserved[8];
};
static_assert(sizeof(SigContext) == 256);

struct [[gnu::packed]] UContext {
    uint64_t flags, link;
    uint64_t ss_sp;
    uint32_t ss_flags, pad;
    uint64_t ss_size;
    SigContext mc;
    uint64_t sigmask;
};
static_assert(sizeof(UContext) == 304);

struct [[gnu::packed]] SigInfoUser {
    int32_t signo, err, code, pad;
    uint64_t field0; // si_pid/si_uid, or si_addr
    uint64_t word3;  // SIGCHLD's si_status, a queued signal's si_value
    uint8_t rest[128 - 32];
};
static_assert(sizeof(SigInfoUser) == 128);

struct [[gnu::packed]] SigFrame {
    uint64_t pretcode;
    UContext uc;
    SigInfoUser info;
};

bool ignored(Process* p, int sig)
{
    const KSigAction& a = p->actions[sig - 1];
    return a.handler == SIG_IGN || (a.handler == SIG_DFL && default_action(sig) == Default::Ignore);
}

// Would @sig, with @p's current action for it, end the process? Caller holds p->lock.
bool fatal(Process* p, int sig)
{
    Default d = default_action(sig);
    return p->actions[sig - 1].handler == SIG_DFL && (d == Default::Terminate || d == Default::Core);
}

// Job control at sending, whatever the action and masks (Linux's
// prepare_signal): a stop signal discards a pending SIGCONT; SIGCONT discards
// the pending stop signals and resumes a stopped process. Caller holds p->lock.
void job_control_locked(Process* p, int sig, SigQueued*& dropped)
{
    if (STOP_SIGNALS & bit(sig)) {
        discard(p, pending_of(p), SIGCONT, dropped);
        for (Thread* t = p->threads; t; t = t->proc_next)
            discard(p, pending_of(t), SIGCONT, dropped);
        return;
    }
    if (sig != SIGCONT)
        return;
    for (int s = 19; s <= 22; s++) {
        discard(p, pending_of(p), s, dropped);
        for (Thread* t = p->threads; t; t = t->proc_next)
            discard(p, pending_of(t), s, dropped);
    }
    if (!p->stopped)
        return;
    p->stopped = false;
    // The run queue's lock ranks below the process's; a wake before the
    // thread blocks is remembered (wake_pending).
    for (Thread* t = p->threads; t; t = t->proc_next)
        if (t->parked)
            sched_wake(t);
}

// A fatal signal that a thread does not block ends the process at once, as
// Linux's group exit does: a thread blocked in an offloaded call (its mcexec
// worker waiting in Linux) would otherwise never get to act on it. Not one
// whose default action dumps core: as on Linux, a thread takes that one and
// writes the core first (notify interrupts its offloaded call).
void die_now(Process* p, int sig)
{
    kprintf("pid %u: ended by signal %d", p->pid, sig);
    process_kill(p, sig);
}

// Does @sig, sent now, end @p at once (die_now)? Caller holds p->lock.
bool dies_at_once(Process* p, int sig) { return fatal(p, sig) && default_action(sig) != Default::Core; }

// Death by signal, as wait(2) encodes it: with WCOREDUMP if the default
// action dumps core and a core file was written (kernel/coredump.h).
[[noreturn]] void die(Thread* t, int sig, const SigInfo& info)
{
    arch::irq_enable();
    if (coredump_holds(t)) { // another thread dumps core: the process ends with its signal
        signal_park(t);
        thread_exit();
    }
    if (sig != SIGKILL)
        kprintf("pid %u: ended by signal %d (thread %u)", t->proc->pid, sig, t->tid);
    // Where, if a fault of this thread raised it (even if a handler ran first and re-raised it).
    const FaultInfo& fi = t->fault;
    if (fi.sig == sig) {
        kprintf("  fault: vector %lu, error 0x%lx at 0x%lx, ip 0x%lx sp 0x%lx", fi.vector, fi.error, fi.addr, fi.ip,
                fi.sp);
        if (fi.vector == 14)
            vm_describe(t->proc, fi.addr);
        if (fi.vector != 14 || fi.ip != fi.addr)
            vm_describe(t->proc, fi.ip);
    }
    bool dumped = default_action(sig) == Default::Core && coredump(t, sig, info);
    if (!dumped && coredump_holds(t)) { // another thread began a core first: it ends the process
        signal_park(t);
        thread_exit();
    }
    process_kill(t->proc, sig | (dumped ? 0x80 : 0));
    thread_exit();
}

bool on_altstack(const Thread* t, uint64_t sp)
{
    return !(t->altstack_flags & SS_DISABLE) && sp > t->altstack_sp && sp <= t->altstack_sp + t->altstack_size;
}

// The thread a signal sent to @p goes to: one that does not block it, or one
// waiting for it in rt_sigtimedwait. Caller holds p->lock.
Thread* process_target_locked(Process* p, int sig)
{
    for (Thread* t = p->threads; t; t = t->proc_next)
        if (!(t->sigmask & bit(sig)) || (t->sigwait_set & bit(sig)))
            return t;
    return nullptr;
}

// Does @sig, not blocked, end a call of @p's that waits on Linux? Only if a
// handler will run or the signal stops the process or writes its core (a
// fatal one ends the process at once, an ignored one changes nothing).
bool interrupts_offload(Process* p, int sig)
{
    uint64_t handler = p->actions[sig - 1].handler;
    Default d = default_action(sig);
    return handler > SIG_IGN || (handler == SIG_DFL && (d == Default::Stop || d == Default::Core));
}

// Wake a thread that could take @sig now; one waiting on Linux is
// interrupted there (interrupts_offload; a blocked signal waits).
void notify(Thread* t, int sig)
{
    // Also the thread running here: sent from an interrupt (Linux's SIGNAL, a
    // timer), it may be the one interrupted between its last look at its
    // signals and its sleep (pause, a futex wait). The kick leaves it
    // wake_pending, so that sleep returns at once instead of missing the signal.
    sched_kick(t);
    // The signal is queued; now the look at the call. Pairs with the fence in
    // offload_once between sending its call and its look at the signals: a
    // call sent after our look sees this signal there and interrupts itself.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&t->in_offload, __ATOMIC_RELAXED) && !(t->sigmask & bit(sig)) &&
        interrupts_offload(t->proc, sig))
        offload_interrupt(t);
}

// How a system call interrupted by a signal ends, as Linux decides it: @act is
// the handler about to run, or null when none does (the signal was ignored,
// or another thread took it). Restarting means running the same call again
// from the same instruction, with the same arguments.
void restart_syscall(Thread* t, arch::TrapFrame* f, const KSigAction* act)
{
    if (t->syscall_nr == ~0ull)
        return;
    bool restart = false;
    switch (-int64_t(f->rax)) {
    case ERESTARTNOINTR:
        restart = true;
        break;
    case ERESTARTSYS:
        restart = !act || (act->flags & SA_RESTART);
        break;
    case ERESTARTNOHAND:
        restart = !act;
        break;
    default:
        t->syscall_nr = ~0ull;
        return;
    }
    if (restart) {
        f->rax = t->syscall_nr;
        f->rip -= SYSCALL_INSN_LEN;
    } else {
        f->rax = uint64_t(-EINTR);
    }
    t->syscall_nr = ~0ull;
}

// The default action of stop signal @sig (Linux's group stop): no thread of
// the process runs user code until SIGCONT. Threads running on other CPUs are
// kicked into the kernel and park on their way out (signal_park); threads
// blocked in the kernel stay blocked and park when they return. Once none runs
// user code, mcexec stops itself with @sig (MCK_SYS_STOP), so that Linux's
// parent sees the program stopped by it; then this thread parks as well.
void group_stop(Thread* self, int sig)
{
    Process* p = self->proc;
    arch::irq_enable();
    {
        SpinLockGuard guard(p->lock);
        p->stopped = true;
        for (Thread* t = p->threads; t; t = t->proc_next)
            if (t != self && t->state == ThreadState::Running)
                sched_kick(t);
    }
    // Sleep in short steps until the others are out of user mode: parked, or
    // not on a CPU (blocked, or preempted: they pass through mck_exit_to_user
    // before user code), or waiting for Linux. Bounded: one long in the kernel
    // parks when it leaves it.
    uint64_t give_up = deadline_after_us(STOP_QUIET_US);
    bool still = true;
    for (;;) {
        bool quiet = true;
        {
            SpinLockGuard guard(p->lock);
            still = p->stopped;
            for (Thread* t = p->threads; t && quiet; t = t->proc_next)
                quiet = t == self || t->parked || t->in_offload || t->state != ThreadState::Running;
        }
        if (!still || quiet || self->killed || arch::rdtsc() >= give_up)
            break;
        sched_block(deadline_after_us(1000));
    }
    if (still && !self->killed) {
        uint64_t args[6] = {uint64_t(sig), 0, 0, 0, 0, 0};
        offload(MCK_SYS_STOP, args); // returns once mcexec is continued (or gone: -EINTR)
    }
}

} // namespace

void signal_park(Thread* t)
{
    Process* p = t->proc;
    for (;;) {
        {
            SpinLockGuard guard(p->lock);
            t->parked = (p->stopped || coredump_holds(t)) && !t->killed && !p->exiting;
            if (!t->parked)
                return;
        }
        sched_block(deadline_after_us(PARK_RECHECK_US));
    }
}

void signal_stopped_by_linux(Process* p)
{
    SigQueued* dropped = nullptr;
    {
        SpinLockGuard guard(p->lock);
        if (p->exiting || p->stopped)
            return; // a stop of its own already asked mcexec to stop (MCK_SYS_STOP)
        job_control_locked(p, SIGSTOP, dropped); // a pending SIGCONT goes, as Linux's SIGSTOP discards it
        p->stopped = true;
        for (Thread* t = p->threads; t; t = t->proc_next)
            if (t->state == ThreadState::Running)
                sched_kick(t); // parks on its way to user mode (mck_exit_to_user)
    }
    free_nodes(dropped);
}

bool signal_pending(Thread* t)
{
    uint64_t pend = (t->sigpending | t->proc->sigpending) & ~(t->sigmask & ~UNBLOCKABLE);
    return pend != 0;
}

bool signal_interrupts_offload(Thread* t)
{
    Process* p = t->proc;
    uint64_t open = ~(t->sigmask & ~UNBLOCKABLE);
    uint64_t mine = __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED) & open;
    uint64_t ours = __atomic_load_n(&p->sigpending, __ATOMIC_RELAXED) & open;
    for (int sig = 1; mine && sig <= 64; sig++)
        if ((mine & bit(sig)) && interrupts_offload(p, sig))
            return true;
    if (!ours)
        return false; // the common case: nothing pending, no lock
    // One sent to the process interrupts only the thread notify() was given
    // (signal_send_process's choice); another thread's call goes on, as on Linux.
    SpinLockGuard guard(p->lock);
    ours = p->sigpending & open; // another thread may have taken it meanwhile
    for (int sig = 1; ours && sig <= 64; sig++)
        if ((ours & bit(sig)) && interrupts_offload(p, sig) && process_target_locked(p, sig) == t)
            return true;
    return false;
}

int64_t signal_send_thread(Thread* t, int sig, const SigInfo& info, uint64_t limit)
{
    Process* p = t->proc;
    if (sig == SIGKILL) {
        process_kill(p, SIGKILL);
        return 0;
    }
    int64_t err = 0;
    SigQueued* node = sig >= SIGRTMIN ? new SigQueued : nullptr; // before the lock
    bool dies = false, sent = false;
    SigQueued* dropped = nullptr;
    {
        SpinLockGuard guard(p->lock);
        job_control_locked(p, sig, dropped);
        // As Linux: an ignored signal is dropped before the queue is looked at.
        if (!(ignored(p, sig) && !(t->sigmask & bit(sig)))) {
            err = queue_locked(p, pending_of(t), sig, info, node, limit);
            sent = !err;
            dies = sent && dies_at_once(p, sig) && !(t->sigmask & bit(sig));
        }
    }
    delete node; // not queued
    free_nodes(dropped);
    if (err)
        return err;
    if (dies)
        die_now(p, sig);
    else if (sent)
        notify(t, sig);
    if (sent && !dies)
        signalfd_signal_sent(p, sig);
    return 0;
}

int64_t signal_send_process(Process* p, int sig, const SigInfo& info, uint64_t limit)
{
    if (sig == SIGKILL) {
        process_kill(p, SIGKILL);
        return 0;
    }
    int64_t err = 0;
    SigQueued* node = sig >= SIGRTMIN ? new SigQueued : nullptr; // before the lock
    RefPtr<Thread> target;
    bool dies = false, queued = false;
    SigQueued* dropped = nullptr;
    {
        SpinLockGuard guard(p->lock);
        job_control_locked(p, sig, dropped);
        // As Linux: a blocked signal is kept even if ignored now (the action
        // may change before it is unblocked, or sigwait may take it).
        bool blocked_somewhere = false;
        for (Thread* t = p->threads; t; t = t->proc_next)
            blocked_somewhere |= (t->sigmask & bit(sig)) != 0;
        bool dropped = ignored(p, sig) && !blocked_somewhere;
        if (!dropped)
            err = queue_locked(p, pending_of(p), sig, info, node, limit);
        queued = !dropped && !err;
        if (!dropped && !err) {
            if (Thread* t = process_target_locked(p, sig))
                target = RefPtr<Thread>(t);
            dies = target && dies_at_once(p, sig) && !(target->sigmask & bit(sig));
        }
    }
    delete node; // not queued
    free_nodes(dropped);
    if (err)
        return err;
    if (dies)
        die_now(p, sig);
    else if (target)
        notify(target.get(), sig);
    if (queued && !dies)
        signalfd_signal_sent(p, sig);
    return 0;
}

void signal_free_queue(Process* p, SigList& q)
{
    if (!q.head)
        return;
    SigQueued* nodes;
    {
        SpinLockGuard guard(p->lock);
        for (SigQueued* n = q.head; n; n = n->next)
            p->sigqueued--;
        nodes = q.head;
        q.head = q.tail = nullptr;
    }
    free_nodes(nodes);
}

void signal_limit_changed(Process* p) { __atomic_store_n(&p->sigpending_limit, -1, __ATOMIC_RELAXED); }

void signal_force(Thread* t, int sig, const SigInfo& info)
{
    Process* p = t->proc;
    {
        SpinLockGuard guard(p->lock);
        KSigAction& a = p->actions[sig - 1];
        if (a.handler == SIG_IGN || (t->sigmask & bit(sig))) {
            a.handler = SIG_DFL;
            t->sigmask &= ~bit(sig);
        }
        t->sigpending |= bit(sig);
        t->siginfo[sig - 1] = info;
    }
}

bool signal_deliver(Thread* t, arch::TrapFrame* f)
{
    Process* p = t->proc;
    int sig = 0;
    SigInfo info;
    KSigAction act;
    SigQueued* node = nullptr;
    {
        SpinLockGuard guard(p->lock);
        sig = dequeue(t, ~(t->sigmask & ~UNBLOCKABLE), info, node);
        if (sig) {
            act = p->actions[sig - 1];
            if (act.handler > SIG_IGN && (act.flags & SA_RESETHAND))
                p->actions[sig - 1].handler = SIG_DFL;
        }
    }
    delete node;
    if (!sig)
        return false;
    if (act.handler == SIG_IGN)
        return false;
    if (act.handler == SIG_DFL) {
        if (default_action(sig) == Default::Ignore)
            return false;
        if (default_action(sig) == Default::Stop) {
            group_stop(t, sig); // parks on the way out (mck_exit_to_user), as the other threads
            return false;
        }
        die(t, sig, info);
    }
    restart_syscall(t, f, &act); // before the frame saves RIP and RAX

    // Build the frame below the red zone, or on the alternate stack: in the
    // kernel first, then copied out, so a stack that faults fails the copy.
    uint64_t sp = f->rsp - 128;
    if ((act.flags & SA_ONSTACK) && !(t->altstack_flags & SS_DISABLE) && !on_altstack(t, f->rsp))
        sp = t->altstack_sp + t->altstack_size;
    uint64_t fp = (sp - arch::fpu_area_size()) & ~63ull;
    uint64_t frame_addr = ((fp - sizeof(SigFrame)) & ~15ull) - 8;
    SigFrame frame{};
    frame.pretcode = act.restorer;
    frame.uc.ss_sp = t->altstack_sp;
    frame.uc.ss_size = t->altstack_size;
    frame.uc.ss_flags = t->altstack_flags | (on_altstack(t, f->rsp) ? SS_ONSTACK : 0);
    SigContext& mc = frame.uc.mc;
    mc.r8 = f->r8; mc.r9 = f->r9; mc.r10 = f->r10; mc.r11 = f->r11;
    mc.r12 = f->r12; mc.r13 = f->r13; mc.r14 = f->r14; mc.r15 = f->r15;
    mc.rdi = f->rdi; mc.rsi = f->rsi; mc.rbp = f->rbp; mc.rbx = f->rbx;
    mc.rdx = f->rdx; mc.rax = f->rax; mc.rcx = f->rcx; mc.rsp = f->rsp;
    mc.rip = f->rip; mc.eflags = f->rflags;
    mc.cs = uint16_t(f->cs);
    mc.ss = uint16_t(f->ss);
    mc.err = f->error;
    mc.trapno = f->vector == uint64_t(-1) ? 0 : f->vector;
    // After rt_sigsuspend, the handler returns to the mask from before it.
    uint64_t return_mask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
    mc.oldmask = return_mask;
    mc.cr2 = info.addr;
    mc.fpstate = fp;
    frame.uc.sigmask = return_mask;
    frame.info.signo = sig;
    frame.info.code = info.code;
    frame.info.field0 = info.addr ? info.addr : uint64_t(uint32_t(info.pid)) | uint64_t(info.uid) << 32;
    frame.info.word3 = info.word3;
    arch::fpu_save(t->fpu); // the live state, for the frame
    // The frame's pages may need a fault served first (a page a fork still
    // shares copy-on-write), which the trap handler does with interrupts on
    // only; mck_exit_to_user turns them off again.
    arch::irq_enable();
    if (act.handler >= MCK_USER_END || fp > sp || frame_addr > fp ||
        !copy_to_user(UserPtr<uint8_t>(fp), t->fpu, arch::fpu_area_size()) ||
        !put_user(UserPtr<SigFrame>(frame_addr), frame)) {
        kprintf("pid %u tid %u: no room for signal %d's frame at 0x%lx", p->pid, t->tid, sig, frame_addr);
        // As Linux's force_sigsegv: a SIGSEGV that cannot be delivered kills
        // (its handler would fail the same way again and again).
        if (sig == SIGSEGV) {
            SpinLockGuard guard(p->lock);
            p->actions[SIGSEGV - 1].handler = SIG_DFL;
        }
        SigInfo segv;
        segv.code = 0x80;
        signal_force(t, SIGSEGV, segv);
        return false;
    }

    {
        SpinLockGuard guard(p->lock);
        t->sigmask |= act.mask | ((act.flags & SA_NODEFER) ? 0 : bit(sig));
        t->sigmask &= ~UNBLOCKABLE;
        t->restore_sigmask = false;
    }
    arch::fpu_reset();
    f->rsp = frame_addr;
    f->rip = act.handler;
    f->rdi = uint64_t(sig);
    f->rsi = frame_addr + __builtin_offsetof(SigFrame, info);
    f->rdx = frame_addr + __builtin_offsetof(SigFrame, uc);
    f->rax = 0;
    f->rflags &= ~0x400ull; // DF clear, as the ABI requires
    // The handler is 64-bit code, whatever mode the program was in (a far jump
    // to the 32-bit code segment); rt_sigreturn goes back to 64-bit mode too.
    f->cs = 0x2b;
    f->ss = 0x23;
    return true;
}

namespace {

// A signal frame we cannot return through: SIGSEGV with the default action, so
// a handler that made the frame does not run again on it.
int64_t bad_frame(Thread* t)
{
    {
        SpinLockGuard guard(t->proc->lock);
        t->proc->actions[SIGSEGV - 1].handler = SIG_DFL;
    }
    SigInfo segv;
    signal_force(t, SIGSEGV, segv);
    return 0;
}

} // namespace

int64_t sys_rt_sigreturn(arch::TrapFrame* f)
{
    Thread* t = current();
    uint64_t frame_addr = f->rsp - 8; // the handler's return popped pretcode
    UContext uc;
    if (!get_user(uc, UserPtr<UContext>(frame_addr + 8))) {
        kprintf("pid %u tid %u: rt_sigreturn: no signal frame at 0x%lx", t->proc->pid, t->tid, frame_addr);
        SigInfo segv;
        signal_force(t, SIGSEGV, segv);
        return 0;
    }
    const SigContext& mc = uc.mc;
    // A frame the program rewrote must not make us return to an address that
    // faults in the kernel (non-canonical RIP or RSP), nor keep registers whose
    // saved FPU state cannot be read: Linux kills with SIGSEGV.
    if (mc.rip >= MCK_USER_END || mc.rsp >= MCK_USER_END ||
        (mc.fpstate && !vm_access_ok(t->proc, mc.fpstate, arch::fpu_area_size(), false))) {
        kprintf("pid %u tid %u: rt_sigreturn: bad frame (rip 0x%lx, rsp 0x%lx, fpstate 0x%lx)", t->proc->pid,
                t->tid, mc.rip, mc.rsp, mc.fpstate);
        return bad_frame(t);
    }
    f->r8 = mc.r8; f->r9 = mc.r9; f->r10 = mc.r10; f->r11 = mc.r11;
    f->r12 = mc.r12; f->r13 = mc.r13; f->r14 = mc.r14; f->r15 = mc.r15;
    f->rdi = mc.rdi; f->rsi = mc.rsi; f->rbp = mc.rbp; f->rbx = mc.rbx;
    f->rdx = mc.rdx; f->rax = mc.rax; f->rcx = mc.rcx; f->rsp = mc.rsp;
    f->rip = mc.rip;
    // Only the flags user code may change (CF PF AF ZF SF TF DF OF AC ID ...); IF stays on.
    f->rflags = (f->rflags & ~0x254dd5ull) | (mc.eflags & 0x254dd5ull) | 0x200;
    f->cs = 0x2b;
    f->ss = 0x23;
    if (mc.fpstate) {
        if (!copy_from_user(t->fpu, UserPtr<uint8_t>(mc.fpstate), arch::fpu_area_size()))
            return bad_frame(t); // unmapped by another thread since the check
        arch::fpu_sanitize(t->fpu);
        arch::fpu_restore(t->fpu);
    }
    {
        SpinLockGuard guard(t->proc->lock);
        t->sigmask = uc.sigmask & ~UNBLOCKABLE;
    }
    return int64_t(mc.rax);
}

void signal_leave_syscall(Thread* t, arch::TrapFrame* f)
{
    restart_syscall(t, f, nullptr);
    if (t->restore_sigmask) { // rt_sigsuspend and no handler ran
        SpinLockGuard guard(t->proc->lock);
        t->sigmask = t->saved_sigmask;
        t->restore_sigmask = false;
    }
}

void user_exception(arch::TrapFrame* f)
{
    Thread* t = current();
    SigInfo info;
    int sig;
    switch (f->vector) {
    case 14: { // #PF
        uint64_t addr = arch::read_cr2();
        arch::irq_enable();
        // Not present, or a write (copy-on-write); a read or fetch of a present page is refused.
        sig = (f->error & 1) && !(f->error & 2) ? SIGSEGV : vm_fault(t->proc, addr, f->error & 2);
        if (!sig) {
            t->minflt++;
            __atomic_add_fetch(&t->proc->minflt, 1, __ATOMIC_RELAXED);
            usage_page_fault();
            return;
        }
        info.code = sig == SIGSEGV ? ((f->error & 1) ? 2 : 1) : 2; // SEGV_ACCERR/MAPERR, BUS_ADRERR
        info.addr = addr;
        break;
    }
    case 0:
        sig = 8; // SIGFPE
        info.code = 1; // FPE_INTDIV
        info.addr = f->rip;
        break;
    case 16:
    case 19:
        sig = 8;
        info.code = 0;
        info.addr = f->rip;
        break;
    case 6:
        sig = 4; // SIGILL
        info.code = 2; // ILL_ILLOPN
        info.addr = f->rip;
        break;
    case 1:
    case 3:
        sig = 5; // SIGTRAP
        info.code = 0x80;
        break;
    case 12:
    case 17:
        sig = 7; // SIGBUS
        info.code = 0x80;
        break;
    default: // #GP and the rest
        sig = SIGSEGV;
        info.code = 0x80; // SI_KERNEL
        break;
    }
    // Kept for the log line if the signal ends the process (die()).
    t->fault = {sig, f->vector, f->error, info.addr, f->rip, f->rsp};
    signal_force(t, sig, info);
}

uint64_t signal_ignored_set(Process* p)
{
    SpinLockGuard guard(p->lock);
    uint64_t set = 0;
    for (int sig = 1; sig <= 64; sig++)
        if (p->actions[sig - 1].handler == SIG_IGN)
            set |= bit(sig);
    return set;
}

void signal_exec_inherit(Process* p, uint64_t ignored, uint64_t blocked, uint64_t pending)
{
    SpinLockGuard guard(p->lock);
    for (int sig = 1; sig <= 64; sig++) {
        if ((ignored & ~UNBLOCKABLE) & bit(sig))
            p->actions[sig - 1] = KSigAction{SIG_IGN, 0, 0, 0};
        else if ((pending & ~UNBLOCKABLE) & bit(sig))
            enqueue(p, pending_of(p), sig, SigInfo{SI_USER, 0, 0, 0, 0}, nullptr);
    }
    if (p->threads) // the main thread, before it ever ran
        p->threads->sigmask = blocked & ~UNBLOCKABLE;
}

uint64_t signal_exec_pending(Thread* t)
{
    SpinLockGuard guard(t->proc->lock);
    uint64_t pending = t->sigpending | t->proc->sigpending;
    for (SigQueued* q = t->sigqueue.head; q; q = q->next)
        pending |= bit(q->sig);
    for (SigQueued* q = t->proc->sigqueue.head; q; q = q->next)
        pending |= bit(q->sig);
    return pending & t->sigmask & ~UNBLOCKABLE;
}

namespace {

// Whether an action for SIGCHLD has the children reaped as they end (MCK_CHILD_REAP_*).
uint64_t child_reap_mode(const KSigAction& a)
{
    if (a.handler == SIG_IGN)
        return MCK_CHILD_REAP_IGNORE;
    return (a.flags & SA_NOCLDWAIT) ? MCK_CHILD_REAP_NOWAIT : MCK_CHILD_REAP_WAIT;
}

} // namespace

int64_t sys_rt_sigaction(int64_t sig, uint64_t act, uint64_t oact, uint64_t size)
{
    if (sig < 1 || sig > 64 || size != 8)
        return -EINVAL;
    Process* p = current()->proc;
    KSigAction n;
    if (act && !get_user(n, UserPtr<KSigAction>(act)))
        return -EFAULT;
    if (act && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    KSigAction old;
    SigQueued* dropped = nullptr;
    uint64_t reap_mode = 0, reap_change = 0;
    {
        SpinLockGuard guard(p->lock);
        old = p->actions[sig - 1];
        if (act) {
            p->actions[sig - 1] = n;
            if (sig == SIGCHLD && child_reap_mode(n) != child_reap_mode(old)) {
                reap_mode = child_reap_mode(n);
                reap_change = ++p->reap_changes;
            }
            if (ignored(p, int(sig))) { // POSIX: discards the pending ones, the threads' too
                discard(p, pending_of(p), int(sig), dropped);
                for (Thread* t = p->threads; t; t = t->proc_next)
                    discard(p, pending_of(t), int(sig), dropped);
            }
        }
    }
    free_nodes(dropped);
    // Linux reaps the children (its mcexec's) by mcexec's SIGCHLD action: it
    // follows the program's whenever that decides otherwise. The offload is
    // made without the lock, so two threads changing the action at once may
    // reach mcexec in either order: it applies a change only if it is newer
    // than the last it applied, and so ends with the action's latest mode.
    if (reap_change) {
        uint64_t args[6] = {reap_mode, reap_change, 0, 0, 0, 0};
        offload(MCK_SYS_CHILD_REAP, args); // mcexec gone: the process ends anyway
    }
    if (oact && !put_user(UserPtr<KSigAction>(oact), old))
        return -EFAULT;
    return 0;
}

int64_t sys_rt_sigprocmask(int64_t how, uint64_t set, uint64_t oset, uint64_t size)
{
    if (size != 8)
        return -EINVAL;
    Thread* t = current();
    uint64_t n = 0, old = t->sigmask;
    if (set) {
        if (!get_user(n, UserPtr<uint64_t>(set)))
            return -EFAULT;
        SpinLockGuard guard(t->proc->lock);
        switch (how) {
        case 0: t->sigmask |= n; break;   // SIG_BLOCK
        case 1: t->sigmask &= ~n; break;  // SIG_UNBLOCK
        case 2: t->sigmask = n; break;    // SIG_SETMASK
        default: return -EINVAL;
        }
        t->sigmask &= ~UNBLOCKABLE;
    }
    if (oset && !put_user(UserPtr<uint64_t>(oset), old))
        return -EFAULT;
    return 0;
}

int64_t sys_rt_sigpending(uint64_t set, uint64_t size)
{
    if (size != 8)
        return -EINVAL;
    Thread* t = current();
    uint64_t pend = (t->sigpending | t->proc->sigpending) & t->sigmask;
    return put_user(UserPtr<uint64_t>(set), pend) ? 0 : -EFAULT;
}

// Block until a signal the thread does not block is pending (or it is killed).
static void wait_for_signal(Thread* t)
{
    t->interruptible = true;
    while (!t->killed && !signal_pending(t))
        sched_block(0);
    t->interruptible = false;
}

// pause, rt_sigsuspend: on the LWK, where the program's signals and masks are.
// They end when a handler runs (EINTR); a signal no handler takes (another
// thread took it) restarts them, as on Linux.
int64_t sys_pause()
{
    wait_for_signal(current());
    return -ERESTARTNOHAND;
}

int64_t signal_read_set(uint64_t ptr, uint64_t size, uint64_t& set)
{
    if (size != 8)
        return -EINVAL;
    if (!get_user(set, UserPtr<uint64_t>(ptr)))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    return 0;
}

int64_t signal_swap_mask(uint64_t set, uint64_t size)
{
    uint64_t mask;
    if (int64_t err = signal_read_set(set, size, mask))
        return err;
    Thread* t = current();
    SpinLockGuard guard(t->proc->lock);
    t->saved_sigmask = t->sigmask;
    t->restore_sigmask = true; // once the handler's frame has the old mask (signal_deliver)
    t->sigmask = mask;
    return 0;
}

void signal_swap_mask_end(int64_t ret)
{
    bool interrupted = ret == -EINTR || (ret <= -ERESTARTSYS && ret >= -ERESTARTNOHAND);
    Thread* t = current();
    if (interrupted)
        return;
    SpinLockGuard guard(t->proc->lock);
    if (t->restore_sigmask) {
        t->sigmask = t->saved_sigmask;
        t->restore_sigmask = false;
    }
}

int64_t sys_rt_sigsuspend(uint64_t set, uint64_t size)
{
    if (int64_t err = signal_swap_mask(set, size))
        return err;
    wait_for_signal(current());
    return -ERESTARTNOHAND;
}

int signal_take(uint64_t set, bool wait, uint64_t deadline, SigInfo& info)
{
    Thread* t = current();
    Process* p = t->proc;
    set &= ~UNBLOCKABLE;
    int sig = 0;
    t->interruptible = wait;
    SigQueued* node = nullptr;
    for (;;) {
        {
            SpinLockGuard guard(p->lock);
            sig = dequeue(t, set, info, node);
            if (sig || !wait) {
                t->sigwait_set = 0;
                break;
            }
            t->sigwait_set = set; // a signal of @set sent to the process comes to us
        }
        if (t->killed || signal_pending(t) || (deadline && arch::rdtsc() >= deadline))
            break;
        sched_block(deadline);
    }
    {
        SpinLockGuard guard(p->lock);
        t->sigwait_set = 0;
    }
    t->interruptible = false;
    delete node;
    return sig;
}

// rt_sigtimedwait: take one pending signal of @set (which the thread
// normally blocks) without running its handler. EAGAIN when the time is up,
// EINTR when another signal's handler comes first.
int64_t sys_rt_sigtimedwait(uint64_t set_ptr, uint64_t info_ptr, uint64_t timeout_ptr, uint64_t size)
{
    uint64_t set;
    if (int64_t err = signal_read_set(set_ptr, size, set))
        return err;
    uint64_t deadline = 0;
    if (timeout_ptr) {
        Timespec ts;
        if (!get_user(ts, UserPtr<Timespec>(timeout_ptr)))
            return -EFAULT;
        if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
            return -EINVAL;
        deadline = tsc_after_ns(ts_to_ns(ts));
    }
    SigInfo info;
    Thread* t = current();
    int sig = signal_take(set, true, deadline, info);
    if (!sig)
        return t->killed || signal_pending(t) ? -EINTR : -EAGAIN;
    SigInfoUser u{};
    u.signo = sig;
    u.code = info.code;
    u.field0 = info.addr ? info.addr : uint64_t(uint32_t(info.pid)) | uint64_t(info.uid) << 32;
    u.word3 = info.word3;
    if (info_ptr && !put_user(UserPtr<SigInfoUser>(info_ptr), u))
        return -EFAULT;
    return sig;
}

int64_t sys_sigaltstack(uint64_t ss, uint64_t old, uint64_t user_sp)
{
    struct [[gnu::packed]] StackT {
        uint64_t sp;
        uint32_t flags, pad;
        uint64_t size;
    };
    Thread* t = current();
    StackT cur{t->altstack_sp, t->altstack_flags | (on_altstack(t, user_sp) ? SS_ONSTACK : 0), 0, t->altstack_size};
    if (ss) {
        StackT n;
        if (!get_user(n, UserPtr<StackT>(ss)))
            return -EFAULT;
        if (on_altstack(t, user_sp))
            return -EPERM;
        if (n.flags & ~uint32_t(SS_DISABLE | 0x80000000u)) // SS_AUTODISARM accepted
            return -EINVAL;
        if (n.flags & SS_DISABLE) {
            t->altstack_flags = SS_DISABLE;
            t->altstack_sp = t->altstack_size = 0;
        } else {
            if (n.size < 2048) // MINSIGSTKSZ
                return -ENOMEM;
            t->altstack_sp = n.sp;
            t->altstack_size = n.size;
            t->altstack_flags = 0;
        }
    }
    if (old && !put_user(UserPtr<StackT>(old), cur))
        return -EFAULT;
    return 0;
}

// Is @pid the program itself, or one of its threads (which Linux takes as its
// process for kill and rt_sigqueueinfo)? Linux knows no LWK thread's tid.
static bool is_self(Process* p, int64_t pid)
{
    return pid == int64_t(p->pid) || (pid > 0 && pid <= INT32_MAX && thread_find(p, uint32_t(pid)));
}

// The program's RLIMIT_SIGPENDING, for a sender Linux checks it for. The limit
// is Linux's (mcexec's, as the program there): asked once, and again after the
// program changed it (signal_limit_changed). Linux writes the answer to the
// caller's stack below its red zone, where a signal frame would go.
static uint64_t queue_limit(Thread* t)
{
    Process* p = t->proc;
    int64_t l = __atomic_load_n(&p->sigpending_limit, __ATOMIC_RELAXED);
    if (l >= 0)
        return uint64_t(l);
    uint64_t scratch = (t->frame()->rsp - 128 - sizeof(mck_rlimit)) & ~15ull;
    uint64_t args[6] = {0, RLIMIT_SIGPENDING, 0, scratch, 0, 0};
    mck_rlimit r;
    if (scratch >= MCK_USER_END || offload(302 /* prlimit64 */, args) != 0 ||
        !get_user(r, UserPtr<mck_rlimit>(scratch)))
        return SIGQUEUE_MAX; // not known now: only the LWK's own bound
    l = r.cur > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(r.cur);
    __atomic_store_n(&p->sigpending_limit, l, __ATOMIC_RELAXED);
    return uint64_t(l);
}

// The RLIMIT_SIGPENDING that holds for a signal the program sends itself:
// Linux lets a standard signal from kill(2) or the kernel (si_code >= 0) pass
// whatever the count, never a real-time one (queue_locked says what follows).
// A standard one only loses its siginfo at the limit: for it the limit is not
// asked for (raise() in a handler on a small alternate stack must not have
// Linux write below it), only used once known.
static uint64_t limit_for(Thread* t, int sig, int32_t code)
{
    if (sig >= SIGRTMIN)
        return queue_limit(t);
    int64_t known = __atomic_load_n(&t->proc->sigpending_limit, __ATOMIC_RELAXED);
    return code < 0 && known >= 0 ? uint64_t(known) : SIG_NO_LIMIT;
}

int64_t sys_kill(int64_t pid, int64_t sig)
{
    Process* p = current()->proc;
    pid = int32_t(pid); // Linux takes a pid_t
    if (!is_self(p, pid)) {
        // A thread of another LWK process names that process, as on Linux.
        if (pid >= int64_t(LWK_FIRST_TID)) {
            if (sig < 0 || sig > 64)
                return -EINVAL;
            RefPtr<Thread> t = thread_find_anywhere(uint32_t(pid));
            if (!t)
                return -ESRCH;
            if (sig == 0)
                return 0;
            SigInfo info;
            info.pid = int32_t(p->pid);
            return signal_send_process(t->proc, int(sig), info);
        }
        // Other processes (and process groups, which include mcexec) are Linux's.
        uint64_t args[6] = {uint64_t(pid), uint64_t(sig), 0, 0, 0, 0};
        return offload(62, args);
    }
    if (sig < 0 || sig > 64)
        return -EINVAL;
    if (sig == 0)
        return 0;
    SigInfo info;
    info.pid = int32_t(p->pid);
    return signal_send_process(p, int(sig), info, limit_for(current(), int(sig), info.code));
}

// rt_sigqueueinfo, rt_tgsigqueueinfo to the program itself (or one of its
// threads): with the caller's siginfo (si_value), which may claim any code, as
// Linux allows for oneself. To another process: Linux's, through mcexec.
int64_t sys_rt_sigqueueinfo(int64_t tgid, int64_t tid, int64_t sig, uint64_t uinfo, bool to_thread)
{
    Thread* self = current();
    Process* p = self->proc;
    if (to_thread ? tgid != int64_t(p->pid) : !is_self(p, tgid)) {
        uint64_t args[6] = {uint64_t(tgid), uint64_t(to_thread ? tid : sig), to_thread ? uint64_t(sig) : uinfo,
                            uinfo, 0, 0};
        return offload(to_thread ? 297 : 129, args);
    }
    if (sig < 0 || sig > 64 || (to_thread && tid <= 0))
        return -EINVAL;
    SigInfoUser u;
    if (!get_user(u, UserPtr<SigInfoUser>(uinfo)))
        return -EFAULT;
    RefPtr<Thread> t;
    if (to_thread && !(t = thread_find(p, uint32_t(tid))))
        return -ESRCH;
    if (sig == 0)
        return 0;
    SigInfo info;
    info.code = u.code;
    info.pid = int32_t(uint32_t(u.field0));
    info.uid = uint32_t(u.field0 >> 32);
    info.word3 = u.word3;
    uint64_t limit = limit_for(self, int(sig), info.code);
    if (t)
        return signal_send_thread(t.get(), int(sig), info, limit);
    return signal_send_process(p, int(sig), info, limit);
}

// tgkill, and tkill (@tgid 0: any process). Thread ids are the LWK's: a tid
// at or above LWK_FIRST_TID is an LWK thread or none; below, it is a main
// thread (its mcexec's pid) or a Linux task, which Linux answers for.
int64_t sys_tgkill(int64_t tgid, int64_t tid, int64_t sig)
{
    Thread* self = current();
    Process* p = self->proc;
    tgid = int32_t(tgid); // Linux takes pid_t's
    tid = int32_t(tid);
    if (tid <= 0 || tgid < 0)
        return -EINVAL;
    RefPtr<Thread> t = thread_find(p, uint32_t(tid));
    if (!t)
        t = thread_find_anywhere(uint32_t(tid));
    if (!t) {
        if (tid >= int64_t(LWK_FIRST_TID) || tgid == int64_t(p->pid))
            return -ESRCH;
        // Not the LWK's: Linux's task, or nobody (Linux says which).
        uint64_t args[6] = {uint64_t(tgid ? tgid : tid), uint64_t(tgid ? tid : sig), uint64_t(sig), 0, 0, 0};
        return offload(tgid ? 234 : 200, args);
    }
    if (tgid && t->proc->pid != uint32_t(tgid))
        return -ESRCH;
    if (sig < 0 || sig > 64) // as Linux: only a task found is asked about the signal
        return -EINVAL;
    if (sig == 0)
        return 0;
    SigInfo info;
    info.code = -6; // SI_TKILL
    info.pid = int32_t(p->pid);
    return signal_send_thread(t.get(), int(sig), info, limit_for(self, int(sig), info.code));
}

} // namespace mck
