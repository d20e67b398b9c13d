// SPDX-License-Identifier: GPL-2.0
// Per-CPU run queues (kernel/sched.h). A switch saves the outgoing thread's
// extended state, FS/GS bases and kernel stack, and loads the next thread's;
// the idle "thread" is the CPU's boot context and runs the kernel's tables.
#include <kernel/boot.h>
#include <kernel/mem.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/timer.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/mmu.h>
#include <arch/percpu.h>

extern "C" void mck_context_switch(uint64_t* save_sp, uint64_t new_sp);

namespace mck {
namespace {

struct RunQueue {
    SpinLock lock{LockRank::RunQueue};
    Thread* head = nullptr;
    Thread* tail = nullptr;
    uint32_t queued = 0;
    uint32_t load = 0;           // threads living on this CPU
    Thread* current = nullptr;   // nullptr: idle
    const Process* current_proc = nullptr; // its process, for other CPUs (sched_runs)
    Thread idle;                 // the boot context's saved stack pointer
    Thread* zombie = nullptr;
    Thread* migrating = nullptr; // switched out, bound for another CPU
    Thread* offload_waiters = nullptr;
    Thread* sleepers = nullptr;
    Timer* timers = nullptr;     // armed kernel timers (kernel/timer.h)
    bool need_resched = false;
    uint64_t slice_end = 0;
};

RunQueue g_rq[IHK_BOOT_MAX_CPUS];

RunQueue& this_rq() { return g_rq[arch::this_cpu()->index]; }

uint64_t us_to_tsc(uint64_t us) { return us * boot_param().tsc_khz / 1000; }

void push(RunQueue& rq, Thread* t)
{
    t->rq_next = nullptr;
    if (rq.tail)
        rq.tail->rq_next = t;
    else
        rq.head = t;
    rq.tail = t;
    rq.queued++;
}

Thread* pop(RunQueue& rq)
{
    Thread* t = rq.head;
    if (t) {
        rq.head = t->rq_next;
        if (!rq.head)
            rq.tail = nullptr;
        rq.queued--;
    }
    return t;
}

// Take @t off @list, linked through @link.
void remove_from(Thread*& list, Thread* t, Thread* Thread::*link)
{
    for (Thread** p = &list; *p; p = &((*p)->*link))
        if (*p == t) {
            *p = t->*link;
            t->*link = nullptr;
            return;
        }
}

// Tickless: a time slice only when someone else waits; otherwise the nearest sleeper.
void arm_timer(RunQueue& rq)
{
    uint64_t now = arch::rdtsc(), deadline = 0;
    if (rq.current && rq.queued) {
        if (!rq.slice_end)
            rq.slice_end = now + us_to_tsc(SLICE_US);
        deadline = rq.slice_end;
    }
    for (Thread* s = rq.sleepers; s; s = s->sleep_next)
        if (s->wake_at && (!deadline || s->wake_at < deadline))
            deadline = s->wake_at;
    for (Timer* k = rq.timers; k; k = k->next)
        if (!deadline || k->deadline < deadline)
            deadline = k->deadline;
    if (!deadline) {
        arch::apic_timer_arm(0);
        return;
    }
    uint64_t us = deadline > now ? arch::tsc_to_us(deadline - now) : 0;
    arch::apic_timer_arm(us ? us : 1);
}

// Make @t runnable on its CPU. Caller holds rq.lock.
void make_runnable(RunQueue& rq, Thread* t)
{
    t->state = ThreadState::Runnable;
    push(rq, t);
    if (rq.current == nullptr || rq.queued)
        rq.need_resched = true;
}

// Wake blocked @t: off the sleepers if it slept with a deadline (it may also
// wait on Linux: kernel/offload.cpp sleeps while its call waits for room), then
// runnable. Caller holds rq.lock.
void unblock(RunQueue& rq, Thread* t)
{
    if (t->wake_at)
        remove_from(rq.sleepers, t, &Thread::sleep_next);
    t->wake_at = 0;
    make_runnable(rq, t);
}

void kick_cpu(uint32_t cpu)
{
    if (cpu != arch::this_cpu()->index)
        arch::apic_send_ipi(boot_param().cpus[cpu].apic_id, arch::VECTOR_RESCHED);
    else
        this_rq().need_resched = true;
}

void switch_out(Thread* prev)
{
    if (!prev)
        return;
    arch::fpu_save(prev->fpu);
    prev->fs_base = arch::rdmsr(arch::MSR_FS_BASE);
    prev->gs_base = arch::rdmsr(arch::MSR_KERNEL_GS_BASE);
    prev->run_tsc += arch::rdtsc() - prev->run_start;
}

void switch_in(Thread* next)
{
    if (!next) {
        if ((arch::read_cr3() & ~0xfffull) != arch::mmu_kernel_space())
            arch::write_cr3(arch::mmu_kernel_space());
        arch::set_kernel_stack(arch::cpu(arch::this_cpu()->index).stack_top);
        return;
    }
    arch::fpu_restore(next->fpu);
    arch::wrmsr(arch::MSR_FS_BASE, next->fs_base);
    arch::wrmsr(arch::MSR_KERNEL_GS_BASE, next->gs_base);
    arch::set_kernel_stack(next->kstack_top);
    if ((arch::read_cr3() & ~0xfffull) != next->proc->root)
        arch::write_cr3(next->proc->root);
    next->run_start = arch::rdtsc();
}

void reap(RunQueue& rq)
{
    if (Thread* z = rq.zombie) {
        rq.zombie = nullptr;
        ref_release(z); // its life reference; others may still hold theirs
    }
}

// After a switch, on the new thread's stack, interrupts off.
void finish_switch()
{
    RunQueue& rq = this_rq();
    reap(rq);
    if (Thread* m = rq.migrating) {
        rq.migrating = nullptr;
        uint32_t to = m->migrate_to;
        m->migrate_to = ~0u;
        {
            SpinLockGuard guard(rq.lock);
            rq.load--;
        }
        RunQueue& other = g_rq[to];
        {
            SpinLockGuard guard(other.lock);
            m->cpu = to;
            other.load++;
            make_runnable(other, m);
        }
        kick_cpu(to);
    }
    arm_timer(rq);
}

} // namespace

Thread* current() { return this_rq().current; }

uint64_t deadline_after_us(uint64_t us) { return arch::rdtsc() + us_to_tsc(us); }

void sched_init_cpu(uint32_t index) { (void)index; }

[[noreturn]] void sched_exit()
{
    arch::irq_disable();
    RunQueue& rq = this_rq();
    Thread* t = rq.current;
    rq.lock.lock();
    t->state = ThreadState::Dead;
    rq.load--;
    rq.zombie = t; // freed by whoever runs next here, off its stack
    rq.lock.unlock();
    schedule();
    panic("a dead thread was scheduled");
}

uint32_t sched_load(uint32_t cpu) { return __atomic_load_n(&g_rq[cpu].load, __ATOMIC_RELAXED); }

bool sched_need_resched() { return this_rq().need_resched; }

void schedule()
{
    lock_rank_assert_none("switching threads");
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    RunQueue& rq = this_rq();
    rq.lock.lock();
    Thread* prev = rq.current;
    bool stay = prev && prev->state == ThreadState::Running;
    if (stay && prev->migrate_to != ~0u && prev->migrate_to != arch::this_cpu()->index) {
        // sched_setaffinity: it goes to the other CPU once its state is saved.
        prev->state = ThreadState::Runnable;
        rq.migrating = prev;
        stay = false;
    } else if (stay && rq.queued) {
        prev->nivcsw++;
        stats_context_switch(prev->proc);
        prev->state = ThreadState::Runnable;
        push(rq, prev);
        stay = false;
    }
    Thread* next = stay ? prev : pop(rq);
    if (next)
        next->state = ThreadState::Running;
    rq.need_resched = false;
    if (next != prev)
        rq.slice_end = 0;
    rq.current = next;
    __atomic_store_n(&rq.current_proc, next ? next->proc : nullptr, __ATOMIC_RELEASE);
    rq.lock.unlock();
    if (next != prev) {
        switch_out(prev);
        switch_in(next);
        uint64_t* save = prev ? &prev->ctx_sp : &rq.idle.ctx_sp;
        mck_context_switch(save, next ? next->ctx_sp : rq.idle.ctx_sp);
    }
    finish_switch();
    if (flags & (1 << 9))
        arch::irq_enable();
}

[[noreturn]] void sched_idle()
{
    for (;;) {
        arch::irq_disable();
        RunQueue& rq = this_rq();
        if (rq.queued) {
            schedule();
            continue;
        }
        cpu_going_idle(); // an interrupt's entry says "kernel" again
        arch::irq_enable_and_halt();
    }
}

void sched_add(Thread* t)
{
    RunQueue& rq = g_rq[t->cpu];
    SpinLockGuard guard(rq.lock);
    rq.load++;
}

void sched_kick(Thread* t)
{
    // Wake it first, under its run queue's lock: a thread still running
    // (about to block, e.g. in a futex wait it entered after it was killed)
    // gets wake_pending, so its next sched_block returns at once instead of
    // sleeping through the kick. Then interrupt it if it runs in user mode.
    sched_wake(t);
    if (t->state == ThreadState::Running)
        kick_cpu(t->cpu);
}

bool sched_runs(uint32_t cpu, const Process* p)
{
    // Not through rq.current: that thread may be exiting and freed meanwhile.
    return __atomic_load_n(&g_rq[cpu].current_proc, __ATOMIC_ACQUIRE) == p;
}

void sched_wake(Thread* t)
{
    RunQueue& rq = g_rq[t->cpu];
    bool kick = false;
    {
        SpinLockGuard guard(rq.lock);
        if (t->state == ThreadState::Blocked) {
            unblock(rq, t);
            kick = true;
        } else if (t->state != ThreadState::Dead) {
            t->wake_pending = true;
        }
    }
    if (kick)
        kick_cpu(t->cpu);
}

bool sched_block(uint64_t deadline)
{
    Thread* t = current();
    RunQueue& rq = this_rq();
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    rq.lock.lock();
    bool woken = true;
    if (t->wake_pending) {
        t->wake_pending = false;
        rq.lock.unlock();
    } else {
        t->state = ThreadState::Blocked;
        t->nvcsw++;
        stats_context_switch(t->proc);
        if (deadline) {
            t->wake_at = deadline;
            t->sleep_next = rq.sleepers;
            rq.sleepers = t;
        }
        rq.lock.unlock();
        schedule();
        // The timer (sched_timer_irq) or sched_wake took it off the sleepers
        // and cleared wake_at; which one, the time tells.
        woken = !(deadline && arch::rdtsc() >= deadline);
    }
    if (flags & (1 << 9))
        arch::irq_enable();
    return woken;
}

namespace {

// Take @t off its CPU's list, if on one. Caller holds no run queue lock.
bool timer_unlink(Timer* t)
{
    for (;;) {
        uint32_t cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        if (cpu == ~0u)
            return false;
        RunQueue& rq = g_rq[cpu];
        SpinLockGuard guard(rq.lock);
        if (t->cpu != cpu)
            continue; // moved meanwhile
        for (Timer** p = &rq.timers; *p; p = &(*p)->next)
            if (*p == t) {
                *p = t->next;
                break;
            }
        t->next = nullptr;
        __atomic_store_n(&t->cpu, ~0u, __ATOMIC_RELEASE);
        return true; // that CPU's timer may fire once for nothing
    }
}

} // namespace

void timer_arm(Timer* t, uint64_t deadline)
{
    timer_unlink(t);
    uint64_t flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    RunQueue& rq = this_rq();
    {
        SpinLockGuard guard(rq.lock);
        t->deadline = deadline;
        t->next = rq.timers;
        rq.timers = t;
        __atomic_store_n(&t->cpu, arch::this_cpu()->index, __ATOMIC_RELEASE);
    }
    arm_timer(rq);
    if (flags & (1 << 9))
        arch::irq_enable();
}

bool timer_cancel(Timer* t) { return timer_unlink(t); }

bool timer_armed(const Timer* t) { return __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE) != ~0u; }

