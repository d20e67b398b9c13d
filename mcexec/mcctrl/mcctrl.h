/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcctrl.ko: the kernel half of mcexec. It turns mcexec's ioctls into IKC
 * requests to McKernel, queues the system calls McKernel offloads for mcexec,
 * and gives mcexec the unified address space: the program's user range mapped
 * at the same addresses, resolved through the program's page tables in the
 * LWK. See docs/mcexec.md.
 *
 * Locking: mcctrl_procs_lock (IRQ-safe spinlock) guards the list of processes;
 * IKC messages are handled under it, so a process on the list cannot go away
 * meanwhile. proc->lock (IRQ-safe) guards the queues and states. proc->uas
 * (rwsem) is taken for reading by faults in the unified mapping and for
 * writing when mappings are dropped; always after the mm's mmap lock.
 */
#ifndef _MCCTRL_H
#define _MCCTRL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <ihk/user.h>
#include <mcexec/abi.h>

#define mcctrl_err(fmt, ...) pr_err_ratelimited("mcctrl: " fmt, ##__VA_ARGS__)

/**
 * struct mcctrl_proc - one program: one mcexec, one LWK process.
 * @ref:	the list, the process file and queued work each hold one.
 * @os:		the instance (a reference is held).
 * @pid:	mcexec's tgid, also the program's pid on the LWK.
 * @home:	the LWK CPU whose IKC ring carries requests about it.
 * @ncpus:	CPUs of the instance (for checking the LWK's CPU numbers).
 * @lock:	guards everything up to @acked.
 * @wq:		mcexec's waiters (requests, replies, exit).
 * @pending:	calls (struct mcctrl_call) queued for mcexec, oldest first,
 *		@npending of them.
 * @inflight:	calls mcexec took and has not answered, @ninflight of them.
 * @reply_*:	the answer to the current control request (@ctl serialises them).
 * @exited:	the LWK reported the end, with @status (wait encoding).
 * @acked:	we told the LWK we let go of its memory: no more writes into it.
 * @dead:	no access to the LWK's memory any more (exit, instance stopped).
 * @uas:	see the locking note above.
 * @pml4_phys:	the process's page-table root in the LWK.
 * @shared:	the process's shared block in the LWK.
 * @inval_done:	unmaps applied to mcexec's view so far.
 * @mm:		mcexec's address space, once it mapped the user range (grabbed).
 * @exit_work:	drops the unified mapping and acknowledges the exit.
 * @link:	in mcctrl_procs.
 * @pins:	Linux pages pinned for shared file mappings (struct mcctrl_pin list),
 *		released when the LWK unmaps them (MCK_SYS_SHARED_RELEASE) or
 *		no longer runs the process (then @unpinned:
 *		no more are taken); @pinned holds their PFNs for the fault handler.
 * @exposed:	instance pages inserted into mcexec's view, by user page number
 *		(value: PFN); looked at after each zap (uas.c, p->uas guards it).
 * @orphans:	PFNs whose entry in @exposed was replaced before a zap looked at it.
 * @held_seq:	our copy of the shared block's held_seq.
 * @released:	mcexec closed the file while pages were pinned: the process stays
 *		listed until the LWK reports the end (or the instance stops).
 * @spin_us:	how long an MCEXEC_WAIT polls for a call before it sleeps
 *		(MCEXEC_POLICY, else the offload_spin_us parameter).
 * @spin_window_us: the adaptive part of it (halved after a wait the spin
 *		could not have served, back to @spin_us after one it could).
 * @spinners:	MCEXEC_WAITs polling now (one at a time spins).
 * @stats:	the LWK's statistics, copied at the end (kvmalloc'ed), or NULL.
 */
struct mcctrl_proc {
	struct kref ref;
	struct ihk_os *os;
	u32 pid;
	u32 home;
	u32 ncpus;
	u32 cpu_count;	/* CPUs of the share, from @home: the rings a spinning waiter polls */
	spinlock_t lock;
	wait_queue_head_t wq;
	struct list_head pending;
	u32 npending;
	struct list_head inflight;
	u32 ninflight;
	struct mutex ctl;
	bool reply_ready;
	u32 reply_want;	/* the request waiting for its answer: others are late ones */
	u32 reply_type;
	s64 reply_result;
	u64 reply_extra;
	u64 serial;	/* the LWK's process of this pid (MCK_IKC_REPLY); 0 until made */
	bool exited;
	s32 status;
	bool acked;
	bool dead;
	struct rw_semaphore uas;
	u64 pml4_phys;
	struct mck_proc_shared *shared;
	u64 inval_done;
	struct mm_struct *mm;
	struct work_struct exit_work;
	struct list_head link;
	struct list_head pins;
	struct xarray pinned;
	bool unpinned;
	struct xarray exposed;
	struct xarray orphans;
	u64 held_seq;
	bool released;
	u32 spin_us;
	u32 spin_window_us;
	atomic_t spinners;
	struct mck_proc_stats *stats;
};

