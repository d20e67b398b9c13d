// SPDX-License-Identifier: GPL-2.0
/*
 * Processes: MCEXEC_CREATE on /dev/mcosN makes one and returns its file; the
 * file's ioctls set it up, start it, hand mcexec its offloaded calls and take
 * the answers; closing it ends the program. Every wait is bounded (control
 * requests: MCCTRL_REPLY_MS) or returns to mcexec at its own timeout, and
 * checks that the instance still runs.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <asm/msr.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "mcctrl.h"

#define MCCTRL_REPLY_MS 10000	/* an LWK answers a control request in far less */
#define MCCTRL_WAIT_MAX_MS 60000

static LIST_HEAD(mcctrl_procs);
static DEFINE_SPINLOCK(mcctrl_procs_lock);
static const struct file_operations mcctrl_proc_fops;

static void mcctrl_proc_free(struct kref *ref)
{
	struct mcctrl_proc *p = container_of(ref, struct mcctrl_proc, ref);
	struct mcctrl_call *c, *tmp;

	list_for_each_entry_safe(c, tmp, &p->pending, link)
		kfree(c);
	list_for_each_entry_safe(c, tmp, &p->inflight, link) {
		put_pid(c->who);
		kfree(c);
	}
	if (p->mm)
		mmdrop(p->mm);
	kvfree(p->stats);
	ihk_os_put(p->os);
	kfree(p);
}

void mcctrl_proc_put(struct mcctrl_proc *p)
{
	kref_put(&p->ref, mcctrl_proc_free);
}

/* Context: mcctrl_procs_lock held. */
static struct mcctrl_proc *mcctrl_find(struct ihk_os *os, u32 pid)
{
	struct mcctrl_proc *p;

	list_for_each_entry(p, &mcctrl_procs, link)
		if (p->os == os && p->pid == pid)
			return p;
	return NULL;
}

/*
 * Copy the LWK's statistics of @p while its memory is still ours to read.
 * Return: a kvmalloc'ed copy, or NULL (out of memory, or the memory is gone).
 */
static struct mck_proc_stats *mcctrl_stats_copy(struct mcctrl_proc *p)
{
	struct mck_proc_stats *s = kvmalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	down_read(&p->uas);
	if (!p->dead && p->shared && ihk_os_running(p->os)) {
		memcpy(s, &p->shared->stats, sizeof(*s));
	} else {
		kvfree(s);
		s = NULL;
	}
	up_read(&p->uas);
	return s;
}

/* The program ended: drop mcexec's view of its memory, then let the LWK free it. */
static void mcctrl_exit_work(struct work_struct *work)
{
	struct mcctrl_proc *p = container_of(work, struct mcctrl_proc, exit_work);
	struct ihk_ikc_msg m = { .type = MCK_IKC_EXIT_ACK };
	struct mck_proc_stats *stats;
	unsigned long flags;
	bool released;

	/* The final numbers: the LWK wrote them before it reported the end. */
	stats = mcctrl_stats_copy(p);
	spin_lock_irqsave(&p->lock, flags);
	swap(p->stats, stats);
	spin_unlock_irqrestore(&p->lock, flags);
	kvfree(stats);
	mcctrl_uas_drop(p);
	mcctrl_unpin_all(p);	/* no LWK thread of it runs any more */
	spin_lock_irqsave(&p->lock, flags);
	p->acked = true;
	released = p->released;
	spin_unlock_irqrestore(&p->lock, flags);
	m.arg[0] = p->pid;
	if (!released && ihk_os_ikc_send(p->os, p->home, &m))
		mcctrl_err("process %u: could not acknowledge its exit; the LWK keeps its memory\n",
			   p->pid);
	wake_up_all(&p->wq);
	if (released) {
		/* mcexec was gone already and kept it listed for this report. */
		spin_lock_irq(&mcctrl_procs_lock);
		list_del(&p->link);
		spin_unlock_irq(&mcctrl_procs_lock);
		mcctrl_proc_put(p);
	}
	mcctrl_proc_put(p);
}