namespace {

// Run the expired timers of this CPU (interrupt context, no lock held).
void run_timers(RunQueue& rq, uint64_t now)
{
    for (;;) {
        Timer* due = nullptr;
        {
            SpinLockGuard guard(rq.lock);
            for (Timer** p = &rq.timers; *p; p = &(*p)->next)
                if ((*p)->deadline <= now) {
                    due = *p;
                    *p = due->next;
                    due->next = nullptr;
                    __atomic_store_n(&due->cpu, ~0u, __ATOMIC_RELEASE);
                    ref_acquire(due->owner); // armed: its owner still has a thread
                    break;
                }
        }
        if (!due)
            return;
        Process* owner = due->owner;
        due->fire(due);
        ref_release(owner);
    }
}

} // namespace

void sched_timer_irq()
{
    RunQueue& rq = this_rq();
    uint64_t now = arch::rdtsc();
    run_timers(rq, now);
    {
        SpinLockGuard guard(rq.lock);
        for (Thread** p = &rq.sleepers; *p;) {
            Thread* s = *p;
            if (s->wake_at && s->wake_at <= now) {
                *p = s->sleep_next;
                s->sleep_next = nullptr;
                s->wake_at = 0;
                make_runnable(rq, s);
            } else {
                p = &s->sleep_next;
            }
        }
        if (rq.current && rq.queued && rq.slice_end && now >= rq.slice_end)
            rq.need_resched = true;
    }
    arm_timer(rq);
}

