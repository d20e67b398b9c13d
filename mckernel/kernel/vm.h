// SPDX-License-Identifier: GPL-2.0
// A process's address space: its regions (Vma) and the memory behind them.
// Anonymous memory is allocated and mapped when it is mapped (mmap, brk,
// mprotect from PROT_NONE), with 2 MiB pages wherever the range covers an
// aligned 2 MiB, so a compute loop takes no page faults. Private file
// mappings are filled through the offload path (pread in mcexec).
#pragma once

#include <kernel/process.h>

#include <stdint.h>

namespace mck {

// Creation (Linux's SETUP): a fixed region, writable until vm_apply_protections().
int64_t vm_setup_region(Process* p, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags);
void vm_apply_protections(Process* p);
void vm_free_all(Process* p); // the Vma list; pages go with the page tables

int64_t vm_mmap(Process* p, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off);
int64_t vm_munmap(Process* p, uint64_t addr, uint64_t len);
int64_t vm_mprotect(Process* p, uint64_t addr, uint64_t len, uint64_t prot);
int64_t vm_mremap(Process* p, uint64_t old_addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr);
// The break moves to @addr (Linux's brk answer: the new break, or the old
// one); @locked: what it grows by is locked and populated (MCL_FUTURE).
int64_t vm_brk(Process* p, uint64_t addr, bool locked = false);
// What moving the break to @addr adds to the heap, in whole pages (RLIMIT_MEMLOCK's count).
uint64_t vm_brk_growth(Process* p, uint64_t addr);
int64_t vm_madvise(Process* p, uint64_t addr, uint64_t len, int64_t advice);
// 0 if all of [addr, addr + len) (addr page aligned) is mapped; -EINVAL or -ENOMEM
// as Linux's mlock/msync/mbind range checks say.
int64_t vm_check_mapped(Process* p, uint64_t addr, uint64_t len);
// mincore: one byte per page into the user's @vec (1: backed by memory now).
int64_t vm_mincore(Process* p, uint64_t addr, uint64_t len, uint64_t vec);
// A user page fault at @addr: 0 if memory was mapped and the access may be
// retried, else the signal it raises (SIGSEGV, or SIGBUS past the end of a file).
int vm_fault(Process* p, uint64_t addr, bool write);
// Linux touched @addr while it served an offloaded call (MCK_OFFLOAD_FAULT):
// map it as a user fault would, and make a page shared copy-on-write the
// process's own even for reading, since mcexec's view never maps a shared
// page. 0, or -EFAULT where the program itself would get a signal.
int64_t vm_fault_for_linux(Process* p, uint64_t addr, bool write);
// A fault on user address @addr while the kernel accessed it for the current
// process: true if the page is now mapped and the access may be retried.
bool vm_fault_for_kernel(uint64_t addr, bool write);
// Is [addr, addr + len) mapped for the access (mapping it on demand)?
bool vm_access_ok(Process* p, uint64_t addr, uint64_t len, bool write);
// Is @addr in a shared mapping (Linux's pages)? Then *@phys is where it is,
// and *@linux_too says whether Linux programs may map the page as well (a
// file or System V segment; not shared anonymous memory).
// mbind: give [addr, addr + len) (page aligned, not empty) @policy and move
// its pages where it wants them (the untouched ones; all with MPOL_MF_MOVE in
// @flags). EFAULT if any of it is not mapped (nothing changed), ENOMEM
// without memory for a split, EIO with MPOL_MF_STRICT when pages stayed elsewhere.
int64_t vm_set_policy(Process* p, uint64_t addr, uint64_t len, const MemPolicy& policy, uint64_t flags);
// The policy mbind gave the region at @addr; false if nothing is mapped there.
bool vm_policy_at(Process* p, uint64_t addr, MemPolicy* policy);
// The NUMA node of the page at @addr, faulted in if need be; -EFAULT if it cannot be.
int vm_node_of(Process* p, uint64_t addr);
// move_pages: the page at @addr onto @node (< 0: only say where it is), as a
// whole (a 2 MiB page moves whole). Its node, or -EFAULT (no region),
// -ENOENT (no page there), -EACCES (shared: a fork's or Linux's), -ENOMEM
// (no room on @node).
int vm_move_page(Process* p, uint64_t addr, int node);
// migrate_pages: every page of @p's own memory on node @from onto node @to,
// with its bytes. Pages it shares (a fork's, Linux's) stay. Returns how many
// pages found no room on @to.
uint64_t vm_migrate_node(Process* p, int from, int to);
// The physical address of the word at @addr of a shared mapping (a futex
// there is keyed by it); false for private memory, device memory or nothing
// mapped. @linux_too: Linux processes may map the page too (a file's, a System
// V segment's; not shared anonymous memory); then @linux_word: the word's
// address in mcexec's own mapping of the object (0 if it has none).
bool vm_shared_phys(Process* p, uint64_t addr, uint64_t* phys, bool* linux_too = nullptr,
                    uint64_t* linux_word = nullptr);
// @addr lies in a device's memory or I/O space (VMA_IO), which no kernel copy
// reaches (Linux's GUP refuses it). Context: p->lock held.
bool vm_io_locked(Process* p, uint64_t addr);
// mlock and friends. The LWK never pages memory out, so locking only marks
// regions (VMA_LOCKED) for RLIMIT_MEMLOCK's count, as Linux's locked_vm.
// Mark [addr, addr + len) (page aligned, all mapped) locked or not; -ENOMEM
// without kernel memory for a split (nothing changed then).
int64_t vm_set_locked(Process* p, uint64_t addr, uint64_t len, bool locked);
// Every region locked (mlockall(MCL_CURRENT)) or none (munlockall).
void vm_set_all_locked(Process* p, bool locked);
// Bytes locked once [addr, addr + len) is locked too (0, 0: locked now).
uint64_t vm_locked_after(Process* p, uint64_t addr, uint64_t len);
// Bytes mapped in all (Linux's total_vm, which mlockall(MCL_CURRENT) checks).
uint64_t vm_mapped_bytes(Process* p);
// Is @addr in private anonymous memory the process may not write? A shared
// futex there is refused as Linux's get_futex_key() does: the word can never change.
bool vm_readonly_anon(Process* p, uint64_t addr);
// fork: give @child (nobody's yet) a copy of @parent's regions and private
// memory, shared copy-on-write when the parent has one thread. Shared file mappings get their regions only (VMA_ADOPT): their
// pages are Linux's, pinned for the parent; the child maps them once its own
// mcexec pinned them (vm_fork_adopt). -ENOMEM when memory runs out.
int64_t vm_fork_copy(Process* parent, Process* child);
// A vfork child that shared its parent's pages copy-on-write ended or exec'd:
// what it wrote into private memory the parent maps too goes into the
// parent's pages, as if they had been shared (CLONE_VM) all along. The parent
// waits meanwhile (vfork), so nothing else writes there. Context: the
// child's last thread, interrupts on.
void vm_vfork_copy_back(Process* child, Process* parent);
// In the fork child's first return to user mode (it may block): map the
// shared file mappings through its mcexec. A region that cannot be mapped
// stays without pages (SIGBUS on access) and is logged.
void vm_fork_adopt(Process* p);
// System V shared memory (kernel/shm.cpp): map the segment @shmid, @len bytes,
// that mcexec attaches and mcctrl pins (at @addr if not 0, over what is there
// when @replace). Returns the address or -errno as shmat.
int64_t vm_shm_attach(Process* p, uint64_t addr, uint64_t len, uint64_t prot, bool replace, uint64_t shmid,
                      uint64_t shmflg);
// shmdt: unmap the attach starting at @addr (what is left of it) and have mcexec detach it.
int64_t vm_shm_detach(Process* p, uint64_t addr);
// Log the region and page-table entry behind @addr (for a fatal fault's report).
void vm_describe(Process* p, uint64_t addr);

} // namespace mck
