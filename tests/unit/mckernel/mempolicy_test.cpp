// SPDX-License-Identifier: GPL-2.0
// NUMA policy calls (kernel/mempolicy.cpp) on an instance with memory on
// nodes 0 and 1: what set_mempolicy and mbind accept is what get_mempolicy
// reports, with Linux's errors for bad modes, masks and addresses.
#include "fake.h"

#include <kernel/mem.h>
#include <kernel/mempolicy.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/vm.h>

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <tuple>
#include <vector>

namespace {

using namespace mck;

constexpr uint64_t K4 = 4096, M = 1ull << 20;
constexpr uint64_t A = 0x10000000000ull; // the program's page of arguments
constexpr uint64_t MASK = A, MODE = A + 512, B = A + 16 * K4; // a mask, an int, a region
constexpr uint64_t BIND = 2, PREFERRED = 1, INTERLEAVE = 3, LOCAL = 4, STATIC = 1 << 15, RELATIVE = 1 << 14;
constexpr uint64_t F_NODE = 1, F_ADDR = 2, F_MEMS_ALLOWED = 4;

class MemPolicyCalls : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake::boot(16 * M, 2);
        proc = std::make_unique<fake::Proc>();
        t.proc = &proc->p;
        fake::set_current(&t);
        ASSERT_EQ(vm_mmap(&proc->p, A, K4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                  int64_t(A));
    }
    void TearDown() override
    {
        fake::set_current(nullptr);
        proc.reset();
        EXPECT_TRUE(fake::violations().empty()) << fake::violations().front();
    }
    uint64_t* mask() { return reinterpret_cast<uint64_t*>(proc->at(MASK)); }
    int64_t set(uint64_t mode, uint64_t nodes, uint64_t maxnode = 65)
    {
        mask()[0] = nodes;
        mask()[1] = 0;
        SyscallArgs a{{mode, MASK, maxnode, 0, 0, 0}, nullptr};
        return sys_set_mempolicy(a);
    }
    int64_t mbind(uint64_t addr, uint64_t len, uint64_t mode, uint64_t nodes)
    {
        mask()[0] = nodes;
        SyscallArgs a{{addr, len, mode, MASK, 65, 0}, nullptr};
        return sys_mbind(a);
    }
    // get_mempolicy into MODE and a two-word mask (pre-filled with ones).
    int64_t get(uint64_t addr = 0, uint64_t flags = 0, uint64_t maxnode = 128)
    {
        mask()[0] = mask()[1] = ~0ull;
        SyscallArgs a{{MODE, MASK, maxnode, addr, flags, 0}, nullptr};
        return sys_get_mempolicy(a);
    }
    int32_t mode() { return *reinterpret_cast<int32_t*>(proc->at(MODE)); }

    std::unique_ptr<fake::Proc> proc;
    Thread t;
};

TEST_F(MemPolicyCalls, WhatIsSetIsWhatIsReported)
{
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), 0);
    EXPECT_EQ(mask()[0], 0u);
    EXPECT_EQ(mask()[1], 0u) << "past the machine's nodes: zeroed";
    ASSERT_EQ(set(BIND, 0b11), 0);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), int32_t(BIND));
    EXPECT_EQ(mask()[0], 0b11u);
    // Nodes without memory of ours drop out; none left is EINVAL, nothing changed.
    ASSERT_EQ(set(INTERLEAVE, 0b100010), 0);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), int32_t(INTERLEAVE));
    EXPECT_EQ(mask()[0], 0b10u);
    EXPECT_EQ(set(BIND, 0b100), -EINVAL);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), int32_t(INTERLEAVE));
    // PREFERRED: its first node; without nodes it is Linux's MPOL_LOCAL.
    ASSERT_EQ(set(PREFERRED, 0b11), 0);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mask()[0], 0b1u);
    ASSERT_EQ(set(PREFERRED, 0), 0);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), int32_t(LOCAL));
    EXPECT_EQ(mask()[0], 0u);
    // The caller's own mask comes back with STATIC or RELATIVE, with the flag.
    ASSERT_EQ(set(BIND | STATIC, 0b100010), 0);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), int32_t(BIND | STATIC));
    EXPECT_EQ(mask()[0], 0b100010u);
    ASSERT_EQ(set(BIND | RELATIVE, 0b100), 0) << "node 2 of 2 allowed: the first";
    ASSERT_EQ(set(0, 0), 0);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), 0);
}