enum { MCCTRL_PIN_NONE, MCCTRL_PIN_BUSY, MCCTRL_PIN_DONE };

/**
 * struct mcctrl_call - one offloaded call, queued or in flight. Allocated
 * when the LWK sends it, so a process costs Linux only the calls its threads
 * have out (at most one each, MCK_MAX_THREADS in all), not queues sized for
 * MCK_MAX_THREADS (400 KiB of kernel memory for every process, which a program
 * forking hundreds of processes paid hundreds of times).
 * @link:	in its process's @pending or @inflight list.
 * @phys:	the LWK's offload block (the call's token for mcexec).
 * @pin:	MCCTRL_PIN_*: whether its pages are being pinned or were (once
 *		per call; no answer while pinning: the LWK frees the list then).
 * @who:	the mcexec thread serving it, once taken (a reference is held).
 */
struct mcctrl_call {
	struct list_head link;
	u64 phys;
	u8 pin;
	struct pid *who;
};

/* The call in flight with block @phys, or NULL. Context: p->lock held. */
static inline struct mcctrl_call *mcctrl_inflight(struct mcctrl_proc *p, u64 phys)
{
	struct mcctrl_call *c;

	list_for_each_entry(c, &p->inflight, link)
		if (c->phys == phys)
			return c;
	return NULL;
}

struct mcctrl_pin {
	struct list_head link;
	struct page **pages;	/* NULL once released (the LWK unmapped it) */
	unsigned long n;
	unsigned long released;	/* pages unpinned already */
	u64 addr;		/* mcexec's address of pages[0] */
	bool write;	/* the LWK may have written them: dirty at unpin */
	struct mm_struct *mm;	/* charged with @n pinned pages (mmgrab'ed) */
	/*
	 * A device file's memory or I/O space instead (pin_io.c): @pages stay
	 * NULL, @io holds the LWK's list entries (0 once released), nothing is
	 * charged, and @file (the device file) stays open while any is left.
	 */
	u64 *io;
	struct file *file;
};

extern struct workqueue_struct *mcctrl_wq;
extern unsigned int mcctrl_offload_spin_us;
extern atomic_long_t mcctrl_spins, mcctrl_spins_served, mcctrl_spins_busy;

/* proc.c */
long mcctrl_ioctl(struct ihk_os *os, struct file *file, unsigned int cmd, unsigned long arg);
void mcctrl_ikc_recv(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m);
void mcctrl_os_stopping(struct ihk_os *os);
void mcctrl_proc_put(struct mcctrl_proc *p);

/* pin.c: Linux pages of shared file mappings */
long mcctrl_pin_call(struct mcctrl_proc *p, void __user *arg);
long mcctrl_unpin_call(struct mcctrl_proc *p, void __user *arg);
bool mcctrl_pinned(struct mcctrl_proc *p, unsigned long pfn);
void mcctrl_unpin_all(struct mcctrl_proc *p);

/* pin_io.c: a device file's memory or I/O space */
bool mcctrl_io_vma(const struct vm_area_struct *vma);
/*
 * The LWK's list entries for @n pages of @vma at @addr (MCK_PIN_IO with the
 * frame and memory type). Return: @n, or -EFAULT (RAM, not mapped, not
 * writable for @write). Context: mmap lock held for reading.
 */
long mcctrl_io_range(struct vm_area_struct *vma, u64 addr, unsigned long n, bool write, u64 *io);

/* uas.c: the unified address space */
int mcctrl_uas_mmap(struct mcctrl_proc *p, struct vm_area_struct *vma);
void mcctrl_uas_invalidate(struct mcctrl_proc *p);
void mcctrl_uas_drop(struct mcctrl_proc *p);
/* Does Linux hold page @pfn of an instance besides IHK's own reference? */
bool mcctrl_page_held(unsigned long pfn);

/* held_check.c: the LWK asks about pages Linux held (MCK_IKC_HELD_CHECK). Context: hard IRQ. */
void mcctrl_held_check(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m);

#endif /* _MCCTRL_H */
