// SPDX-License-Identifier: GPL-2.0
// NUMA memory policy calls. Offloaded, they would act on mcexec's mappings, not
// on the program's memory, so they are answered here: the arguments are checked
// as Linux checks them (mm/mempolicy.c: sanitize_mpol_flags, get_nodes,
// mpol_new, mpol_set_nodemask, copy_nodes_to_user), and the policy is kept and
// reported back exactly (each thread's, and each region's from mbind), with
// the nodes the LWK has memory on standing for Linux's allowed nodes. The
// program's memory is placed by it (mempolicy_place, kernel/mempolicy.h);
// mbind moves what the range already has to where the policy wants it, since
// the LWK maps memory ahead of its first touch (docs/syscalls.md).
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/mem.h>
#include <kernel/offload.h>
#include <kernel/mempolicy.h>
#include <kernel/process.h>
#include <kernel/process_vm.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

namespace mck {
namespace {

constexpr uint16_t MPOL_DEFAULT = 0, MPOL_PREFERRED = 1, MPOL_BIND = 2, MPOL_INTERLEAVE = 3, MPOL_LOCAL = 4,
                   MPOL_MAX = 6; // past MPOL_PREFERRED_MANY (Linux 6.1)
constexpr uint16_t MPOL_F_STATIC_NODES = 1 << 15, MPOL_F_RELATIVE_NODES = 1 << 14, MPOL_F_NUMA_BALANCING = 1 << 13;
constexpr uint16_t MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
constexpr uint64_t MPOL_MF_STRICT = 1, MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4;
constexpr uint64_t MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
constexpr uint64_t MAX_NUMNODES = 1024;  // Linux's on x86-64 distributions (NODES_SHIFT 10)
constexpr uint64_t MASK_BITS_MAX = 4096 * 8; // a page of mask at most
constexpr uint64_t PAGE = 4096;

// Linux's nr_node_ids: one past the highest node the machine has, as far as
// the LWK sees it (its CPUs' and its memory's).
uint64_t nr_node_ids()
{
    const ihk_boot_param& bp = boot_param();
    int64_t high = 0;
    for (uint32_t i = 0; i < bp.num_cpus; i++)
        high = bp.cpus[i].numa_node > high ? bp.cpus[i].numa_node : high;
    for (uint32_t i = 0; i < bp.num_mem; i++)
        high = bp.mem[i].numa_node > high ? bp.mem[i].numa_node : high;
    return uint64_t(high) + 1;
}

// The mode argument (an int) split into mode and flags (sanitize_mpol_flags).
int64_t split_mode(uint64_t arg, uint16_t* mode, uint16_t* flags)
{
    uint32_t m = uint32_t(arg);
    *flags = uint16_t(m & MODE_FLAGS);
    m &= ~uint32_t(MODE_FLAGS);
    if (m >= MPOL_MAX)
        return -EINVAL;
    if ((*flags & MPOL_F_STATIC_NODES) && (*flags & MPOL_F_RELATIVE_NODES))
        return -EINVAL;
    if ((*flags & MPOL_F_NUMA_BALANCING) && m != MPOL_BIND)
        return -EINVAL;
    *mode = uint16_t(m);
    return 0;
}

// The caller's node mask of @maxnode bits, one bit fewer as Linux reads it
// (get_nodes). *@nodes: nodes 0-63; *@more: a node past them was named.
int64_t read_nodes(uint64_t mask, uint64_t maxnode, uint64_t* nodes, bool* more)
{
    *nodes = 0;
    *more = false;
    maxnode--; // 0 wraps: refused below unless there is no mask
    if (!maxnode || !mask)
        return 0;
    if (maxnode > MASK_BITS_MAX)
        return -EINVAL;
    uint64_t words = (maxnode + 63) / 64;
    for (uint64_t i = 0; i < words; i++) {
        uint64_t w;
        if (!get_user(w, UserPtr<uint64_t>(mask).at(i)))
            return -EFAULT;
        if (i == words - 1 && (maxnode % 64))
            w &= (1ull << (maxnode % 64)) - 1;
        if (i >= MAX_NUMNODES / 64 && w)
            return -EINVAL; // a node no Linux has
        if (i == 0)
            *nodes = w;
        else
            *more |= w != 0;
    }
    return 0;
}

// MPOL_F_RELATIVE_NODES: node n of the caller's mask is the (n mod weight)th
// node of @allowed.
uint64_t relative(uint64_t user, uint64_t allowed)
{
    uint32_t weight = 0;
    for (uint64_t a = allowed; a; a &= a - 1)
        weight++;
    uint64_t out = 0;
    for (uint32_t n = 0; n < 64 && weight; n++) {
        if (!(user & (1ull << n)))
            continue;
        uint32_t nth = n % weight;
        uint64_t a = allowed;
        for (uint32_t k = 0; k < nth; k++)
            a &= a - 1;
        out |= a & -a;
    }
    return out;
}

// set_mempolicy's and mbind's policy from their arguments (mpol_new and
// mpol_set_nodemask), or EINVAL.
int64_t make_policy(uint64_t mode_arg, uint64_t mask, uint64_t maxnode, MemPolicy* out)
{
    uint16_t mode, flags;
    uint64_t user;
    bool more;
    if (int64_t err = split_mode(mode_arg, &mode, &flags))
        return err;
    if (int64_t err = read_nodes(mask, maxnode, &user, &more))
        return err;
    bool any = user || more, user_mask = flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES);
    *out = MemPolicy{};
    if (mode == MPOL_DEFAULT)
        return any ? -EINVAL : 0;
    if (mode == MPOL_PREFERRED && !any) {
        if (user_mask)
            return -EINVAL;
        mode = MPOL_LOCAL; // "the node of the CPU", as Linux records it
    } else if (mode == MPOL_LOCAL) {
        if (any || user_mask)
            return -EINVAL;
    } else if (!any) {
        return -EINVAL;
    }
    out->mode = mode;
    out->flags = flags;
    if (mode == MPOL_LOCAL)
        return 0;
    uint64_t allowed = mem_nodes();
    uint64_t nodes = (flags & MPOL_F_RELATIVE_NODES) ? relative(user, allowed) : user & allowed;
    if (!nodes)
        return -EINVAL;
    if (mode == MPOL_PREFERRED)
        nodes &= -nodes; // its first node
    out->nodes = user_mask ? user : nodes;
    return 0;
}

uint64_t lowest(uint64_t nodes) { return uint64_t(__builtin_ctzll(nodes)); }

// The nodes a policy stands for now: with MPOL_F_STATIC_NODES or
// MPOL_F_RELATIVE_NODES it keeps the caller's mask, mapped onto the nodes
// there are (mpol_rebind_nodemask).
uint64_t effective_nodes(const MemPolicy& p)
{
    uint64_t allowed = mem_nodes();
    if (p.flags & MPOL_F_STATIC_NODES)
        return p.nodes & allowed;
    if (p.flags & MPOL_F_RELATIVE_NODES)
        return relative(p.nodes, allowed);
    return p.nodes & allowed;
}

// MPOL_MF_MOVE_ALL needs CAP_SYS_NICE, which is Linux's to know: Linux's own
// move_pages of no page with that flag answers EPERM or 0 (and moves nothing).
int64_t may_move_all()
{
    constexpr uint64_t SYS_MOVE_PAGES = 279;
    uint64_t args[6] = {0, 0, 0, 0, 0, MPOL_MF_MOVE_ALL};
    return offload(SYS_MOVE_PAGES, args);
}

// copy_nodes_to_user: as many bits as the caller has room for, past the
// machine's nodes zeroed.
int64_t write_nodes(uint64_t mask, uint64_t maxnode, uint64_t nodes)
{
    uint64_t copy = ((maxnode - 1 + 63) & ~63ull) / 8;
    uint64_t nbytes = (nr_node_ids() + 63) / 64 * 8;
    if (copy > nbytes) {
        if (copy > PAGE)
            return -EINVAL;
        const uint8_t zero[64] = {};
        for (uint64_t off = nbytes; off < copy; off += sizeof(zero)) {
            uint64_t n = copy - off < sizeof(zero) ? copy - off : sizeof(zero);
            if (!copy_to_user(UserPtr<uint8_t>(mask).at(off), zero, n))
                return -EFAULT;
        }
        copy = nbytes;
    }
    uint8_t bytes[8] = {};
    for (uint32_t i = 0; i < 8; i++)
        bytes[i] = uint8_t(nodes >> (8 * i));
    for (uint64_t off = 0; off < copy; off += 8) {
        static const uint8_t zero[8] = {};
        uint64_t n = copy - off < 8 ? copy - off : 8;
        if (!copy_to_user(UserPtr<uint8_t>(mask).at(off), off ? zero : bytes, n))
            return -EFAULT;
    }
    return 0;
}

} // namespace