/* Context: hard IRQ (ihk.ko's IKC handler). */
void mcctrl_ikc_recv(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m)
{
	struct mcctrl_proc *p;
	struct mcctrl_call *queued = NULL, *c;
	struct pid *interrupt = NULL;
	bool call = false;

	if (m->type == MCK_IKC_HELD_CHECK) {
		mcctrl_held_check(os, index, m);	/* about the instance's memory, not a process */
		return;
	}
	if (m->type == MCK_IKC_SYSCALL) {
		queued = kmalloc(sizeof(*queued), GFP_ATOMIC);
		if (!queued) {
			mcctrl_err("no memory to queue a system call of process %llu: dropped\n", m->arg[0]);
			return;
		}
	}
	spin_lock(&mcctrl_procs_lock);
	p = mcctrl_find(os, (u32)m->arg[0]);
	if (!p) {
		spin_unlock(&mcctrl_procs_lock);
		if (m->type == MCK_IKC_SYSCALL)
			mcctrl_err("system call from unknown process %llu dropped\n", m->arg[0]);
		kfree(queued);
		return;
	}
	spin_lock(&p->lock);
	switch (m->type) {
	case MCK_IKC_SYSCALL:
		/* One call per LWK thread at most: more is not the LWK's doing. */
		if (p->npending < MCK_MAX_THREADS) {
			struct mck_offload *o = p->dead ? NULL :
				ihk_os_phys_to_virt(os, m->arg[1], sizeof(*o));

			call = true;

			if (o && READ_ONCE(o->state) == MCK_OFFLOAD_SENT)
				WRITE_ONCE(o->tsc_queued, rdtsc());
			queued->phys = m->arg[1];
			queued->pin = MCCTRL_PIN_NONE;
			queued->who = NULL;
			list_add_tail(&queued->link, &p->pending);
			queued = NULL;
			p->npending++;
		} else {
			mcctrl_err("process %u: more than %d calls queued\n", p->pid, MCK_MAX_THREADS);
		}
		break;
	case MCK_IKC_REPLY:
		/*
		 * The answer to a request given up on (no answer in time), or to
		 * an earlier process of this pid, is not this request's: taken,
		 * a CREATE would fail while the LWK made the process.
		 */
		if ((u32)m->arg[1] != p->reply_want || p->reply_ready)
			break;
		p->reply_type = (u32)m->arg[1];
		p->reply_result = (s64)m->arg[2];
		p->reply_extra = m->arg[3];
		if (p->reply_type == MCK_IKC_CREATE || p->reply_type == MCK_IKC_FORK)
			p->serial = m->arg[4];
		p->reply_ready = true;
		break;
	case MCK_IKC_INTERRUPT: {
		struct mck_offload *o = p->acked || p->dead ? NULL :
			ihk_os_phys_to_virt(os, m->arg[1], sizeof(*o));

		/*
		 * The LWK keeps this message while its ring is full, so it may
		 * come after its call ended: the block then holds the thread's
		 * next call, if any, under another number, which has its own
		 * message if it was interrupted too. Otherwise: the mcexec
		 * thread serving the call, if one took it; if none did, the one
		 * that takes it sees the block's flag (mcctrl_wait()).
		 */
		if (!o || READ_ONCE(o->interrupt) != (u32)m->arg[2] || !(m->arg[2] & MCK_OFFLOAD_INTERRUPTED))
			break;
		c = mcctrl_inflight(p, m->arg[1]);
		if (c)
			interrupt = get_pid(c->who);
		break;
	}
	case MCK_IKC_EXIT:
		/*
		 * An earlier process of this pid may report its end late (from
		 * another LWK CPU, after this one was made): not ours to take,
		 * or this one would never be asked to end.
		 */
		if (m->arg[2] != p->serial)
			break;
		if (!p->exited) {
			p->exited = true;
			p->status = (s32)m->arg[1];
			kref_get(&p->ref);
			queue_work(mcctrl_wq, &p->exit_work);
		}
		break;
	default:
		mcctrl_err("process %u: unknown message %u from LWK CPU %u\n", p->pid, m->type, index);
	}
	if (interrupt) {
		struct task_struct *task;

		/*
		 * Under p->lock: its answer (mcctrl_reply()) cannot end the call
		 * first, so the signal is pending before that answer returns to
		 * the worker, which forgets it before it takes its next call.
		 */
		rcu_read_lock();
		task = pid_task(interrupt, PIDTYPE_PID);
		if (task)
			send_sig_info(MCEXEC_INTERRUPT_SIGNAL, SEND_SIG_PRIV, task);
		rcu_read_unlock();
		put_pid(interrupt);
	}
	spin_unlock(&p->lock);
	kfree(queued);	/* not queued after all */
	if (call) {
		/*
		 * One call, one waiter (they wait exclusively), and none if one
		 * spins: it sees the call itself. Pairs with the barrier after a
		 * spinner stops counting itself, before it looks again.
		 */
		smp_mb();
		if (!atomic_read(&p->spinners))
			wake_up(&p->wq);
	} else if (!interrupt) {
		wake_up_all(&p->wq);
	}
	spin_unlock(&mcctrl_procs_lock);
}

