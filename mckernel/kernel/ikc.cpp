// SPDX-License-Identifier: GPL-2.0
// IKC on the LWK: channels allocated from our memory near the boot CPU and
// published in the boot block. Messages Linux must get (ikc_post_to_linux)
// wait in an outbox while their ring is full (kernel/ikc_outbox.h). The
// doorbell handler first moves those on, answers PING with PONG,
// passes Linux's process requests and its answers about held pages on, and wakes threads whose offloaded call
// Linux completed.
#include <kernel/boot.h>
#include <kernel/held.h>
#include <kernel/ikc.h>
#include <kernel/ikc_outbox.h>
#include <kernel/mem.h>
#include <kernel/process.h>
#include <kernel/sched.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <ihk/ikc.h>
#include <lib/spinlock.h>

namespace mck {
namespace {

ihk_ikc_channel* g_channels;
// The producers of each to_linux ring, and what waits for room in it.
struct Sender {
    SpinLock lock{LockRank::IkcSend};
    IkcOutbox outbox;
} g_send[IHK_BOOT_MAX_CPUS];

// Linux's doorbell for channel @index, if @moved messages went into its ring.
void ring_linux(uint32_t index, uint32_t moved)
{
    const ihk_boot_cpu& c = boot_param().cpus[index];
    if (moved)
        arch::apic_send_ipi(c.ikc_apic_id, uint8_t(c.ikc_vector));
}

// Move what channel @index kept into its ring (Linux rang: it has room).
void flush_outbox(uint32_t index)
{
    uint32_t moved;
    {
        SpinLockGuard guard(g_send[index].lock);
        moved = g_send[index].outbox.flush(&g_channels[index].to_linux);
    }
    ring_linux(index, moved);
}

} // namespace

bool ikc_send_to_linux(uint32_t index, const ihk_ikc_msg& m)
{
    bool sent;
    uint32_t moved;
    {
        SpinLockGuard guard(g_send[index].lock);
        moved = g_send[index].outbox.try_send(&g_channels[index].to_linux, m, &sent);
    }
    ring_linux(index, moved);
    return sent;
}

void ikc_post_to_linux(uint32_t index, const ihk_ikc_msg& m)
{
    bool kept;
    uint32_t moved, waiting;
    {
        SpinLockGuard guard(g_send[index].lock);
        moved = g_send[index].outbox.post(&g_channels[index].to_linux, m, &kept);
        waiting = g_send[index].outbox.waiting();
    }
    ring_linux(index, moved);
    if (kept) {
        if (waiting == 1) // once for each time the ring fills: Linux is slow to empty it
            kprintf("ikc: cpu %u: ring to Linux full: messages wait until Linux has room", index);
        return;
    }
    // No kernel memory to keep it: wait for room instead, as long as Linux
    // plausibly needs to empty a ring (its doorbell handler does it at once).
    uint64_t end = arch::rdtsc() + boot_param().tsc_khz * 1000;
    while (arch::rdtsc() < end) {
        if (ikc_send_to_linux(index, m))
            return;
        arch::cpu_relax();
    }
    kprintf("ikc: cpu %u: ring to Linux full for 1 s and no memory to keep message %u: dropped", index, m.type);
}

void ikc_init()
{
    ihk_boot_param& bp = boot_param_mut();
    uint64_t bytes = uint64_t(bp.num_cpus) * sizeof(ihk_ikc_channel);
    uint64_t phys = mem_alloc(bytes, bp.cpus[0].numa_node);
    if (!phys)
        panic("no memory for %u IKC channels", bp.num_cpus);
    g_channels = static_cast<ihk_ikc_channel*>(arch::phys_to_virt(phys));
    bp.ikc_phys = phys;
    bp.ikc_size = bytes;
    kprintf("ikc: %u channel(s) of %u messages at 0x%lx", bp.num_cpus, IHK_IKC_SLOTS, phys);
}

void ikc_doorbell()
{
    uint32_t index = arch::this_cpu()->index;
    flush_outbox(index); // first: what waited goes before any answer to what Linux sends now
    ihk_ikc_msg m;
    while (ihk_ikc_pop(&g_channels[index].to_lwk, &m)) {
        if (m.type == IHK_IKC_PING) {
            ihk_ikc_msg pong{};
            pong.type = IHK_IKC_PONG;
            pong.seq = m.seq;
            pong.arg[0] = m.arg[0];
            pong.arg[1] = arch::rdtsc();
            if (!ikc_send_to_linux(index, pong))
                kprintf("ikc: cpu %u: ring to Linux full, PONG dropped", index);
        } else if (m.type >= MCK_IKC_CREATE && m.type <= MCK_IKC_STOPPED) {
            process_ikc(index, m);
            // The last reference to an ended process went with process_ikc's.
            if (m.type == MCK_IKC_EXIT_ACK || m.type == MCK_IKC_KILL)
                held_ask_linux(index);
        } else if (m.type == MCK_IKC_HELD_FREE) {
            held_freed_by_linux(m);
        } else {
            kprintf("ikc: cpu %u: unknown message type %u ignored", index, m.type);
        }
    }
    sched_offload_doorbell();
}

} // namespace mck
