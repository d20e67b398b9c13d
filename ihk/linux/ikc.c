// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux end of IKC (ihk/ikc.h): attaching to the channels a booted LWK
 * publishes, sending with the doorbell IPI, and receiving. The doorbell IRQ
 * drains every ring: PONGs go to the ping waiter, everything else to the user
 * module (mcctrl). Waiters drain the rings themselves every 10 ms as well, so
 * a lost doorbell costs latency, never a hang. A ring the LWK found full and
 * asked room of gets a doorbell back once drained. IHK_OS_IKC_PING measures
 * round trips.
 */
#include <linux/ktime.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/random.h>
#include <linux/wait.h>

#include <ihk/ikc.h>
#include "ihk_internal.h"

#define IHK_IKC_WAIT_MS 1000
#define IHK_IKC_MAX_PINGS 100000

/**
 * struct ihk_ikc - an instance's channels, as Linux sees them. Lives as long
 * as the instance; the channels themselves only while the LWK runs.
 * @os:		the instance.
 * @ch:		channel[i] for LWK CPU i, in the instance's memory; NULL unless attached.
 * @n:		number of channels.
 * @mem:	the instance's memory extents (our records), @nmem of them.
 * @wq:		woken when a PONG arrives.
 * @lock:	serialises Linux's producers and consumers and guards @ch.
 * @pong:	the last PONG from each channel, @has_pong says it is new.
 */
struct ihk_ikc {
	struct ihk_os *os;
	struct ihk_ikc_channel *ch;
	u32 n;
	struct ihk_boot_mem *mem;
	int nmem;
	wait_queue_head_t wq;
	spinlock_t lock;
	struct ihk_ikc_msg *pong;
	bool *has_pong;
};

struct ihk_ikc *ihk_ikc_create(struct ihk_os *os)
{
	struct ihk_ikc *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (c) {
		c->os = os;
		init_waitqueue_head(&c->wq);
		spin_lock_init(&c->lock);
	}
	return c;
}

/*
 * Take every message from every ring. PONGs are kept for the ping waiter; the
 * rest go to the user module, outside our lock. Context: any, does not sleep.
 */
/* Receive what LWK CPUs [@first, @end) sent. */
static void ihk_ikc_drain_range(struct ihk_ikc *c, u32 first, u32 end)
{
	struct ihk_ikc_msg m;
	unsigned long flags;
	u32 i;
	bool got;

	for (i = first;;) {
		spin_lock_irqsave(&c->lock, flags);
		if (!c->ch || i >= c->n || i >= end) {
			spin_unlock_irqrestore(&c->lock, flags);
			return;
		}
		while ((got = ihk_ikc_pop(&c->ch[i].to_linux, &m)) && m.type == IHK_IKC_PONG) {
			c->pong[i] = m;
			c->has_pong[i] = true;
			wake_up(&c->wq);
		}
		/* Empty now: an LWK CPU that found it full waits for this doorbell. */
		if (!got && ihk_ikc_room_wanted(&c->ch[i].to_linux))
			ihk_driver->kick(c->os->bp, c->os->drv_state, i);
		spin_unlock_irqrestore(&c->lock, flags);
		if (got) {
			/*
			 * IRQs off even when polled from process context: receivers
			 * take IRQ-unsafe locks, and the doorbell arriving on this CPU
			 * while one is held would spin on it forever.
			 */
			local_irq_save(flags);
			ihk_user_ikc_recv(c->os, i, &m);
			local_irq_restore(flags);	/* then this ring again */
		} else {
			i++;
		}
	}
}

static void ihk_ikc_drain(struct ihk_ikc *c)
{
	ihk_ikc_drain_range(c, 0, U32_MAX);
}

/* The doorbell IRQ handler's work. Context: hard IRQ. */
void ihk_ikc_notify(void *data)
{
	ihk_ikc_drain(data);
}

/**
 * ihk_ikc_attach() - find the channels the LWK published, after RUNNING.
 * @os: the booted instance.
 *
 * The LWK is trusted no further than its own memory: an area outside it is refused.
 *
 * Context: ihk_lock held.
 * Return: 0, -ENOMEM or -EPROTO.
 */