/* The instance stops: nothing may touch its memory afterwards. Context: ihk_lock held. */
void mcctrl_os_stopping(struct ihk_os *os)
{
	struct mcctrl_proc *p, *victims[64];
	int i, n;

	do {
		n = 0;
		spin_lock_irq(&mcctrl_procs_lock);
		list_for_each_entry(p, &mcctrl_procs, link)
			if (p->os == os && !READ_ONCE(p->dead) && n < ARRAY_SIZE(victims)) {
				kref_get(&p->ref);
				victims[n++] = p;
			}
		spin_unlock_irq(&mcctrl_procs_lock);
		for (i = 0; i < n; i++) {
			bool released;

			mcctrl_uas_drop(victims[i]);
			mcctrl_unpin_all(victims[i]);	/* the LWK's CPUs stop right after */
			spin_lock_irq(&victims[i]->lock);
			victims[i]->acked = true;
			released = victims[i]->released;
			victims[i]->released = false;
			spin_unlock_irq(&victims[i]->lock);
			if (released) {
				spin_lock_irq(&mcctrl_procs_lock);
				list_del(&victims[i]->link);
				spin_unlock_irq(&mcctrl_procs_lock);
				mcctrl_proc_put(victims[i]);
			}
			wake_up_all(&victims[i]->wq);
			pr_info("mcctrl: process %u: instance %d stops under it\n", victims[i]->pid,
				ihk_os_index(os));
			mcctrl_proc_put(victims[i]);
		}
	} while (n);
}

static bool mcctrl_alive(struct mcctrl_proc *p)
{
	return !READ_ONCE(p->dead) && ihk_os_running(p->os);
}

/*
 * Send a control request and wait, bounded, for the LWK's answer.
 * Context: holds p->ctl, which keeps one request at a time, in order.
 * Return: the LWK's result (0 or -errno), or -ENODEV (instance gone), -ETIMEDOUT, -EINTR.
 */
static long mcctrl_request_locked(struct mcctrl_proc *p, u32 type, u64 a1, u64 a2, u64 a3, u64 a4,
				  u64 a5, u64 *extra)
{
	struct ihk_ikc_msg m = { .type = type, .arg = { p->pid, a1, a2, a3, a4, a5 } };
	unsigned long deadline = jiffies + msecs_to_jiffies(MCCTRL_REPLY_MS);
	long ret;

	spin_lock_irq(&p->lock);
	p->reply_ready = false;
	p->reply_want = type;
	spin_unlock_irq(&p->lock);
	ret = ihk_os_ikc_send(p->os, p->home, &m);
	while (!ret && !READ_ONCE(p->reply_ready)) {
		if (!mcctrl_alive(p))
			ret = -ENODEV;
		else if (time_after(jiffies, deadline))
			ret = -ETIMEDOUT;
		else if (fatal_signal_pending(current))
			ret = -EINTR;
		else if (!wait_event_timeout(p->wq, READ_ONCE(p->reply_ready) || READ_ONCE(p->dead),
					     msecs_to_jiffies(20)))
			ihk_os_ikc_poll(p->os);	/* a lost doorbell */
	}
	if (!ret) {
		spin_lock_irq(&p->lock);
		/* EIO, not EPROTO: that means "another release" to mcexec. */
		ret = p->reply_type == type ? p->reply_result : -EIO;
		if (extra)
			*extra = p->reply_extra;
		spin_unlock_irq(&p->lock);
	}
	if (ret == -ETIMEDOUT)
		mcctrl_err("process %u: the LWK did not answer request %#x within %d ms\n", p->pid, type,
			   MCCTRL_REPLY_MS);
	return ret;
}

static long mcctrl_request(struct mcctrl_proc *p, u32 type, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5,
			   u64 *extra)
{
	long ret;

	if (mutex_lock_interruptible(&p->ctl))
		return -EINTR;
	ret = mcctrl_request_locked(p, type, a1, a2, a3, a4, a5, extra);
	mutex_unlock(&p->ctl);
	return ret;
}

/*
 * Is Linux stopping the calling thread's process with SIGSTOP: pending, or
 * a group stop by it under way? Linux's SIGCONT clears both as it is sent.
 */
static bool mcctrl_sigstop_pending(void)
{
	struct task_struct *t = current;
	bool stop;

	spin_lock_irq(&t->sighand->siglock);
	stop = sigismember(&t->pending.signal, SIGSTOP) ||
	       sigismember(&t->signal->shared_pending.signal, SIGSTOP) ||
	       ((t->jobctl & JOBCTL_STOP_PENDING) && (t->jobctl & JOBCTL_STOP_SIGMASK) == SIGSTOP);
	spin_unlock_irq(&t->sighand->siglock);
	return stop;
}