int64_t mempolicy_from_exec(const mck_exec_keeps& k, MemPolicy* out)
{
    uint16_t mode, flags;
    if (k.policy_mode > 0xffff || k.policy_flags & ~uint32_t(MODE_FLAGS) ||
        split_mode(k.policy_mode | k.policy_flags, &mode, &flags) || mode != k.policy_mode)
        return -EINVAL;
    bool user_mask = flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES);
    MemPolicy policy{mode, flags, k.policy_nodes};
    if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL) {
        if (k.policy_nodes || flags)
            return -EINVAL;
    } else {
        uint64_t allowed = mem_nodes();
        // As make_policy keeps it: the caller's mask with a mask flag, else
        // nodes there are (one for MPOL_PREFERRED); either standing for some.
        if (!effective_nodes(policy) ||
            (!user_mask && ((k.policy_nodes & ~allowed) ||
                            (mode == MPOL_PREFERRED && (k.policy_nodes & (k.policy_nodes - 1))))))
            return -EINVAL;
    }
    *out = policy;
    return 0;
}

const MemPolicy& mempolicy_of(Process* p)
{
    Thread* t = current();
    return t && t->proc == p ? t->mempolicy : p->mempolicy;
}

Placement mempolicy_place(const MemPolicy& policy, uint64_t va, uint64_t size, int home)
{
    constexpr uint16_t MPOL_PREFERRED_MANY = 5;
    uint64_t nodes = policy.mode == MPOL_DEFAULT || policy.mode == MPOL_LOCAL ? 0 : effective_nodes(policy);
    if (!nodes)
        return Placement{home, 0, false, ~0ull}; // local, or nodes that are gone
    bool home_in = home >= 0 && home < 64 && (nodes >> home & 1);
    int first = home_in ? home : int(lowest(nodes));
    switch (policy.mode) {
    case MPOL_PREFERRED:
        return Placement{int(lowest(nodes)), 0, false, nodes & -nodes};
    case MPOL_BIND:
        return Placement{first, nodes, true, nodes};
    case MPOL_INTERLEAVE: {
        uint32_t n = 0; // no popcount instruction assumed: the kernel has no libgcc
        for (uint64_t m = nodes; m; m &= m - 1)
            n++;
        uint64_t k = (va / (size ? size : PAGE)) % n, rest = nodes;
        for (; k; k--)
            rest &= rest - 1;
        return Placement{int(lowest(rest)), nodes, false, rest & -rest};
    }
    case MPOL_PREFERRED_MANY:
        return Placement{first, nodes, false, nodes};
    default:
        return Placement{home, 0, false, ~0ull};
    }
}

