// SPDX-License-Identifier: GPL-2.0
// What the host tests of the LWK's memory code see of the fake machine
// (fake_arch/, fake_arch.cpp, fake_kernel.cpp): fake physical memory, one
// instance booted on it, a process, and a record of every call the code under
// test made to Linux or to the rest of the kernel.
#pragma once

#include <kernel/kargs.h>
#include <kernel/process.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fake {

// Fake physical memory: [PHYS_BASE, PHYS_BASE + PHYS_SIZE). The first 4 MiB are
// Linux's (the kernel's top-level table, pages of shared file mappings); the
// instance's chunks follow.
constexpr uint64_t PHYS_BASE = 1ull << 32;
constexpr uint64_t PHYS_SIZE = 4ull << 30; // reserved, not touched: room for two 1 GiB pages
constexpr uint64_t LINUX_PHYS = PHYS_BASE + 0x1000; // Linux's pages for the tests, 2 MiB of them
constexpr uint64_t INSTANCE_PHYS = PHYS_BASE + (4ull << 20);
constexpr uint64_t IMAGE_BYTES = 64 << 10; // chunk 0 starts with "the image"

// Boot a fresh allocator over zeroed memory: @bytes per NUMA node, @nodes chunks.
void boot(uint64_t bytes, int nodes = 1);
uint8_t* host(uint64_t phys); // phys_to_virt

// The LWK's interrupt flag for the calling host thread, and things the code
// did that the LWK must never do (block or call Linux with a spinlock held).
std::vector<std::string>& violations();

// mck::panic() throws this.
struct Panic {
    std::string message;
};
const std::vector<std::string>& log(); // kprintf lines since boot()

// Offloaded calls, answered by offload_handler (default: -ENOSYS).
struct Call {
    uint64_t nr;
    uint64_t args[6];
};
extern std::map<uint32_t, uint64_t> msrs; // written by wrmsr()
extern std::vector<Call> offloads;
extern std::function<int64_t(const Call&)> offload_handler;

// process_unmapped(): ranges Linux is told to drop from mcexec's view; the
// pages that come with them are freed at once (as if Linux confirmed).
struct Invalidation {
    uint64_t start, len, page_bytes;
};
extern std::vector<Invalidation> invalidations;
// offload_interrupt(): the threads whose offloaded call was interrupted.
extern std::vector<mck::Thread*> interrupted;
struct Flush {
    uint64_t start, len;
};
extern std::vector<Flush> flushes; // process_flush_tlb()

// The clock (rdtsc, 1 tick per ns); waking threads blocked past their deadline.
void advance_ns(uint64_t ns);
uint64_t now_tsc();

// The fake usercopy faults on [lo, hi) whatever the page tables say (a page
// another thread unmapped between the check and the access). Cleared by boot().
void fault_user_range(uint64_t lo, uint64_t hi);

// A process with one thread, current on the calling host thread; its
// destructor tears the address space down as process exit does.
struct Proc {
    Proc();
    ~Proc();
    Proc(const Proc&) = delete;
    Proc& operator=(const Proc&) = delete;

    mck::Process p;
    mck::Thread t;

    // The bytes behind user address @va (its page must be mapped), through the
    // page tables, as the program would see them.
    uint8_t* at(uint64_t va);
    uint32_t* word(uint64_t va) { return reinterpret_cast<uint32_t*>(at(va)); }
    bool mapped(uint64_t va, uint32_t* prot = nullptr, uint64_t* page_size = nullptr);
};

// current() on the calling host thread.
void set_current(mck::Thread* t);

// Blocked threads (sched_block): how many there are now; wait until @n are.
int blocked();
bool wait_blocked(int n);

// The overcommit policy a kernel argument names, for one test; the default after it.
struct OvercommitPolicy {
    explicit OvercommitPolicy(const char* karg) { mck::kargs_parse(karg); }
    ~OvercommitPolicy() { mck::kargs_parse(""); }
};

} // namespace fake