/*
 * A wait for calls was ended by a signal. If it is SIGSTOP (kill -STOP of
 * the program's pid, Slurm's suspend), which mcexec can neither catch nor
 * pass on, tell the LWK to stop the program as well (MCK_IKC_STOPPED); the
 * SIGCONT that continues mcexec is forwarded and continues it. Looked at
 * again under p->ctl, which the forwarded SIGCONT takes too: a stop still
 * pending then was sent before that SIGCONT, whose request follows this one.
 * Every waiter of mcexec may tell; the LWK stops the program once.
 */
static void mcctrl_tell_stop(struct mcctrl_proc *p)
{
	if (READ_ONCE(p->exited) || !mcctrl_sigstop_pending())
		return;
	if (mutex_lock_killable(&p->ctl))
		return;
	if (!READ_ONCE(p->exited) && mcctrl_sigstop_pending())
		mcctrl_request_locked(p, MCK_IKC_STOPPED, 0, 0, 0, 0, 0, NULL);
	mutex_unlock(&p->ctl);
}

/*
 * mcexec's credentials into the new process's shared block, for the LWK's
 * own process_vm_readv/writev check (struct mck_proc_shared, cred_*): ids
 * in the initial user namespace, CAP_SYS_PTRACE there, dumpable.
 * Context: the mcexec creating the process, before its program runs.
 */
static void mcctrl_record_creds(struct mcctrl_proc *p)
{
	const struct cred *c = current_cred();
	struct mck_proc_shared *s = p->shared;
	u32 flags = MCK_CRED_VALID;

	s->cred_uid[0] = from_kuid_munged(&init_user_ns, c->uid);
	s->cred_uid[1] = from_kuid_munged(&init_user_ns, c->euid);
	s->cred_uid[2] = from_kuid_munged(&init_user_ns, c->suid);
	s->cred_gid[0] = from_kgid_munged(&init_user_ns, c->gid);
	s->cred_gid[1] = from_kgid_munged(&init_user_ns, c->egid);
	s->cred_gid[2] = from_kgid_munged(&init_user_ns, c->sgid);
	if (ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE))
		flags |= MCK_CRED_PTRACE;
	if (current->mm && get_dumpable(current->mm) == SUID_DUMP_USER)
		flags |= MCK_CRED_DUMPABLE;
	smp_store_release(&s->cred_flags, flags);
}