TEST_F(MemPolicyCalls, BadModesAndMasksAsLinux)
{
    EXPECT_EQ(set(6, 1), -EINVAL);
    EXPECT_EQ(set(BIND | STATIC | RELATIVE, 1), -EINVAL);
    EXPECT_EQ(set(INTERLEAVE | (1 << 13), 1), -EINVAL) << "NUMA balancing is for BIND only";
    EXPECT_EQ(set(0, 1), -EINVAL) << "DEFAULT takes no nodes";
    EXPECT_EQ(set(BIND, 0), -EINVAL);
    EXPECT_EQ(set(LOCAL, 1), -EINVAL);
    EXPECT_EQ(set(PREFERRED | STATIC, 0), -EINVAL);
    EXPECT_EQ(set(BIND, 1, 0), -EINVAL) << "a mask of no bits";
    EXPECT_EQ(set(BIND, 1, 1), -EINVAL) << "maxnode 1 reads nothing";
    EXPECT_EQ(set(BIND, 1, 4096 * 8 + 2), -EINVAL) << "more than a page of mask";
    // A node past Linux's 1024 is EINVAL; the mask must be readable.
    std::memset(proc->at(MASK), 0, 256);
    mask()[0] = 1;
    mask()[16] = 1;
    SyscallArgs big{{BIND, MASK, 2048, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_set_mempolicy(big), -EINVAL);
    SyscallArgs unreadable{{BIND, A + K4 - 8, 129, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_set_mempolicy(unreadable), -EFAULT);
    // get_mempolicy: room for every node, known flags, MPOL_F_ADDR for an address.
    EXPECT_EQ(get(0, 0, 1), -EINVAL);
    EXPECT_EQ(get(0, 8), -EINVAL);
    EXPECT_EQ(get(A, 0), -EINVAL);
    EXPECT_EQ(get(0, F_MEMS_ALLOWED | F_ADDR), -EINVAL);
    EXPECT_EQ(get(0, F_NODE), -EINVAL) << "not interleaving";
    SyscallArgs bad_mode{{A + K4, 0, 0, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_get_mempolicy(bad_mode), -EFAULT);
    SyscallArgs bad_mask{{0, A + K4, 128, 0, 0, 0}, nullptr};
    EXPECT_EQ(sys_get_mempolicy(bad_mask), -EFAULT);
    ASSERT_EQ(get(0, F_MEMS_ALLOWED), 0);
    EXPECT_EQ(mask()[0], 0b11u);
}

// What an execve kept comes back as set_mempolicy made it; a record it could
// not have made (from a hostile mcexec --mempolicy) is EINVAL. Two nodes.
TEST_F(MemPolicyCalls, AnExecsPolicyIsOneSetMempolicyCouldHaveMade)
{
    auto keep = [](uint64_t mode, uint64_t flags, uint64_t nodes) {
        mck_exec_keeps k{};
        k.policy_mode = uint32_t(mode);
        k.policy_flags = uint32_t(flags);
        k.policy_nodes = nodes;
        return k;
    };
    MemPolicy p;
    for (auto [mode, flags, nodes] : {std::tuple<uint64_t, uint64_t, uint64_t>{0, 0, 0}, {BIND, 0, 2}, {BIND, 0, 3},
                                      {INTERLEAVE, 0, 3}, {PREFERRED, 0, 1}, {LOCAL, 0, 0}, {BIND, STATIC, 6},
                                      {INTERLEAVE, RELATIVE, 1}}) {
        ASSERT_EQ(mempolicy_from_exec(keep(mode, flags, nodes), &p), 0) << mode << " " << flags << " " << nodes;
        EXPECT_EQ(p.mode, mode);
        EXPECT_EQ(p.flags, flags);
        EXPECT_EQ(p.nodes, nodes);
    }
    // As set_mempolicy kept them, so as mcexec passes them on.
    ASSERT_EQ(set(BIND, 2), 0);
    mck_exec_keeps k = keep(t.mempolicy.mode, t.mempolicy.flags, t.mempolicy.nodes);
    ASSERT_EQ(mempolicy_from_exec(k, &p), 0);
    EXPECT_EQ(p.mode, BIND);
    EXPECT_EQ(p.nodes, 2u);
    for (auto [mode, flags, nodes] : {std::tuple<uint64_t, uint64_t, uint64_t>{0, 0, 1}, {6, 0, 1}, {BIND, 0, 0},
                                      {BIND, 0, 4}, {PREFERRED, 0, 3}, {LOCAL, 0, 1}, {LOCAL, STATIC, 0},
                                      {BIND, STATIC | RELATIVE, 1}, {BIND, 1, 1}, {BIND, STATIC, 4},
                                      {1ull << 20, 0, 1}, {INTERLEAVE, 1ull << 13, 1}})
        EXPECT_EQ(mempolicy_from_exec(keep(mode, flags, nodes), &p), -EINVAL) << mode << " " << flags << " " << nodes;
}

TEST_F(MemPolicyCalls, MbindSetsTheRegionsPolicy)
{
    ASSERT_EQ(vm_mmap(&proc->p, B, 4 * K4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              int64_t(B));
    ASSERT_EQ(set(BIND, 0b1), 0);
    ASSERT_EQ(mbind(B + K4, K4, INTERLEAVE, 0b11), 0);
    ASSERT_EQ(get(B + K4, F_ADDR), 0);
    EXPECT_EQ(mode(), int32_t(INTERLEAVE));
    EXPECT_EQ(mask()[0], 0b11u);
    // Its neighbours keep no policy of their own: the default, not the process's.
    ASSERT_EQ(get(B, F_ADDR), 0);
    EXPECT_EQ(mode(), 0);
    EXPECT_EQ(mask()[0], 0u);
    ASSERT_EQ(get(B + 2 * K4, F_ADDR), 0);
    EXPECT_EQ(mode(), 0);
    // The node of a page, mapped on demand.
    ASSERT_EQ(get(B + 3 * K4 + 5, F_ADDR | F_NODE), 0);
    EXPECT_GE(mode(), 0);
    EXPECT_LE(mode(), 1);
    // Holes, bad ranges and the default policy.
    EXPECT_EQ(get(B + 4 * K4, F_ADDR), -EFAULT);
    EXPECT_EQ(get(0xffffffff81000000ull, F_ADDR), -EFAULT);
    EXPECT_EQ(mbind(B, 5 * K4, BIND, 1), -EFAULT) << "a hole at the end";
    EXPECT_EQ(mbind(B + 1, K4, BIND, 1), -EINVAL);
    EXPECT_EQ(mbind(B, ~0ull - 10, BIND, 1), -EINVAL);
    EXPECT_EQ(mbind(B, 0, BIND, 1), 0);
    EXPECT_EQ(mbind(0xffffffff81000000ull, K4, BIND, 1), -EFAULT);
    SyscallArgs flags{{B, K4, BIND, MASK, 65, 8}, nullptr};
    EXPECT_EQ(sys_mbind(flags), -EINVAL);
    ASSERT_EQ(mbind(B, 4 * K4, 0, 0), 0);
    ASSERT_EQ(get(B + K4, F_ADDR), 0);
    EXPECT_EQ(mode(), 0);
    // The policy grows and moves with mremap.
    ASSERT_EQ(mbind(B, 4 * K4, BIND | STATIC, 0b10), 0);
    ASSERT_EQ(vm_mremap(&proc->p, B, 4 * K4, 8 * K4, 0, 0), int64_t(B));
    ASSERT_EQ(get(B + 6 * K4, F_ADDR), 0);
    EXPECT_EQ(mode(), int32_t(BIND | STATIC));
    ASSERT_EQ(vm_mmap(&proc->p, B + 8 * K4, K4, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              int64_t(B + 8 * K4));
    int64_t moved = vm_mremap(&proc->p, B, 8 * K4, 16 * K4, 1, 0);
    ASSERT_GT(moved, 0);
    ASSERT_NE(moved, int64_t(B));
    ASSERT_EQ(get(uint64_t(moved) + 12 * K4, F_ADDR), 0);
    EXPECT_EQ(mode(), int32_t(BIND | STATIC));
    EXPECT_EQ(mask()[0], 0b10u);
    EXPECT_EQ(vm_munmap(&proc->p, uint64_t(moved), 16 * K4), 0);
}

class MemPolicyPlacement : public MemPolicyCalls {
protected:
    int node_at(uint64_t va)
    {
        SyscallArgs a{{MODE, 0, 0, va, F_NODE | F_ADDR, 0}, nullptr};
        return sys_get_mempolicy(a) == 0 ? mode() : -1;
    }
    uint64_t map(uint64_t len)
    {
        return uint64_t(vm_mmap(&proc->p, B, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    }
};

TEST_F(MemPolicyPlacement, SetMempolicyPlacesNewMemory)
{
    ASSERT_EQ(set(BIND, 0b10), 0);
    ASSERT_EQ(map(4 * K4), B);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(node_at(B + i * K4), 1) << "page " << i;
    ASSERT_EQ(vm_munmap(&proc->p, B, 4 * K4), 0);
    ASSERT_EQ(set(PREFERRED, 0b1), 0);
    ASSERT_EQ(map(2 * K4), B);
    EXPECT_EQ(node_at(B), 0);
    ASSERT_EQ(vm_munmap(&proc->p, B, 2 * K4), 0);
    // Interleaved page by page over both nodes.
    ASSERT_EQ(set(INTERLEAVE, 0b11), 0);
    ASSERT_EQ(map(4 * K4), B);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(node_at(B + i * K4), int((B / K4 + i) % 2)) << "page " << i;
    ASSERT_EQ(vm_munmap(&proc->p, B, 4 * K4), 0);
}

TEST_F(MemPolicyPlacement, MbindMovesWhatTheRangeHasKeepingItsBytes)
{
    ASSERT_EQ(set(BIND, 0b1), 0);
    ASSERT_EQ(map(4 * K4), B);
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(node_at(B + i * K4), 0);
        memset(proc->at(B + i * K4), 'a' + i, K4);
    }
    uint64_t free1 = mem_free_bytes(1);
    ASSERT_EQ(mbind(B + K4, 2 * K4, BIND, 0b10), 0);
    EXPECT_EQ(node_at(B), 0) << "outside the range: stays";
    EXPECT_EQ(node_at(B + K4), 1);
    EXPECT_EQ(node_at(B + 2 * K4), 1);
    EXPECT_EQ(node_at(B + 3 * K4), 0);
    EXPECT_EQ(mem_free_bytes(1), free1 - 2 * K4);
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(*proc->at(B + i * K4 + 100), 'a' + i) << "page " << i;
    // Back to the process's policy: memory that came for the region's stays where it is allowed.
    ASSERT_EQ(mbind(B, 4 * K4, 0, 0), 0);
    EXPECT_EQ(node_at(B + K4), 0) << "the process's BIND to node 0 takes it back";
    EXPECT_EQ(vm_munmap(&proc->p, B, 4 * K4), 0);
}

// Linux's do_migrate_pages order: the examples of its comment, and a move
// onto a node still to be emptied comes after that node's own.
TEST(MigratePlan, AsLinuxOrdersTheMoves)
{
    NodeMove m[64];
    auto plan = [&](uint64_t from, uint64_t to) {
        std::vector<std::pair<int, int>> out;
        int n = migrate_plan(from, to, m);
        for (int i = 0; i < n; i++)
            out.push_back({m[i].from, m[i].to});
        return out;
    };
    using Moves = std::vector<std::pair<int, int>>;
    EXPECT_EQ(plan(0b11100, 0b111000), (Moves{{4, 5}, {3, 4}, {2, 3}})) << "[2,3,4] -> [3,4,5] moves everything";
    EXPECT_EQ(plan(0xff, 0b111000), (Moves{{7, 4}, {6, 3}, {2, 5}, {1, 4}, {0, 3}})) << "[0-7] -> [3,4,5]: not 3, 4, 5";
    EXPECT_EQ(plan(0b1, 0b10), (Moves{{0, 1}}));
    EXPECT_EQ(plan(0b11, 0b11), Moves{}) << "each node stays";
    EXPECT_EQ(plan(0, 0b11), Moves{});
}

TEST_F(MemPolicyPlacement, MigratePagesMovesTheProcesssPagesOffANode)
{
    ASSERT_EQ(set(BIND, 0b1), 0);
    ASSERT_EQ(map(4 * K4), B);
    for (int i = 0; i < 4; i++)
        memset(proc->at(B + i * K4), 'a' + i, K4);
    ASSERT_EQ(set(0, 0), 0);
    auto migrate = [&](int64_t pid, uint64_t from, uint64_t to, uint64_t maxnode = 65) {
        mask()[0] = from;
        mask()[1] = 0;
        mask()[2] = to;
        mask()[3] = 0;
        SyscallArgs a{{uint64_t(pid), maxnode, MASK, MASK + 16, 0, 0}, nullptr};
        return sys_migrate_pages(a);
    };
    uint64_t free1 = mem_free_bytes(1);
    EXPECT_EQ(migrate(0, 0b1, 0b10), 0) << "every page found room";
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(node_at(B + i * K4), 1) << "page " << i;
        EXPECT_EQ(*proc->at(B + i * K4 + 7), 'a' + i) << "page " << i;
    }
    EXPECT_LE(mem_free_bytes(1), free1 - 4 * K4);
    EXPECT_EQ(migrate(proc->p.pid, 0b10, 0b1), 0) << "its own pid";
    EXPECT_EQ(node_at(B + 3 * K4), 0);
    // Linux's answers: bad masks, another process (Linux decides), new nodes
    // without memory (CAP_SYS_NICE asked of Linux, then none left).
    EXPECT_EQ(migrate(0, 0b1, 0b10, 1 << 20), -EINVAL);
    SyscallArgs bad{{0, 65, 8, MASK, 0, 0}, nullptr};
    EXPECT_EQ(sys_migrate_pages(bad), -EFAULT);
    EXPECT_EQ(migrate(-1, 0b1, 0b10), -ESRCH);
    fake::offload_handler = [](const fake::Call& c) -> int64_t {
        if (c.nr == 256)
            return c.args[0] == 12345 ? -ESRCH : -ENOSYS;
        return c.nr == 279 ? -EPERM : -ENOSYS; // move_pages of no page, MPOL_MF_MOVE_ALL: no CAP_SYS_NICE
    };
    EXPECT_EQ(migrate(12345, 0b1, 0b10), -ESRCH) << "not an LWK process: Linux's call";
    EXPECT_EQ(migrate(0, 0b1, 0b100), -EPERM);
    fake::offload_handler = [](const fake::Call& c) -> int64_t { return c.nr == 279 ? 0 : -ENOSYS; };
    EXPECT_EQ(migrate(0, 0b1, 0b100), -EINVAL) << "with CAP_SYS_NICE: no node left";
    EXPECT_EQ(node_at(B), 0) << "nothing moved";
    EXPECT_EQ(vm_munmap(&proc->p, B, 4 * K4), 0);
}

TEST_F(MemPolicyPlacement, BindFailsWhereItsNodesAreFullOthersFallBack)
{
    // Fill node 1 (the fixture's instance has 8 MiB on each node).
    std::vector<uint64_t> taken;
    while (uint64_t pa = mem_alloc_user_on(K4, K4, 1, 0b10, true))
        taken.push_back(pa);
    EXPECT_EQ(mem_alloc_user_on(K4, K4, 1, 0b10, true), 0u) << "BIND: no other node";
    uint64_t any = mem_alloc_user_on(K4, K4, 1, 0b10, false);
    EXPECT_NE(any, 0u) << "PREFERRED or INTERLEAVE: another node";
    EXPECT_EQ(mem_node_of(any), 0);
    mem_free(any, K4);
    ASSERT_EQ(set(BIND, 0b10), 0);
    // As Linux: the mapping is made, and the touch BIND cannot place finds no memory.
    ASSERT_EQ(map(K4), B);
    EXPECT_EQ(vm_fault(&proc->p, B, true), 7) << "SIGBUS";
    EXPECT_EQ(vm_munmap(&proc->p, B, K4), 0);
    {
        fake::OvercommitPolicy strict("overcommit=strict");
        EXPECT_EQ(int64_t(map(K4)), -ENOMEM) << "strict: memory BIND cannot place fails at mmap";
    }
    for (uint64_t pa : taken)
        mem_free(pa, K4);
}

TEST_F(MemPolicyPlacement, MovePagesMovesAndTellsWhere)
{
    ASSERT_EQ(set(BIND, 0b1), 0);
    ASSERT_EQ(map(2 * K4), B);
    memset(proc->at(B), 'm', 2 * K4);
    ASSERT_EQ(set(0, 0), 0);
    constexpr uint64_t PAGES = A + 1024, NODES = A + 1536, STATUS = A + 2048;
    auto* pages = reinterpret_cast<uint64_t*>(proc->at(PAGES));
    auto* nodes = reinterpret_cast<int32_t*>(proc->at(NODES));
    auto* status = reinterpret_cast<int32_t*>(proc->at(STATUS));
    auto move = [&](uint64_t pid, uint64_t n, bool with_nodes, uint64_t flags = 2) {
        SyscallArgs a{{pid, n, PAGES, with_nodes ? NODES : 0, STATUS, flags}, nullptr};
        return sys_move_pages(a);
    };
    pages[0] = B + 5; // any address in the page
    pages[1] = B + K4;
    pages[2] = B + 8 * K4; // nothing mapped
    nodes[0] = 1;
    nodes[1] = 0;
    nodes[2] = 1;
    ASSERT_EQ(move(0, 3, true), 0);
    EXPECT_EQ(status[0], 1);
    EXPECT_EQ(status[1], 0) << "already there";
    EXPECT_EQ(status[2], -EFAULT);
    EXPECT_EQ(node_at(B), 1);
    EXPECT_EQ(*proc->at(B + 100), 'm') << "its bytes came along";
    // Without nodes: where each page is.
    status[0] = status[1] = -99;
    ASSERT_EQ(move(0, 2, false), 0);
    EXPECT_EQ(status[0], 1);
    EXPECT_EQ(status[1], 0);
    // Linux's errors for the call.
    nodes[0] = 5;
    EXPECT_EQ(move(0, 1, true), -ENODEV) << "a node without memory";
    nodes[0] = -1;
    EXPECT_EQ(move(0, 1, true), -EINVAL);
    nodes[0] = 1;
    EXPECT_EQ(move(0, 1, true, 1), -EINVAL) << "MPOL_MF_STRICT is not move_pages'";
    EXPECT_EQ(move(12345, 1, true), -ESRCH) << "another process";
    SyscallArgs bad{{0, 1, 8, NODES, STATUS, 0}, nullptr};
    EXPECT_EQ(sys_move_pages(bad), -EFAULT);
    EXPECT_EQ(vm_munmap(&proc->p, B, 2 * K4), 0);
}

TEST_F(MemPolicyPlacement, EachThreadHasItsOwnPolicy)
{
    Thread other;
    other.proc = &proc->p;
    other.tid = proc->p.pid + 1;
    fake::set_current(&other);
    ASSERT_EQ(set(BIND, 0b10), 0);
    ASSERT_EQ(map(2 * K4), B);
    EXPECT_EQ(node_at(B), 1) << "placed by the thread that maps it";
    fake::set_current(&t);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), 0) << "the main thread's is still the default";
    ASSERT_EQ(vm_munmap(&proc->p, B, 2 * K4), 0);
    ASSERT_EQ(set(BIND, 0b1), 0);
    ASSERT_EQ(map(2 * K4), B);
    EXPECT_EQ(node_at(B), 0);
    fake::set_current(&other);
    ASSERT_EQ(get(), 0);
    EXPECT_EQ(mode(), int32_t(BIND));
    EXPECT_EQ(mask()[0], 0b10u);
    fake::set_current(&t);
    EXPECT_EQ(vm_munmap(&proc->p, B, 2 * K4), 0);
}

} // namespace