int64_t sys_mbind(SyscallArgs& a)
{
    uint64_t start = a.arg[0], len = a.arg[1], flags = a.arg[5];
    uint16_t mode, mode_flags;
    uint64_t user;
    bool more;
    // Linux's order: the mode, the mask, then the rest (do_mbind).
    if (int64_t err = split_mode(a.arg[2], &mode, &mode_flags))
        return err;
    if (int64_t err = read_nodes(a.arg[3], a.arg[4], &user, &more))
        return err;
    if (flags & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))
        return -EINVAL;
    if (flags & MPOL_MF_MOVE_ALL)
        if (int64_t err = may_move_all())
            return err;
    if (start & (PAGE - 1))
        return -EINVAL;
    if (len > ~0ull - (PAGE - 1))
        return -EINVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (start + len < start)
        return -EINVAL;
    if (!len)
        return 0;
    MemPolicy policy;
    if (int64_t err = make_policy(a.arg[2], a.arg[3], a.arg[4], &policy))
        return err;
    if (start >= MCK_USER_END || len > MCK_USER_END - start)
        return -EFAULT; // nothing of the program's there
    return vm_set_policy(current()->proc, start, len, policy, flags);
}

int64_t sys_set_mempolicy(SyscallArgs& a)
{
    MemPolicy policy;
    if (int64_t err = make_policy(a.arg[0], a.arg[1], a.arg[2], &policy))
        return err;
    Thread* t = current();
    Process* p = t->proc;
    SpinLockGuard guard(p->lock);
    t->mempolicy = policy;
    if (t->tid == p->pid)
        p->mempolicy = policy; // for memory no thread allocates (mempolicy_of)
    return 0;
}