static long mcctrl_create(struct ihk_os *os, void __user *arg)
{
	struct mcexec_create req;
	struct mcctrl_proc *p;
	struct file *file;
	u64 shared_phys = 0;
	u32 ncpus = ihk_os_nr_cpus(os);
	long ret;
	int fd;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	/* An mcexec of another release: mcexec tells from our abi_version parameter. */
	if (req.version != MCEXEC_ABI_VERSION)
		return -EPROTO;
	if ((req.flags & ~MCEXEC_CREATE_FORK) || (!(req.flags & MCEXEC_CREATE_FORK) && req.fork_token))
		return -EINVAL;
	if (!ihk_os_running(os))
		return -ENODEV;
	/*
	 * An image of another release would misread our messages (and we its):
	 * refuse before the first one. The admin's mistake, so logged.
	 */
	if (ihk_os_user_abi(os) != MCEXEC_ABI_VERSION) {
		u32 abi = ihk_os_user_abi(os);

		if (abi)
			mcctrl_err("instance %d runs a McKernel image of mcexec ABI %u, this mcctrl.ko speaks %u: boot the image of mcctrl.ko's release\n",
				   ihk_os_index(os), abi, MCEXEC_ABI_VERSION);
		else
			mcctrl_err("instance %d runs a McKernel image older than the ABI check, this mcctrl.ko speaks ABI %u: boot the image of mcctrl.ko's release\n",
				   ihk_os_index(os), MCEXEC_ABI_VERSION);
		return -EPROTO;
	}
	if (req.cpu_first >= ncpus || req.cpu_count > ncpus - req.cpu_first)
		return -EINVAL;
	/*
	 * Charged to the caller's memory cgroup (a job's, under Slurm), which so
	 * bounds what a program forking LWK processes costs Linux.
	 */
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	kref_init(&p->ref);
	ihk_os_get(os);
	p->os = os;
	p->pid = current->tgid;
	p->home = req.cpu_first;
	p->ncpus = ncpus;
	p->cpu_count = req.cpu_count ? req.cpu_count : ncpus - req.cpu_first;
	p->spin_us = min_t(u32, READ_ONCE(mcctrl_offload_spin_us), MCEXEC_SPIN_MAX_US);
	p->spin_window_us = p->spin_us;
	atomic_set(&p->spinners, 0);
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->wq);
	INIT_LIST_HEAD(&p->pending);
	INIT_LIST_HEAD(&p->inflight);
	mutex_init(&p->ctl);
	init_rwsem(&p->uas);
	INIT_WORK(&p->exit_work, mcctrl_exit_work);
	INIT_LIST_HEAD(&p->pins);
	xa_init(&p->pinned);
	xa_init(&p->exposed);	/* uas.c */
	xa_init(&p->orphans);

	spin_lock_irq(&mcctrl_procs_lock);
	if (mcctrl_find(os, p->pid)) {
		spin_unlock_irq(&mcctrl_procs_lock);
		mcctrl_proc_put(p);
		return -EBUSY;	/* one program per mcexec */
	}
	list_add(&p->link, &mcctrl_procs);
	spin_unlock_irq(&mcctrl_procs_lock);

	if (req.flags & MCEXEC_CREATE_FORK) {
		/* The LWK checks the token belongs to our Linux parent's process. */
		u32 parent;

		rcu_read_lock();
		parent = task_tgid_nr(rcu_dereference(current->real_parent));
		rcu_read_unlock();
		ret = mcctrl_request(p, MCK_IKC_FORK, parent, req.fork_token, 0, 0, 0, &shared_phys);
	} else {
		/*
		 * The LWK's clocks start from Linux's at this TSC (docs/lwk.md,
		 * "Time and the vDSO"): read together here, not by mcexec, so
		 * neither the trip to the LWK nor a late or lying mcexec puts
		 * them off.
		 */
		unsigned long flags;
		s64 real, mono;
		u64 tsc;

		local_irq_save(flags);
		real = ktime_get_real_ns();
		mono = ktime_get_ns();
		tsc = rdtsc_ordered();
		local_irq_restore(flags);
		ret = mcctrl_request(p, MCK_IKC_CREATE, req.cpu_first | (u64)req.cpu_count << 32, req.mem_limit,
				     real - mono, mono, tsc, &shared_phys);
	}
	if (!ret) {
		p->shared = ihk_os_phys_to_virt(os, shared_phys, sizeof(*p->shared));
		p->pml4_phys = p->shared ? READ_ONCE(p->shared->pml4_phys) : 0;
		if (!p->shared || !ihk_os_phys_to_virt(os, p->pml4_phys, PAGE_SIZE)) {
			mcctrl_err("process %u: the LWK answered with a bad shared block %#llx\n", p->pid,
				   shared_phys);
			ret = -EIO;
		}
	}
	/*
	 * Ended while the LWK worked on it (a fatal signal, no answer in
	 * time): it may have made the process all the same, which nobody
	 * would end. (p->ctl was free, so the request was sent.)
	 */
	if (ret == -EINTR || ret == -ETIMEDOUT)
		goto err_kill;
	if (ret)
		goto err_unlist;
	mcctrl_record_creds(p);
	/* The descriptor appears only once the answer reached mcexec. */
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_kill;
	}
	file = anon_inode_getfile("[mcexec]", &mcctrl_proc_fops, p, O_RDWR | O_CLOEXEC);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_put_fd;
	}
	req.fd = fd;
	req.pid = p->pid;
	if (copy_to_user(arg, &req, sizeof(req))) {
		fput(file);	/* its release ends the process and drops the list's reference */
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_kill:
	{
		struct ihk_ikc_msg m = { .type = MCK_IKC_KILL, .arg = { p->pid } };

		ihk_os_ikc_send(os, p->home, &m);
	}
err_unlist:
	spin_lock_irq(&mcctrl_procs_lock);
	list_del(&p->link);
	spin_unlock_irq(&mcctrl_procs_lock);
	mcctrl_proc_put(p);
	return ret;
}

long mcctrl_ioctl(struct ihk_os *os, struct file *file, unsigned int cmd, unsigned long arg)
{
	if (cmd == MCEXEC_CREATE)
		return mcctrl_create(os, (void __user *)arg);
	return -ENOTTY;
}

static long mcctrl_setup(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_setup s;
	struct mcexec_region *regions;
	long ret;
	u32 i;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (!s.num_regions || s.num_regions > MCK_MAX_REGIONS || s.reserved)
		return -EINVAL;
	regions = memdup_user(u64_to_user_ptr(s.regions), s.num_regions * sizeof(*regions));
	if (IS_ERR(regions))
		return PTR_ERR(regions);
	for (i = 0; i < s.num_regions; i++) {
		if (regions[i].flags) {
			kfree(regions);
			return -EINVAL;	/* reserved: must be zero */
		}
	}
	/* The LWK checks the regions; we only move them into its memory. */
	down_read(&p->uas);
	if (p->dead) {
		ret = -ENODEV;
	} else {
		memcpy(p->shared->regions, regions, s.num_regions * sizeof(*regions));
		p->shared->setup = s;
		ret = 0;
	}
	up_read(&p->uas);
	kfree(regions);
	return ret ?: mcctrl_request(p, MCK_IKC_SETUP, 0, 0, 0, 0, 0, NULL);
}