void sched_resched_irq()
{
    RunQueue& rq = this_rq();
    SpinLockGuard guard(rq.lock);
    if (rq.queued)
        rq.need_resched = true;
    arm_timer(rq);
}

void sched_offload_wait_add(Thread* t)
{
    RunQueue& rq = g_rq[t->cpu];
    SpinLockGuard guard(rq.lock);
    t->offload_next = rq.offload_waiters;
    rq.offload_waiters = t;
}

void sched_offload_wait_remove(Thread* t)
{
    RunQueue& rq = g_rq[t->cpu];
    SpinLockGuard guard(rq.lock);
    remove_from(rq.offload_waiters, t, &Thread::offload_next);
}

bool sched_others_waiting()
{
    RunQueue& rq = this_rq();
    return __atomic_load_n(&rq.queued, __ATOMIC_RELAXED) || __atomic_load_n(&rq.need_resched, __ATOMIC_RELAXED);
}

void sched_offload_doorbell()
{
    RunQueue& rq = this_rq();
    SpinLockGuard guard(rq.lock);
    for (Thread* t = rq.offload_waiters; t; t = t->offload_next)
        if (uint32_t st = __atomic_load_n(&t->offload->state, __ATOMIC_ACQUIRE);
            st == MCK_OFFLOAD_DONE || st == MCK_OFFLOAD_FAULT) {
            if (t->state == ThreadState::Blocked)
                unblock(rq, t);
            else
                t->wake_pending = true;
        }
}

} // namespace mck

// A new thread's first instructions (entry.S), on its own stack, interrupts off.
extern "C" void mck_thread_first() { mck::finish_switch(); }
