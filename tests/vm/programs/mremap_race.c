// SPDX-License-Identifier: GPL-2.0
/*
 * mremap_race: a thread reads the place an mremap moves memory to while the
 * move runs, the same natively and under mcexec (tests/vm/test_process.sh).
 *
 * Linux orders the move and another thread's faults by its mmap lock; the LWK
 * replaces what was at the new place and moves the pages there in one hold of
 * the process lock, and flushes the replaced pages' TLB entries (it once got
 * the growth's memory in between, where a touch of the new place found it
 * empty, and left the caller's TLB entries of the replaced pages). So: each
 * of many rounds moves 4 pages of a value of its own onto a fixed place,
 * growing to 8 pages, while another thread reads that place without pause.
 * Afterwards the place must hold that round's value (not an earlier round's,
 * through a stale TLB entry) and zeroed growth; and the reader must only ever
 * have seen what was there before (0xee) or some round's value, never zero.
 * Usage: mremap_race [ROUNDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096ul
#define LEN (4 * PAGE)
#define VALUE(r) (0x20 + (r) % 0xb0) /* never 0 or 0xee */

static volatile unsigned char *place;
static volatile int stop;
static unsigned long seen[256]; /* by the reader alone until it is joined */

static void *reader(void *arg)
{
	(void)arg;
	while (!stop)
		for (unsigned long i = 0; i < LEN; i += PAGE / 4)
			seen[place[i]]++;
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	/* The place: mapped all along (the moves replace it), so the reader never faults. */
	place = mmap(NULL, 2 * LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (place == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset((void *)place, 0xee, 2 * LEN);
	pthread_t t;
	if (pthread_create(&t, NULL, reader, NULL)) {
		perror("pthread_create");
		return 1;
	}
	int failed = 0, wrong = 0, first_errno = 0;
	for (int r = 0; r < rounds; r++) {
		unsigned char *old = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (old == MAP_FAILED) {
			failed++;
			first_errno = first_errno ? first_errno : errno;
			continue;
		}
		memset(old, VALUE(r), LEN);
		void *moved = mremap(old, LEN, 2 * LEN, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)place);
		if (moved != (void *)place) {
			failed++;
			first_errno = first_errno ? first_errno : errno;
			munmap(old, LEN);
			continue;
		}
		for (unsigned long i = 0; i < LEN; i++)
			if (place[i] != VALUE(r) || place[LEN + i]) {
				wrong++;
				break;
			}
	}
	stop = 1;
	pthread_join(t, NULL);
	unsigned long other = 0;
	for (int v = 0; v < 256; v++)
		if (v != 0xee && (v < VALUE(0) || v >= VALUE(0) + 0xb0))
			other += seen[v];
	printf("%d rounds: moves that failed %d (%s), places without that round's pages and zeroed growth %d\n", rounds,
	       failed, first_errno ? strerrorname_np(first_errno) : "-", wrong);
	printf("reads of the place during the moves that saw neither the old nor the moved pages: %lu\n", other);
	if (other)
		printf("(of them zero: %lu)\n", seen[0]);
	return failed || wrong || other;
}