/* Take the oldest queued call, if any. Context: p->lock held. */
static bool mcctrl_take(struct mcctrl_proc *p, u64 *phys)
{
	struct mcctrl_call *c;

	if (!p->npending || p->ninflight >= MCK_MAX_THREADS)
		return false;
	c = list_first_entry(&p->pending, struct mcctrl_call, link);
	list_move_tail(&c->link, &p->inflight);
	p->npending--;
	p->ninflight++;
	c->who = get_task_pid(current, PIDTYPE_PID);
	*phys = c->phys;
	return true;
}

/*
 * Poll, briefly, for a call before sleeping: a cheap call comes back sooner
 * than a sleep and a wake-up take. Only one waiter of a process spins, and
 * only while this CPU has nothing else to run (never on a shared or
 * overcommitted CPU: single_task_running(), need_resched()). The window
 * adapts as on the LWK: halved after a wait the spin could not have served,
 * back to the full budget after one it could.
 * Return: true if a call (or the end) arrived while spinning.
 */
static bool mcctrl_spin(struct mcctrl_proc *p)
{
	u32 window = READ_ONCE(p->spin_window_us), budget = READ_ONCE(p->spin_us);
	u64 start, end, now;
	bool got = false;

	if (!window)
		return false;
	if (!single_task_running()) {
		atomic_long_inc(&mcctrl_spins_busy);
		return false;
	}
	if (atomic_inc_return(&p->spinners) != 1) {
		atomic_dec(&p->spinners);	/* another waiter spins already */
		return false;
	}
	atomic_long_inc(&mcctrl_spins);
	start = ktime_get_ns();
	end = start + (u64)window * NSEC_PER_USEC;
	do {
		if (READ_ONCE(p->npending) || READ_ONCE(p->exited) || READ_ONCE(p->dead)) {
			got = true;
			break;
		}
		/* The ring itself, not the doorbell's IRQ: the call is here sooner. */
		ihk_os_ikc_poll_cpus(p->os, p->home, p->cpu_count);
		cpu_relax();
		now = ktime_get_ns();
	} while (now < end && !need_resched() && single_task_running() &&
		 !signal_pending(current));
	atomic_dec(&p->spinners);
	smp_mb__after_atomic();	/* a call queued meanwhile was not announced: look again */
	got = got || READ_ONCE(p->npending);
	if (got)
		atomic_long_inc(&mcctrl_spins_served);
	/* A miss halves the next spin; a wait that ends within the budget restores it. */
	WRITE_ONCE(p->spin_window_us, got ? budget : window / 2);
	return got;
}

/*
 * Sleep until a call is queued, the end, or @timeout: exclusively, so that one
 * call wakes one of mcexec's idle workers, not all of them.
 * Return: as wait_event_interruptible_timeout().
 */
static long mcctrl_sleep(struct mcctrl_proc *p, long timeout)
{
	DEFINE_WAIT(w);
	long ret;

	prepare_to_wait_exclusive(&p->wq, &w, TASK_INTERRUPTIBLE);
	if (READ_ONCE(p->npending) || READ_ONCE(p->exited) || READ_ONCE(p->dead))
		ret = 1;
	else if (signal_pending(current))
		ret = -ERESTARTSYS;
	else
		ret = schedule_timeout(timeout);
	finish_wait(&p->wq, &w);
	return ret;
}

