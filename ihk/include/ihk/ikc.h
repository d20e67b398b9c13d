/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * IKC, the inter-kernel message layer: fixed-size rings in the LWK's memory, one
 * pair per LWK CPU. Shared by ihk.ko (C) and McKernel (freestanding C++), and
 * unit-tested on the host.
 *
 *   LWK CPU i             channel[i]                 Linux CPU ikc_linux_cpu(i)
 *   ---------   <--  to_lwk   (Linux produces)  --   IPI IHK_LWK_IKC_VECTOR
 *               --   to_linux (LWK produces)    -->  IRQ ikc_vector on that CPU
 *
 * Each ring has one producer and one consumer at a time (Linux serialises its
 * side with a lock per channel). The IPI is only a doorbell: back-to-back IPIs
 * coalesce, so a consumer drains the ring, and waiters also re-check the ring
 * on a timeout, so a lost doorbell costs latency, never a hang.
 *
 * A producer that finds its ring full may ask for room (ihk_ikc_push_or_ask):
 * the consumer, once it has emptied the ring, rings the producer's doorbell
 * back (ihk_ikc_room_wanted). The LWK keeps the messages it must not lose (a
 * process's end, its answers to Linux) until then, instead of polling or
 * dropping them; Linux interrupts it only when it asked.
 */
#ifndef _IHK_IKC_H
#define _IHK_IKC_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/atomic.h>
#include <asm/barrier.h>
#define IHK_IKC_LOAD_ACQUIRE(p) smp_load_acquire(p)
#define IHK_IKC_STORE_RELEASE(p, v) smp_store_release(p, v)
#define IHK_IKC_LOAD(p) READ_ONCE(*(p))
#define IHK_IKC_STORE(p, v) WRITE_ONCE(*(p), v)
#define IHK_IKC_XCHG(p, v) xchg(p, v)
#define IHK_IKC_FENCE() smp_mb()
typedef __u32 ihk_ikc_u32;
typedef __u64 ihk_ikc_u64;
#else
#include <stdint.h>
#define IHK_IKC_LOAD_ACQUIRE(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define IHK_IKC_STORE_RELEASE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define IHK_IKC_LOAD(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define IHK_IKC_STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define IHK_IKC_XCHG(p, v) __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define IHK_IKC_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)
typedef uint32_t ihk_ikc_u32;
typedef uint64_t ihk_ikc_u64;
#endif

#define IHK_IKC_SLOTS 64u		/* messages per ring, a power of two */
#define IHK_LWK_IKC_VECTOR 0xf2		/* Linux -> LWK doorbell */

/* Message types. */
#define IHK_IKC_PING 1			/* arg[0]: token; the LWK answers PONG */
#define IHK_IKC_PONG 2			/* arg[0]: the token, arg[1]: LWK TSC */

struct ihk_ikc_msg {
	ihk_ikc_u32 type;
	ihk_ikc_u32 flags;
	ihk_ikc_u64 seq;
	ihk_ikc_u64 arg[6];
};

/* head and tail count messages ever produced/consumed; they sit on their own cache lines. */
struct ihk_ikc_ring {
	ihk_ikc_u64 head;
	ihk_ikc_u64 wants_room;		/* 1: the producer asks to be rung once there is room */
	ihk_ikc_u64 pad0[6];
	ihk_ikc_u64 tail;
	ihk_ikc_u64 pad1[7];
	struct ihk_ikc_msg slot[IHK_IKC_SLOTS];
};

struct ihk_ikc_channel {
	struct ihk_ikc_ring to_lwk;
	struct ihk_ikc_ring to_linux;
};

/* Append @m; 0 if the ring is full. Producer side only. */
static inline int ihk_ikc_push(struct ihk_ikc_ring *r, const struct ihk_ikc_msg *m)
{
	ihk_ikc_u64 head = r->head;

	if (head - IHK_IKC_LOAD_ACQUIRE(&r->tail) >= IHK_IKC_SLOTS)
		return 0;
	r->slot[head & (IHK_IKC_SLOTS - 1)] = *m;
	IHK_IKC_STORE_RELEASE(&r->head, head + 1);
	return 1;
}

/* Take the oldest message into @m; 0 if the ring is empty. Consumer side only. */
static inline int ihk_ikc_pop(struct ihk_ikc_ring *r, struct ihk_ikc_msg *m)
{
	ihk_ikc_u64 tail = r->tail;

	if (tail == IHK_IKC_LOAD_ACQUIRE(&r->head))
		return 0;
	*m = r->slot[tail & (IHK_IKC_SLOTS - 1)];
	IHK_IKC_STORE_RELEASE(&r->tail, tail + 1);
	return 1;
}

/*
 * Append @m; if the ring is full, ask the consumer to ring back once it has
 * made room, then try once more. Both sides fence between their write and
 * their look (Dekker): either this retry sees the consumer's pops or the
 * consumer sees the ask, so a producer told 0 is always rung. A retry that
 * succeeds leaves the ask standing: one doorbell too many, no harm.
 * Producer side only.
 */
static inline int ihk_ikc_push_or_ask(struct ihk_ikc_ring *r, const struct ihk_ikc_msg *m)
{
	if (ihk_ikc_push(r, m))
		return 1;
	IHK_IKC_STORE(&r->wants_room, 1);
	IHK_IKC_FENCE();
	return ihk_ikc_push(r, m);
}

/* The consumer, after it emptied @r: whether the producer asked for room (and take the ask). */
static inline int ihk_ikc_room_wanted(struct ihk_ikc_ring *r)
{
	IHK_IKC_FENCE();	/* our pops before our look: pairs with the producer's fence */
	return IHK_IKC_LOAD(&r->wants_room) && IHK_IKC_XCHG(&r->wants_room, 0);
}

static inline int ihk_ikc_empty(struct ihk_ikc_ring *r)
{
	return r->tail == IHK_IKC_LOAD_ACQUIRE(&r->head);
}

#endif /* _IHK_IKC_H */