int ihk_ikc_attach(struct ihk_os *os)
{
	struct ihk_ikc *c = os->chan;
	struct ihk_boot_param *bp = os->bp;
	u64 phys = READ_ONCE(bp->ikc_phys), size = READ_ONCE(bp->ikc_size);
	struct ihk_boot_mem *mem = kcalloc(IHK_BOOT_MAX_MEM, sizeof(*mem), GFP_KERNEL);
	struct ihk_ikc_msg *pong = kcalloc(os->nr_lwk_cpus, sizeof(*pong), GFP_KERNEL);
	bool *has_pong = kcalloc(os->nr_lwk_cpus, sizeof(*has_pong), GFP_KERNEL);
	unsigned long flags;
	int nmem;

	if (!mem || !pong || !has_pong)
		goto err_nomem;
	nmem = min(ihk_mem_boot_extents(os, mem, IHK_BOOT_MAX_MEM), IHK_BOOT_MAX_MEM);
	spin_lock_irqsave(&c->lock, flags);
	c->mem = mem;
	c->nmem = nmem;
	c->pong = pong;
	c->has_pong = has_pong;
	spin_unlock_irqrestore(&c->lock, flags);
	if (size != (u64)os->nr_lwk_cpus * sizeof(struct ihk_ikc_channel) || !IS_ALIGNED(phys, 64) ||
	    !ihk_ikc_phys_to_virt(os, phys, size)) {
		ihk_err("OS %d published a bad IKC area (0x%llx, %llu bytes)\n", os->index, phys, size);
		ihk_ikc_detach(os);
		return -EPROTO;
	}
	spin_lock_irqsave(&c->lock, flags);
	c->ch = phys_to_virt(phys);
	c->n = os->nr_lwk_cpus;
	spin_unlock_irqrestore(&c->lock, flags);
	return 0;

err_nomem:
	kfree(mem);
	kfree(pong);
	kfree(has_pong);
	return -ENOMEM;
}

/* Forget the channels: the LWK stops. Context: ihk_lock held; the doorbell IRQs may still run. */
void ihk_ikc_detach(struct ihk_os *os)
{
	struct ihk_ikc *c = os->chan;
	struct ihk_boot_mem *mem;
	struct ihk_ikc_msg *pong;
	bool *has_pong;
	unsigned long flags;

	if (!c)
		return;
	spin_lock_irqsave(&c->lock, flags);
	c->ch = NULL;
	c->n = 0;
	mem = c->mem;
	pong = c->pong;
	has_pong = c->has_pong;
	c->mem = NULL;
	c->nmem = 0;
	c->pong = NULL;
	c->has_pong = NULL;
	spin_unlock_irqrestore(&c->lock, flags);
	kfree(mem);
	kfree(pong);
	kfree(has_pong);
}

void ihk_ikc_destroy(struct ihk_os *os)
{
	ihk_ikc_detach(os);
	kfree(os->chan);
	os->chan = NULL;
}

/* The address check behind ihk_os_phys_to_virt(). Context: any. */
void *ihk_ikc_phys_to_virt(struct ihk_os *os, u64 phys, u64 size)
{
	struct ihk_ikc *c = os->chan;
	unsigned long flags;
	void *virt = NULL;
	int i;

	if (!c)
		return NULL;
	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < c->nmem && !virt; i++)
		if (phys >= c->mem[i].phys && size <= c->mem[i].size &&
		    phys - c->mem[i].phys <= c->mem[i].size - size)
			virt = phys_to_virt(phys);
	spin_unlock_irqrestore(&c->lock, flags);
	return virt;
}

/* Queue @m for LWK CPU @index and ring its doorbell. Context: any. */
int ihk_ikc_send(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m)
{
	struct ihk_ikc *c = os->chan;
	unsigned long flags;
	int ret = 0;

	if (!c)
		return -ENODEV;
	spin_lock_irqsave(&c->lock, flags);
	if (!c->ch || index >= c->n)
		ret = -ENODEV;
	else if (!ihk_ikc_push(&c->ch[index].to_lwk, m))
		ret = -EBUSY;
	else	/* under the lock: stop clears @ch before the driver state goes */
		ihk_driver->kick(os->bp, os->drv_state, index);
	spin_unlock_irqrestore(&c->lock, flags);
	return ret;
}