static long mcctrl_wait(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_event ev;
	unsigned long deadline;
	struct mck_offload *o;
	u64 phys = 0, waited_from = ktime_get_ns();
	bool got, more, dead;

	if (copy_from_user(&ev, arg, sizeof(ev)))
		return -EFAULT;
	ev.flags = 0;
	ev.pad = 0;
	deadline = jiffies + msecs_to_jiffies(min_t(u32, ev.timeout_ms, MCCTRL_WAIT_MAX_MS));
	for (;;) {
		spin_lock_irq(&p->lock);
		if (p->exited) {
			ev.type = MCEXEC_EV_EXIT;
			ev.status = p->status;
			spin_unlock_irq(&p->lock);
			/* Report only once mcexec's view is gone and the LWK may free the memory. */
			flush_work(&p->exit_work);
			break;
		}
		got = !p->dead && mcctrl_take(p, &phys);
		more = got && p->npending;
		spin_unlock_irq(&p->lock);
		if (more)
			wake_up(&p->wq);	/* the next call, for another waiter (it may not have been announced) */
		if (got && !READ_ONCE(p->spin_window_us) &&
		    ktime_get_ns() - waited_from <= (u64)READ_ONCE(p->spin_us) * NSEC_PER_USEC)
			WRITE_ONCE(p->spin_window_us, READ_ONCE(p->spin_us)); /* a spin would have served it */
		if (got) {
			/*
			 * Unmapped memory leaves mcexec's view before it runs the call.
			 * Only now: the LWK queued the call's unmaps before the call, and
			 * one queued after an earlier look would be missed (the call would
			 * write into a page the LWK no longer maps there).
			 */
			mcctrl_uas_invalidate(p);
			down_read(&p->uas);
			dead = p->dead;	/* the program ended since the call was taken: no view */
			o = dead ? NULL : ihk_os_phys_to_virt(p->os, phys, sizeof(*o));
			if (o) {
				WRITE_ONCE(o->tsc_taken, rdtsc());
				ev.type = MCEXEC_EV_SYSCALL;
				ev.token = phys;
				ev.nr = READ_ONCE(o->nr);
				memcpy(ev.args, o->args, sizeof(ev.args));
				ev.tid = READ_ONCE(o->tid);
				ev.sigmask = READ_ONCE(o->sigmask);
				ev.sigpending = READ_ONCE(o->sigpending);
				if (ev.nr == 59 || ev.nr == 322) /* execve, execveat: what they keep */
					memcpy(&ev.keeps, &o->keeps, sizeof(ev.keeps));
				ev.flags = READ_ONCE(o->interrupt) & MCK_OFFLOAD_INTERRUPTED ? MCEXEC_EV_INTERRUPTED : 0;
			}
			up_read(&p->uas);
			if (o)
				break;
			if (!dead)
				mcctrl_err("process %u: offload block %#llx is outside the instance\n", p->pid, phys);
			continue;
		}
		if (!mcctrl_alive(p))
			return -ENODEV;
		if (time_after_eq(jiffies, deadline)) {
			ev.type = MCEXEC_EV_TIMEOUT;
			break;
		}
		if (mcctrl_spin(p))
			continue;
		if (mcctrl_sleep(p, min_t(unsigned long, deadline - jiffies, msecs_to_jiffies(100))) < 0) {
			mcctrl_tell_stop(p);
			return -EINTR;
		}
		if (!READ_ONCE(p->npending) && !READ_ONCE(p->exited))
			ihk_os_ikc_poll(p->os);	/* a lost doorbell */
	}
	if (copy_to_user(arg, &ev, sizeof(ev)))
		return -EFAULT;
	return 0;
}

static long mcctrl_reply(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_reply r;
	struct mck_offload *o = NULL;
	struct mcctrl_call *c;
	struct pid *who = NULL;
	u32 cpu = 0, spinning = 0;
	long ret = -EINVAL;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	spin_lock_irq(&p->lock);
	c = mcctrl_inflight(p, r.token);
	if (c && c->pin == MCCTRL_PIN_BUSY) {
		ret = -EBUSY;	/* its pages are being pinned into the LWK's list */
		c = NULL;
	} else if (c) {
		who = c->who;
		list_del(&c->link);
		p->ninflight--;
		ret = 0;
		/* After the exit was acknowledged the block may be gone: drop the answer. */
		if (!p->acked && !p->dead)
			o = ihk_os_phys_to_virt(p->os, r.token, sizeof(*o));
		if (o) {
			cpu = READ_ONCE(o->cpu);
			WRITE_ONCE(o->ret, r.ret);
			WRITE_ONCE(o->tsc_done, rdtsc());
			smp_store_release(&o->state, MCK_OFFLOAD_DONE);
			/* Pairs with the LWK's fence after it sets or clears spinning. */
			smp_mb();
			spinning = READ_ONCE(o->spinning);
		}
	}
	spin_unlock_irq(&p->lock);
	kfree(c);
	put_pid(who);
	/* A thread still polling its block sees DONE by itself: no doorbell. */
	if (o && !spinning && cpu < p->ncpus)
		ihk_os_kick(p->os, cpu);
	return ret;
}

static long mcctrl_policy(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_policy pol;
	long ret = 0;

	if (copy_from_user(&pol, arg, sizeof(pol)))
		return -EFAULT;
	if (pol.reserved[0] || pol.reserved[1])
		return -EINVAL;
	if ((pol.lwk_spin_us != MCEXEC_SPIN_DEFAULT && pol.lwk_spin_us > MCEXEC_SPIN_MAX_US) ||
	    (pol.linux_spin_us != MCEXEC_SPIN_DEFAULT && pol.linux_spin_us > MCEXEC_SPIN_MAX_US))
		return -EINVAL;
	if (pol.linux_spin_us != MCEXEC_SPIN_DEFAULT) {
		WRITE_ONCE(p->spin_us, pol.linux_spin_us);
		WRITE_ONCE(p->spin_window_us, pol.linux_spin_us);
	}
	down_read(&p->uas);
	if (p->dead)
		ret = -ENODEV;
	else
		WRITE_ONCE(p->shared->lwk_spin_us, pol.lwk_spin_us);
	up_read(&p->uas);
	return ret;
}

