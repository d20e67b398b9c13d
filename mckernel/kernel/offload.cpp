// SPDX-License-Identifier: GPL-2.0
// The offload client (kernel/offload.h). The wait has no timeout of its own:
// an offloaded read may wait for input forever, as it would on Linux. It is
// tied to liveness instead: if mcexec dies, mcctrl sends KILL and the process
// is torn down, which wakes us; if Linux goes, the node goes.
#include <kernel/errno.h>
#include <kernel/ikc.h>
#include <kernel/offload.h>
#include <kernel/process.h>
#include <kernel/sched.h>

#include <arch/percpu.h>
#include <ihk/ikc.h>

namespace mck {

int64_t offload(uint64_t nr, const uint64_t args[6])
{
    Thread* t = current();
    Process* p = t->proc;
    if (t->killed || p->linux_gone)
        return -EINTR;
    mck_offload* o = t->offload;
    o->nr = nr;
    for (int i = 0; i < 6; i++)
        o->args[i] = args[i];
    o->ret = -ENOSYS;
    o->tid = t->tid;
    o->pid = p->pid;
    o->cpu = t->cpu;
    t->in_offload = true;
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
    while (__atomic_load_n(&o->state, __ATOMIC_ACQUIRE) != MCK_OFFLOAD_DONE) {
        if (t->killed) {
            sched_offload_wait_remove(t);
            return -EINTR; // in_offload stays set: Linux may still complete it
        }
        sched_block(0);
    }
    sched_offload_wait_remove(t);
    t->in_offload = false;
    __atomic_store_n(&o->state, MCK_OFFLOAD_IDLE, __ATOMIC_RELAXED);
    int64_t ret = o->ret;
    process_reclaim(p); // Linux dropped its stale view before it took this call
    return ret;
}

} // namespace mck