int64_t sys_get_mempolicy(SyscallArgs& a)
{
    Process* p = current()->proc;
    uint64_t mask = a.arg[1], maxnode = a.arg[2], addr = a.arg[3], flags = a.arg[4];
    if (mask && maxnode < nr_node_ids())
        return -EINVAL;
    if (flags & ~(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
        return -EINVAL;
    int32_t value = 0;
    uint64_t nodes = 0;
    if (flags & MPOL_F_MEMS_ALLOWED) {
        if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
            return -EINVAL;
        nodes = mem_nodes();
    } else {
        MemPolicy pol;
        if (flags & MPOL_F_ADDR) {
            // A region without mbind's policy reports the default, as Linux's does.
            if (!vm_policy_at(p, addr, &pol))
                return -EFAULT;
        } else if (addr) {
            return -EINVAL;
        } else {
            pol = current()->mempolicy; // the calling thread's own
        }
        if (flags & MPOL_F_NODE) {
            if (flags & MPOL_F_ADDR) {
                int node = vm_node_of(p, addr);
                if (node < 0)
                    return node;
                value = node;
            } else if (pol.mode == MPOL_INTERLEAVE) {
                value = __builtin_ctzll(pol.nodes | (1ull << 63)); // the next node to interleave on
            } else {
                return -EINVAL;
            }
        } else {
            value = int32_t(pol.mode | pol.flags);
        }
        if (pol.mode != MPOL_DEFAULT && pol.mode != MPOL_LOCAL)
            nodes = pol.nodes;
    }
    if (a.arg[0] && !put_user(a.ptr<int32_t>(0), value))
        return -EFAULT;
    return mask ? write_nodes(mask, maxnode, nodes) : 0;
}

namespace {

uint32_t weight(uint64_t nodes)
{
    uint32_t n = 0;
    for (; nodes; nodes &= nodes - 1) // no libgcc: no __builtin_popcountll
        n++;
    return n;
}

// Linux's node_remap (bitmap_bitremap): @node's place in @from, wrapped into
// @to; @node itself when it is not in @from or @to is empty.
int remap(int node, uint64_t from, uint64_t to)
{
    if (!(from >> node & 1) || !to)
        return node;
    uint32_t n = weight(from & ((1ull << node) - 1)) % weight(to);
    uint64_t t = to;
    for (uint32_t k = 0; k < n; k++)
        t &= t - 1;
    return int(lowest(t));
}

} // namespace

int migrate_plan(uint64_t from, uint64_t to, NodeMove moves[64])
{
    int count = 0;
    for (uint64_t left = from; left;) {
        int source = -1, dest = 0;
        for (uint64_t each = left; each; each &= each - 1) {
            int s = int(lowest(each));
            if (weight(from) != weight(to) && (to >> s & 1))
                continue;
            int d = remap(s, from, to);
            if (s == d)
                continue;
            source = s;
            dest = d;
            if (!(left >> dest & 1)) // not a node still to empty: go now
                break;
        }
        if (source < 0)
            break;
        left &= ~(1ull << source);
        moves[count++] = {source, dest};
    }
    return count;
}

// migrate_pages(pid, maxnode, old_nodes, new_nodes): the process's pages on
// the old nodes onto the new ones. Linux's checks in its order: the masks
// (EINVAL, EFAULT), the process (ESRCH; another LWK process's: Linux's
// ptrace rule, process_may_access), new nodes the process may not
// use (EPERM without CAP_SYS_NICE, asked of Linux), none left (EINVAL). A
// process that is not on the LWK is Linux's. Result: the pages that found no
// room, as Linux's.
int64_t sys_migrate_pages(SyscallArgs& a)
{
    constexpr uint64_t SYS_MIGRATE_PAGES = 256;
    int32_t pid = int32_t(a.arg[0]);
    uint64_t from, to;
    bool from_more, to_more;
    if (int64_t err = read_nodes(a.arg[2], a.arg[1], &from, &from_more))
        return err;
    if (int64_t err = read_nodes(a.arg[3], a.arg[1], &to, &to_more))
        return err;
    Process* self = current()->proc;
    RefPtr<Process> other;
    if (pid < 0)
        return -ESRCH;
    if (pid && uint32_t(pid) != self->pid) {
        other = process_find(uint32_t(pid));
        if (!other)
            return offload(SYS_MIGRATE_PAGES, a.arg);
        // Linux's rule (ptrace_may_access) from the credentials mcctrl
        // recorded: Linux cannot answer it for an LWK process, whose mcexec is
        // never dumpable. Credentials the program changed since are asked of
        // Linux, which then refuses callers without CAP_SYS_PTRACE.
        Access access = process_may_access(self, other.get());
        if (access == Access::Denied)
            return -EPERM;
        if (access == Access::AskLinux) {
            uint64_t ask[6] = {uint64_t(pid), 0, 0, 0, 0, 0};
            int64_t may = offload(SYS_MIGRATE_PAGES, ask);
            if (may != -EINVAL)
                return may < 0 ? may : -EPERM;
        }
    }
    Process* p = other ? other.get() : self;
    uint64_t allowed = mem_nodes();
    if ((to & ~allowed) || to_more)
        if (int64_t err = may_move_all())
            return err == -EPERM ? -EPERM : err;
    to &= allowed;
    if (!to)
        return -EINVAL;
    NodeMove moves[64];
    int n = migrate_plan(from, to, moves);
    uint64_t left = 0;
    for (int i = 0; i < n; i++)
        left += vm_migrate_node(p, moves[i].from, moves[i].to);
    return int64_t(left);
}

} // namespace mck

namespace mck {

// move_pages for the calling process (pid 0 or its own): where each page is
// (@nodes NULL), or each moved onto its node; per page its node or -errno in
// @status. Linux's checks: flags, a node past the machine's (EINVAL) or
// without memory of ours (ENODEV) ends the call there. Another process's
// pages: ESRCH (offloaded, the call would move mcexec's).
int64_t sys_move_pages(SyscallArgs& a)
{
    int32_t pid = int32_t(a.arg[0]);
    uint64_t count = a.arg[1], flags = a.arg[5];
    UserPtr<uint64_t> pages = a.ptr<uint64_t>(2);
    UserPtr<int32_t> nodes = a.ptr<int32_t>(3), status = a.ptr<int32_t>(4);
    if (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))
        return -EINVAL;
    if (flags & MPOL_MF_MOVE_ALL)
        if (int64_t err = may_move_all())
            return err;
    Thread* t = current();
    Process* p = t->proc;
    if (pid < 0 || (pid && uint32_t(pid) != p->pid))
        return -ESRCH;
    for (uint64_t i = 0; i < count; i++) {
        if (t->killed)
            return -EINTR;
        uint64_t addr;
        int32_t node = -1;
        if (!get_user(addr, pages.at(i)) || (nodes && !get_user(node, nodes.at(i))))
            return -EFAULT;
        if (nodes && (node < 0 || uint64_t(node) >= MAX_NUMNODES))
            return -EINVAL;
        if (nodes && (node >= 64 || !(mem_nodes() >> node & 1)))
            return -ENODEV;
        int32_t r = vm_move_page(p, addr & ~(PAGE - 1), node);
        if (!put_user(status.at(i), r))
            return -EFAULT;
    }
    return 0;
}

} // namespace mck
