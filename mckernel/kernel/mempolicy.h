// SPDX-License-Identifier: GPL-2.0
// Where a NUMA policy (set_mempolicy's, mbind's) puts a program's memory
// (kernel/mempolicy.cpp); vm.cpp asks at every allocation for the program.
#pragma once

#include <kernel/process.h>

#include <stdint.h>

namespace mck {

// The allocation's order of nodes (mem_alloc_user_on): @node first, then
// @nodes (a mask of nodes 0-63; 0: none), then any node unless @strict.
struct Placement {
    int node;
    uint64_t nodes;
    bool strict;
    uint64_t stay; // nodes a page already there may stay on (mbind moves the others)
};

// For the page of @size bytes at @va under @policy, allocated by a thread on
// a CPU of node @home: MPOL_DEFAULT and MPOL_LOCAL, @home; MPOL_PREFERRED
// its node, then any; MPOL_BIND its nodes only (@home first if it is one);
// MPOL_INTERLEAVE one of its nodes by the page's number (@va / @size), then
// any; MPOL_PREFERRED_MANY its nodes, @home first, then any.
Placement mempolicy_place(const MemPolicy& policy, uint64_t va, uint64_t size, int home);

// The policy for @p's memory where its region has none: the allocating
// thread's (set_mempolicy is per thread), or, when no thread of @p
// allocates (Linux's SETUP, a fork's copy), the process's (Process::mempolicy).
const MemPolicy& mempolicy_of(Process* p);

// The policy an execve kept (mck_exec_keeps), checked as set_mempolicy would
// have made it; EINVAL for one it could not have made (a hostile mcexec).
int64_t mempolicy_from_exec(const mck_exec_keeps& keeps, MemPolicy* out);

// migrate_pages from the nodes of @from to those of @to (masks of nodes
// 0-63), as Linux's do_migrate_pages orders it: each node of @from goes to
// the node at the same place in @to (wrapping), a node that stays where it is
// moves nothing, and when the masks differ in weight a node of @from that is
// also in @to stays. Writes the moves into @moves; returns how many.
struct NodeMove {
    int from, to;
};
int migrate_plan(uint64_t from, uint64_t to, NodeMove moves[64]);

} // namespace mck