static long mcctrl_report(struct mcctrl_proc *p, void __user *arg)
{
	struct mcexec_report r;
	struct mck_proc_stats *s;
	size_t n;
	long ret;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	n = min_t(u64, r.size, sizeof(*s));
	s = kvmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	spin_lock_irq(&p->lock);
	if (p->stats)
		memcpy(s, p->stats, sizeof(*s));
	ret = p->stats ? 0 : -ENOENT;
	spin_unlock_irq(&p->lock);
	if (ret) {
		/* Still running (or never reported): a snapshot of the live block. */
		struct mck_proc_stats *live = mcctrl_stats_copy(p);

		if (live) {
			memcpy(s, live, sizeof(*s));
			kvfree(live);
			ret = 0;
		} else {
			ret = -ENODEV;
		}
	}
	if (!ret && copy_to_user(u64_to_user_ptr(r.buf), s, n))
		ret = -EFAULT;
	kvfree(s);
	return ret ?: (long)n;
}

static long mcctrl_proc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mcctrl_proc *p = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct mcexec_start st;
	struct mcexec_signal sg;

	switch (cmd) {
	case MCEXEC_SETUP:
		return mcctrl_setup(p, uarg);
	case MCEXEC_START:
		if (copy_from_user(&st, uarg, sizeof(st)))
			return -EFAULT;
		return mcctrl_request(p, MCK_IKC_START, st.entry, st.sp, 0, 0, 0, NULL);
	case MCEXEC_WAIT:
		return mcctrl_wait(p, uarg);
	case MCEXEC_REPLY:
		return mcctrl_reply(p, uarg);
	case MCEXEC_PIN_CALL:
		return mcctrl_pin_call(p, uarg);
	case MCEXEC_UNPIN_CALL:
		return mcctrl_unpin_call(p, uarg);
	case MCEXEC_POLICY:
		return mcctrl_policy(p, uarg);
	case MCEXEC_REPORT:
		return mcctrl_report(p, uarg);
	case MCEXEC_SIGNAL: {
		long ret;

		if (copy_from_user(&sg, uarg, sizeof(sg)))
			return -EFAULT;
		if (sg.sig > 64)
			return -EINVAL;
		if (READ_ONCE(p->exited))
			return -ESRCH;
		ret = mcctrl_request(p, MCK_IKC_SIGNAL, sg.sig, (u32)sg.code, (u32)sg.pid, sg.uid, sg.word3, NULL);
		/*
		 * The program ended while the request waited (its end drops the
		 * view and marks it dead): the process is gone, not the instance,
		 * which mcexec would report as stopped (a SIGCHLD racing the end).
		 */
		if (ret == -ENODEV && READ_ONCE(p->exited) && ihk_os_running(p->os))
			ret = -ESRCH;
		return ret;
	}
	default:
		return -ENOTTY;
	}
}

static int mcctrl_proc_mmap(struct file *file, struct vm_area_struct *vma)
{
	return mcctrl_uas_mmap(file->private_data, vma);
}

/* mcexec is gone (or closed the file): end the program on the LWK. */
static int mcctrl_proc_release(struct inode *inode, struct file *file)
{
	struct mcctrl_proc *p = file->private_data;
	struct ihk_ikc_msg m = { .type = MCK_IKC_KILL, .arg = { p->pid } };
	bool acked, keep;

	spin_lock_irq(&p->lock);
	acked = p->acked;
	p->acked = true;	/* no answer goes into its memory any more */
	/*
	 * Pinned pages may still be in use by the LWK until it reports the end:
	 * stay listed for that report (or for the instance stopping).
	 */
	keep = !acked && !list_empty(&p->pins) && ihk_os_running(p->os);
	p->released = keep;
	spin_unlock_irq(&p->lock);
	if (!acked && ihk_os_running(p->os) && ihk_os_ikc_send(p->os, p->home, &m))
		mcctrl_err("process %u: could not ask the LWK to end it\n", p->pid);
	if (keep)
		return 0;	/* the list keeps the file's reference until then */
	spin_lock_irq(&mcctrl_procs_lock);
	list_del(&p->link);
	spin_unlock_irq(&mcctrl_procs_lock);
	mcctrl_unpin_all(p);	/* nothing pinned, or nothing runs any more */
	if (cancel_work_sync(&p->exit_work))
		mcctrl_proc_put(p);	/* the queued work's reference */
	mcctrl_proc_put(p);
	return 0;
}

static const struct file_operations mcctrl_proc_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mcctrl_proc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mcctrl_proc_mmap,
	.release = mcctrl_proc_release,
	.llseek = noop_llseek,
};
