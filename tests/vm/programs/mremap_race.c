// SPDX-License-Identifier: GPL-2.0
/*
 * mremap_race: a thread reads the place an mremap moves memory to while the
 * move runs, the same natively and under mcexec (tests/vm/test_process.sh).
 *
 * The LWK drops the process lock while a growing move gets memory for its new
 * part, after the new place is mapped and before the pages move there; a touch
 * of the new place in that window faults pages in that the move must replace
 * (vm_mremap: target_touched). Linux orders the two by its mmap lock. So:
 * each of many rounds moves 4 pages of 0x11 onto a fixed place, growing to 8
 * pages, while another thread reads that place without pause. Afterwards the
 * place must hold the moved pages and zeroed growth, every round; and the
 * reader must only ever have seen what was there before (0xee, or 0x11 of an
 * earlier round), never a page of neither.
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
		memset(old, 0x11, LEN);
		void *moved = mremap(old, LEN, 2 * LEN, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)place);
		if (moved != (void *)place) {
			failed++;
			first_errno = first_errno ? first_errno : errno;
			munmap(old, LEN);
			continue;
		}
		for (unsigned long i = 0; i < LEN; i++)
			if (place[i] != 0x11 || place[LEN + i]) {
				wrong++;
				break;
			}
	}
	stop = 1;
	pthread_join(t, NULL);
	unsigned long other = 0;
	for (int v = 0; v < 256; v++)
		if (v != 0xee && v != 0x11)
			other += seen[v];
	printf("%d rounds: moves that failed %d (%s), places without the moved pages and zeroed growth %d\n", rounds,
	       failed, first_errno ? strerrorname_np(first_errno) : "-", wrong);
	printf("reads of the place during the moves that saw neither the old nor the moved pages: %lu\n", other);
	if (other)
		printf("(of them zero: %lu)\n", seen[0]);
	return failed || wrong || other;
}
