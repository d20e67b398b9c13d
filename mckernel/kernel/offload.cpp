// SPDX-License-Identifier: GPL-2.0
// The offload client (kernel/offload.h). The wait has no timeout of its own:
// an offloaded read may wait for input forever, as it would on Linux. It is
// tied to liveness instead: if mcexec dies, mcctrl sends KILL and the process
// is torn down, which wakes us; if Linux goes, the node goes.
//
// The fast path: before it sleeps, the thread polls its block for a short,
// bounded time (the process's spin budget, docs/lwk.md), because a cheap call
// comes back sooner than a sleep and a doorbell wake-up take. It spins only
// on its own CPU and only while no other thread waits for that CPU, so it
// adds no noise anywhere else; while it spins, mcctrl does not ring the CPU.
// The window adapts: a call that took longer than the budget halves the next
// spin (down to none); one that would have fitted restores the full budget.
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/ikc.h>
#include <kernel/kargs.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/stats.h>
#include <kernel/usage.h>
#include <kernel/vm.h>

#include <arch/cpu.h>
#include <arch/percpu.h>
#include <ihk/ikc.h>

namespace mck {
namespace {

static_assert(OFFLOAD_SPIN_MAX_US == MCEXEC_SPIN_MAX_US);

uint32_t spin_budget_us(const Process* p)
{
    uint32_t us = p->shared ? __atomic_load_n(&p->shared->lwk_spin_us, __ATOMIC_RELAXED) : MCEXEC_SPIN_DEFAULT;
    if (us == MCEXEC_SPIN_DEFAULT)
        us = kargs().offload_spin_us;
    return us < MCEXEC_SPIN_MAX_US ? us : MCEXEC_SPIN_MAX_US; // Linux writes it: never trust it
}

bool done(const mck_offload* o) { return __atomic_load_n(&o->state, __ATOMIC_ACQUIRE) == MCK_OFFLOAD_DONE; }

bool asks_fault(const mck_offload* o) { return __atomic_load_n(&o->state, __ATOMIC_ACQUIRE) == MCK_OFFLOAD_FAULT; }

// Answer Linux's page request (MCK_OFFLOAD_FAULT) with @ret. Only if it still
// asks: mcctrl takes the question back when it gives up waiting, and its
// answer to the call may follow at once.
void answer_fault(mck_offload* o, int64_t ret)
{
    __atomic_store_n(&o->fault_ret, int32_t(ret), __ATOMIC_RELAXED);
    uint32_t expected = MCK_OFFLOAD_FAULT;
    __atomic_compare_exchange_n(&o->state, &expected, uint32_t(MCK_OFFLOAD_SENT), false, __ATOMIC_RELEASE,
                                __ATOMIC_RELAXED);
}

// Linux, serving the call, needs a page of ours: map it and answer.
void serve_fault(Process* p, mck_offload* o)
{
    uint64_t addr = __atomic_load_n(&o->fault_addr, __ATOMIC_RELAXED);
    bool write = __atomic_load_n(&o->fault_write, __ATOMIC_RELAXED);
    answer_fault(o, vm_fault_for_linux(p, addr, write));
}

// Poll for the answer up to @us; true if it came.
bool spin(Thread* t, mck_offload* o, uint32_t us)
{
    if (!us || sched_others_waiting())
        return false;
    __atomic_store_n(&o->spinning, 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); // pairs with mcctrl's barrier between DONE and its look
    uint64_t end = arch::rdtsc() + uint64_t(us) * boot_param().tsc_khz / 1000;
    bool got;
    while (!(got = done(o)) && !asks_fault(o) && arch::rdtsc() < end && !t->killed && !sched_others_waiting())
        asm volatile("pause" ::: "memory");
    __atomic_store_n(&o->spinning, 0, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); // mcctrl saw spinning=1 only if DONE is visible now
    return got || done(o);
}

int64_t offload_once(uint64_t nr, const uint64_t args[6], bool interruptible)
{
    Thread* t = current();
    Process* p = t->proc;
    if (t->killed || p->linux_gone)
        return -EINTR;
    uint64_t start = arch::rdtsc();
    mck_offload* o = t->offload;
    o->nr = nr;
    for (int i = 0; i < 6; i++)
        o->args[i] = args[i];
    o->ret = -ENOSYS;
    o->tid = t->tid;
    o->pid = p->pid;
    o->sigmask = t->sigmask;
    o->cpu = t->cpu;
    o->tsc_queued = o->tsc_taken = o->tsc_done = 0;
    o->spinning = 0;
    // A new number for this call, not asked to stop (bit 0 clear): an
    // interruption meant for the call before can no longer ask it (offload_interrupt).
    __atomic_store_n(&o->interrupt, (o->interrupt | MCK_OFFLOAD_INTERRUPTED) + 1u, __ATOMIC_RELAXED);
    t->offload_interruptible = interruptible;
    __atomic_store_n(&t->in_offload, true, __ATOMIC_RELAXED);
    sched_offload_wait_add(t);
    __atomic_store_n(&o->state, MCK_OFFLOAD_SENT, __ATOMIC_RELEASE);

    ihk_ikc_msg m{};
    m.type = MCK_IKC_SYSCALL;
    m.arg[0] = p->pid;
    m.arg[1] = t->offload_phys;
    while (!ikc_send_to_linux(t->cpu, m)) {
        // Ring full: Linux is slow to drain it; let others run and retry.
        if (t->killed)
            break;
        sched_block(deadline_after_us(1000));
    }
    // A signal that came between our entry and in_offload found no call to
    // interrupt (notify() in kernel/signal.cpp), as did one for a signalfd
    // while this wait for descriptors was on its way (kernel/signalfd.cpp):
    // the call interrupts itself, as Linux's would not have begun to wait.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (interruptible && (__atomic_load_n(&t->fd_wait, __ATOMIC_SEQ_CST) == FD_WAIT_KICKED ||
                          signal_interrupts_offload(t)))
        offload_interrupt(t);
    uint32_t budget = spin_budget_us(p);
    uint32_t window = t->spin_window_us < budget ? t->spin_window_us : budget;
    bool spun = spin(t, o, window);
    while (!done(o)) {
        if (asks_fault(o)) {
            serve_fault(p, o);
            continue;
        }
        if (t->killed) {
            sched_offload_wait_remove(t);
            answer_fault(o, -EFAULT); // no page for Linux any more: its access fails
            return -EINTR; // in_offload stays set: Linux may still complete it
        }
        sched_block(0);
    }
    uint64_t end = arch::rdtsc();
    sched_offload_wait_remove(t);
    __atomic_store_n(&t->in_offload, false, __ATOMIC_RELAXED);
    __atomic_store_n(&o->state, MCK_OFFLOAD_IDLE, __ATOMIC_RELAXED);
    int64_t ret = o->ret;
    stats_offload_call(nr, start, end, *o, spun);
    usage_offload();
    uint64_t took_us = (end - start) * 1000 / (boot_param().tsc_khz ? boot_param().tsc_khz : 1);
    if (took_us <= budget)
        t->spin_window_us = budget; // a spin would catch calls like this one
    else
        t->spin_window_us = window / 2; // spinning was wasted: spin less next time
    process_reclaim(p); // Linux dropped its stale view before it took this call
    return ret;
}

} // namespace

