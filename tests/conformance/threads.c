// SPDX-License-Identifier: GPL-2.0
/* pthreads: mutex counter, barrier, condvar producer/consumer, __thread values, join values. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define NT 4
#define ITERS 100000
#define ITEMS 20000
#define QLEN 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pthread_barrier_t barrier;
static volatile int arrived[NT];
static int serial_count, barrier_bad;
static __thread long tls_value;
static __thread int tls_init = 42;
static long *tls_addr[NT];
static int tls_bad;

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static long queue[QLEN];
static int qhead, qcount;

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg, r;

	if (tls_init != 42 || tls_value != 0)
		tls_bad = 1;
	tls_value = 1000L * (id + 1);
	tls_init = id;
	tls_addr[id] = &tls_value;
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	arrived[id] = 1;
	r = pthread_barrier_wait(&barrier);
	if (r == PTHREAD_BARRIER_SERIAL_THREAD) {
		pthread_mutex_lock(&lock);
		serial_count++;
		pthread_mutex_unlock(&lock);
	} else if (r != 0) {
		barrier_bad = 1;
	}
	for (int i = 0; i < NT; i++)
		if (!arrived[i])
			barrier_bad = 1;
	if (tls_value != 1000L * (id + 1) || tls_init != id)
		tls_bad = 1;
	return (void *)(intptr_t)(id * 10 + 1);
}

static void *producer(void *arg)
{
	(void)arg;
	for (long v = 1; v <= ITEMS; v++) {
		pthread_mutex_lock(&qlock);
		while (qcount == QLEN)
			pthread_cond_wait(&not_full, &qlock);
		queue[(qhead + qcount) % QLEN] = v;
		qcount++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NT], prod;
	long sum = 0, last = 0;
	int in_order = 1;
	void *ret;

	CHECK(pthread_barrier_init(&barrier, NULL, NT) == 0, "barrier init");
	for (int i = 0; i < NT; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create");
	for (int i = 0; i < NT; i++) {
		CHECK(pthread_join(t[i], &ret) == 0, "pthread_join");
		CHECK((intptr_t)ret == i * 10 + 1, "join return value");
		sum += (intptr_t)ret;
	}
	printf("ok join return values sum %ld\n", sum);
	CHECK(counter == (long)NT * ITERS, "mutex counter");
	printf("ok mutex counter %ld\n", counter);
	CHECK(!barrier_bad && serial_count == 1, "barrier");
	printf("ok barrier, one serial thread\n");
	CHECK(!tls_bad, "per-thread __thread values");
	for (int i = 0; i < NT; i++)
		for (int j = 0; j < i; j++)
			CHECK(tls_addr[i] != tls_addr[j], "distinct __thread addresses");
	CHECK(tls_init == 42 && tls_value == 0 && &tls_value != tls_addr[0], "main thread's own __thread copy");
	printf("ok __thread per thread\n");
	pthread_barrier_destroy(&barrier);

	/* consumer in main, producer in a thread, 8-slot queue */
	sum = 0;
	CHECK(pthread_create(&prod, NULL, producer, NULL) == 0, "create producer");
	for (long n = 0; n < ITEMS; n++) {
		long v;

		pthread_mutex_lock(&qlock);
		while (qcount == 0)
			pthread_cond_wait(&not_empty, &qlock);
		v = queue[qhead];
		qhead = (qhead + 1) % QLEN;
		qcount--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&qlock);
		in_order &= v == last + 1;
		last = v;
		sum += v;
	}
	CHECK(pthread_join(prod, NULL) == 0, "join producer");
	CHECK(in_order && sum == (long)ITEMS * (ITEMS + 1) / 2, "consumer got every item in order");
	printf("ok producer/consumer %d items sum %ld\n", ITEMS, sum);
	return 0;
}
