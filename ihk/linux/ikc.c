// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux end of IKC (ihk/ikc.h): attaching to the channels a booted LWK
 * publishes, sending with the doorbell IPI, and bounded waits for answers,
 * woken by the doorbell IRQ and re-checking the ring every 10 ms in case a
 * doorbell was lost. IHK_OS_IKC_PING measures round trips with it.
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
 * struct ihk_ikc - an instance's channels, as Linux sees them.
 * @ch:		channel[i] for LWK CPU i, in the instance's memory; NULL until attached.
 * @n:		number of channels.
 * @wq:		woken by the doorbell IRQ.
 * @lock:	serialises Linux's producers and consumers.
 */
struct ihk_ikc {
	struct ihk_ikc_channel *ch;
	u32 n;
	wait_queue_head_t wq;
	spinlock_t lock;
};

struct ihk_ikc *ihk_ikc_create(void)
{
	struct ihk_ikc *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (c) {
		init_waitqueue_head(&c->wq);
		spin_lock_init(&c->lock);
	}
	return c;
}

/* The doorbell IRQ handler's work. Context: hard IRQ. */
void ihk_ikc_notify(void *data)
{
	struct ihk_ikc *c = data;

	wake_up(&c->wq);
}

/* Is [phys, phys + size) inside one of the instance's extents (our records, not the LWK's)? */
static bool ihk_ikc_area_ok(struct ihk_os *os, u64 phys, u64 size)
{
	struct ihk_boot_mem *mem = kcalloc(IHK_BOOT_MAX_MEM, sizeof(*mem), GFP_KERNEL);
	int i, n;
	bool ok = false;

	if (!mem)
		return false;
	n = ihk_mem_boot_extents(os, mem, IHK_BOOT_MAX_MEM);
	for (i = 0; i < n && i < IHK_BOOT_MAX_MEM && !ok; i++)
		ok = phys >= mem[i].phys && size <= mem[i].size &&
		     phys - mem[i].phys <= mem[i].size - size;
	kfree(mem);
	return ok;
}

/**
 * ihk_ikc_attach() - find the channels the LWK published, after RUNNING.
 * @os: the booted instance.
 *
 * The LWK is trusted no further than its own memory: an area outside it is refused.
 *
 * Context: ihk_lock held.
 * Return: 0 or -EPROTO.
 */
int ihk_ikc_attach(struct ihk_os *os)
{
	struct ihk_boot_param *bp = os->bp;
	u64 phys = READ_ONCE(bp->ikc_phys), size = READ_ONCE(bp->ikc_size);

	if (size != (u64)os->nr_lwk_cpus * sizeof(struct ihk_ikc_channel) || !IS_ALIGNED(phys, 64) ||
	    !ihk_ikc_area_ok(os, phys, size)) {
		ihk_err("OS %d published a bad IKC area (0x%llx, %llu bytes)\n", os->index, phys, size);
		return -EPROTO;
	}
	os->chan->ch = phys_to_virt(phys);
	os->chan->n = os->nr_lwk_cpus;
	return 0;
}

void ihk_ikc_destroy(struct ihk_os *os)
{
	kfree(os->chan);
	os->chan = NULL;
}

static int ihk_ikc_send(struct ihk_os *os, u32 index, const struct ihk_ikc_msg *m)
{
	struct ihk_ikc *c = os->chan;
	int ok;

	spin_lock(&c->lock);
	ok = ihk_ikc_push(&c->ch[index].to_lwk, m);
	spin_unlock(&c->lock);
	if (!ok)
		return -EBUSY;
	ihk_driver->kick(os->bp, os->drv_state, index);
	return 0;
}

static bool ihk_ikc_take(struct ihk_ikc *c, u32 index, struct ihk_ikc_msg *m)
{
	bool got;

	spin_lock(&c->lock);
	got = ihk_ikc_pop(&c->ch[index].to_linux, m);
	spin_unlock(&c->lock);
	return got;
}

/*
 * Wait up to IHK_IKC_WAIT_MS for a message from LWK CPU @index: sleeping until
 * the doorbell IRQ, or (@poll) spinning on the ring, which trades a Linux CPU
 * for latency.
 */
static int ihk_ikc_recv(struct ihk_os *os, u32 index, struct ihk_ikc_msg *m, bool poll)
{
	struct ihk_ikc *c = os->chan;
	unsigned long deadline = jiffies + msecs_to_jiffies(IHK_IKC_WAIT_MS);

	while (!ihk_ikc_take(c, index, m)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		if (poll)
			cpu_relax();
		else
			wait_event_timeout(c->wq, !ihk_ikc_empty(&c->ch[index].to_linux),
					   msecs_to_jiffies(10));
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
	for (k = 0; k < count; k++) {
		u64 t0, dt;

		m.type = IHK_IKC_PING;
		m.seq = k;
		m.arg[0] = get_random_u64();
		t0 = ktime_get_ns();
		ret = ihk_ikc_send(os, index, &m);
		if (!ret)
			ret = ihk_ikc_recv(os, index, &r, poll);
		if (ret == -ETIMEDOUT) {
			ihk_err("OS %d: LWK CPU %u did not answer IKC within %d ms\n", os->index, index,
				IHK_IKC_WAIT_MS);
			return ihk_fail(err, 0, IHK_ERR_IKC_TIMEOUT, ret);
		}
		if (ret)
			return ret;
		if (r.type != IHK_IKC_PONG || r.seq != k || r.arg[0] != m.arg[0]) {
			ihk_err("OS %d: LWK CPU %u answered type %u seq %llu, expected PONG %u\n",
				os->index, index, r.type, r.seq, k);
			return -EPROTO;
		}
		dt = ktime_get_ns() - t0;
		*min_ns = min(*min_ns, dt);
		*max_ns = max(*max_ns, dt);
		*total_ns += dt;
	}
	return 0;
}