namespace {

int64_t offload_as(uint64_t nr, const uint64_t args[6], bool own)
{
    int64_t ret;
    // A call the LWK makes for itself runs to its end: only a stray signal of
    // mcexec's own from outside can stop one, and then it runs again.
    do
        ret = offload_once(nr, args, own);
    while (!own && (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR));
    return ret;
}

} // namespace

int64_t offload(uint64_t nr, const uint64_t args[6]) { return offload_as(nr, args, nr == current()->syscall_nr); }
int64_t offload_for_lwk(uint64_t nr, const uint64_t args[6]) { return offload_as(nr, args, false); }
int64_t offload_program(uint64_t nr, const uint64_t args[6]) { return offload_as(nr, args, true); }

void offload_interrupt(Thread* t)
{
    mck_offload* o = t->offload;
    // The call's number before the look at the call: if the call we see ends
    // and the thread's next begins meanwhile (this CPU stalled), asking fails
    // on the next one's number, where it used to interrupt that call instead.
    uint32_t call = __atomic_load_n(&o->interrupt, __ATOMIC_ACQUIRE);
    if (call & MCK_OFFLOAD_INTERRUPTED)
        return; // asked already
    // In flight: with Linux, or waiting for the LWK to give Linux a page
    // (the call goes on after that, so it must still learn of the signal).
    uint32_t state = __atomic_load_n(&o->state, __ATOMIC_ACQUIRE);
    if (!__atomic_load_n(&t->in_offload, __ATOMIC_ACQUIRE) || !t->offload_interruptible ||
        (state != MCK_OFFLOAD_SENT && state != MCK_OFFLOAD_FAULT))
        return;
    uint32_t asked = call | MCK_OFFLOAD_INTERRUPTED;
    if (!__atomic_compare_exchange_n(&o->interrupt, &call, asked, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return; // asked meanwhile, or another call
    ihk_ikc_msg m{};
    m.type = MCK_IKC_INTERRUPT;
    m.arg[0] = t->proc->pid;
    m.arg[1] = t->offload_phys;
    m.arg[2] = asked;
    // Kept until Linux has room, never dropped: a dropped one left the call
    // blocked for good, since @interrupt says it was asked already. It may
    // reach Linux after the call ended; mcctrl then finds another number in
    // the block (the thread's next call, if any) and drops it.
    ikc_post_to_linux(arch::this_cpu()->index, m);
}

} // namespace mck
