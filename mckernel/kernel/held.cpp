// SPDX-License-Identifier: GPL-2.0
// Pages Linux still held when a program let go of them stay out of use
// (mem_withhold): an RDMA registration, an O_DIRECT transfer or a
// process_vm_readv may still write them. Most of those holds end soon after,
// e.g. when mcexec closes the verbs device at the program's end. We ask Linux
// about them whenever a process ends, on the CPU that ends it: no timer, and
// the answers ring that CPU's doorbell right after the end, not in the middle
// of a computation that runs for long. Only pages we have freed are
// asked about: no mapping of mcexec's view can reach them any more, so Linux's
// holds on them can only end, and its answer cannot go stale except by a new
// withholding, which the epoch catches (mem_unhold).
#include <kernel/held.h>
#include <kernel/boot.h>
#include <kernel/ikc.h>
#include <kernel/mem.h>

#include <ihk/ikc.h>
#include <mcexec/abi.h>

namespace mck {

namespace {
// Runs asked about per process end; the rest wait for the next end, which
// asks about the runs after these (g_next), so a run Linux keeps holding does
// not keep the others from being asked about.
constexpr uint32_t MAX_ASK = 16;
constexpr uint64_t MAX_RUN = 1ull << 40;
// Where the next question starts (a physical address; 0: from the lowest).
// Two CPUs ending processes at once may ask about the same runs: harmless.
uint64_t g_next;
} // namespace

void held_ask_linux(uint32_t cpu_index)
{
    HeldRun runs[MAX_ASK];
    uint64_t epoch, from = __atomic_load_n(&g_next, __ATOMIC_RELAXED);
    uint32_t n = mem_dropped_runs(runs, MAX_ASK, &epoch, from);
    if (!n && from)
        n = mem_dropped_runs(runs, MAX_ASK, &epoch, 0); // past the last run: from the start
    __atomic_store_n(&g_next, n == MAX_ASK ? runs[n - 1].phys + runs[n - 1].bytes : 0, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < n; i++) {
        ihk_ikc_msg m{};
        m.type = MCK_IKC_HELD_CHECK;
        m.arg[1] = runs[i].phys;
        m.arg[2] = runs[i].bytes;
        m.arg[3] = epoch;
        if (!ikc_send_to_linux(cpu_index, m))
            return; // the ring is full: next time
    }
}

void held_freed_by_linux(const ihk_ikc_msg& m)
{
    uint64_t phys = m.arg[1], bytes = m.arg[2];
    if (m.arg[0] || !bytes || bytes > MAX_RUN || (phys | bytes) % 4096 || !mem_owns(phys))
        return;
    if (uint64_t n = mem_unhold(phys, bytes, m.arg[3]))
        kprintf("memory: 0x%lx (%lu KiB) that Linux held is free again", phys, n * 4);
}

} // namespace mck