void ihk_ikc_kick(struct ihk_os *os, u32 index)
{
	struct ihk_ikc *c = os->chan;
	unsigned long flags;

	if (!c)
		return;
	spin_lock_irqsave(&c->lock, flags);
	if (c->ch && index < c->n)
		ihk_driver->kick(os->bp, os->drv_state, index);
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Attached (so the LWK's memory is there), RUNNING, and no panic reported. */
bool ihk_ikc_running(struct ihk_os *os)
{
	struct ihk_ikc *c = os->chan;
	unsigned long flags;
	bool running;

	if (!c)
		return false;
	spin_lock_irqsave(&c->lock, flags);
	running = c->ch && READ_ONCE(os->status) == IHK_OS_STATUS_RUNNING &&
		  READ_ONCE(os->bp->status) == IHK_LWK_RUNNING;
	spin_unlock_irqrestore(&c->lock, flags);
	return running;
}

void ihk_ikc_poll(struct ihk_os *os)
{
	if (os->chan)
		ihk_ikc_drain(os->chan);
}

void ihk_ikc_poll_cpus(struct ihk_os *os, u32 first, u32 count)
{
	if (os->chan && count)
		ihk_ikc_drain_range(os->chan, first, first + min(count, U32_MAX - first));
}

static bool ihk_ikc_take_pong(struct ihk_ikc *c, u32 index, struct ihk_ikc_msg *m)
{
	unsigned long flags;
	bool got = false;

	spin_lock_irqsave(&c->lock, flags);
	if (c->has_pong && c->has_pong[index]) {
		*m = c->pong[index];
		c->has_pong[index] = false;
		got = true;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return got;
}

/*
 * Wait up to IHK_IKC_WAIT_MS for a PONG from LWK CPU @index: sleeping until
 * the doorbell IRQ, or (@poll) spinning on the ring, which trades a Linux CPU
 * for latency.
 */
static int ihk_ikc_recv_pong(struct ihk_os *os, u32 index, struct ihk_ikc_msg *m, bool poll)
{
	struct ihk_ikc *c = os->chan;
	unsigned long deadline = jiffies + msecs_to_jiffies(IHK_IKC_WAIT_MS);

	while (!ihk_ikc_take_pong(c, index, m)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		if (poll) {
			ihk_ikc_drain(c);
			cpu_relax();
		} else if (!wait_event_timeout(c->wq, c->has_pong[index], msecs_to_jiffies(10))) {
			ihk_ikc_drain(c);
		}
	}
	return 0;
}

/**
 * ihk_ikc_ping() - @count PING/PONG round trips with LWK CPU @index.
 * @os: the instance (RUNNING).
 * @index: LWK CPU index.
 * @count: round trips.
 * @poll: spin for the answer instead of sleeping until the doorbell IRQ.
 * @min_ns: fastest.
 * @max_ns: slowest.
 * @total_ns: sum.
 * @err: why it failed.
 *
 * Context: ihk_lock held; sleeps, at most 1 s per round trip.
 * Return: 0 or -errno (see IHK_OS_IKC_PING).
 */
int ihk_ikc_ping(struct ihk_os *os, u32 index, u32 count, bool poll, u64 *min_ns, u64 *max_ns,
		 u64 *total_ns, struct ihk_err *err)
{
	struct ihk_ikc_msg m = {}, r;
	u32 k;
	int ret;

	if (os->status != IHK_OS_STATUS_RUNNING || !os->chan || !os->chan->ch)
		return ihk_fail(err, 0, IHK_ERR_NOT_RUNNING, -EINVAL);
	if (index >= os->chan->n)
		return ihk_fail(err, 0, IHK_ERR_IKC_CPU, -EINVAL);
	if (!count || count > IHK_IKC_MAX_PINGS)
		return -EINVAL;
	*min_ns = U64_MAX;
	*max_ns = *total_ns = 0;
	ihk_ikc_take_pong(os->chan, index, &r);	/* a late one from an earlier run */
	for (k = 0; k < count; k++) {
		u64 t0, dt;

		m.type = IHK_IKC_PING;
		m.seq = k;
		m.arg[0] = get_random_u64();
		t0 = ktime_get_ns();
		ret = ihk_ikc_send(os, index, &m);
		if (!ret)
			ret = ihk_ikc_recv_pong(os, index, &r, poll);
		if (ret == -ETIMEDOUT) {
			ihk_err("OS %d: LWK CPU %u did not answer IKC within %d ms\n", os->index, index,
				IHK_IKC_WAIT_MS);
			return ihk_fail(err, 0, IHK_ERR_IKC_TIMEOUT, ret);
		}
		if (ret)
			return ret;
		if (r.seq != k || r.arg[0] != m.arg[0]) {
			ihk_err("OS %d: LWK CPU %u answered seq %llu, expected %u\n", os->index, index,
				r.seq, k);
			return -EPROTO;
		}
		dt = ktime_get_ns() - t0;
		*min_ns = min(*min_ns, dt);
		*max_ns = max(*max_ns, dt);
		*total_ns += dt;
	}
	return 0;
}
