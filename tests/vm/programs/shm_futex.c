// SPDX-License-Identifier: GPL-2.0
/*
 * shm_futex wait|waitv|wake|slowwake|timed FILE: a futex in a page of FILE mapped MAP_SHARED.
 * wait: prints "waiting", sleeps on the word (no timeout) while it is 0, then prints "woken". wake: sets the word to 1, wakes every waiter, prints how many
 * FUTEX_WAKE found (waiters in other kernels are not counted). slowwake: the same,
 * with 5 ms between setting the word and waking (a waker held up meanwhile: the
 * waiter must still be there to be woken, as on Linux).
 * waitv: as wait, with one futex_waitv on a private word that never changes and the
 * file's word; prints "woken index N" (1: the file's word).
 * timed: one FUTEX_WAIT of 300 ms on a word nobody changes; prints its errno name
 * (ETIMEDOUT on Linux: a wait that returns early is a wake nobody sent).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "wait") && strcmp(argv[1], "waitv") && strcmp(argv[1], "wake") &&
			  strcmp(argv[1], "slowwake") && strcmp(argv[1], "timed"))) {
		fprintf(stderr, "usage: shm_futex wait|waitv|wake|slowwake|timed FILE\n");
		return 2;
	}
	int fd = open(argv[2], O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 4096) != 0) {
		perror(argv[2]);
		return 1;
	}
	uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (word == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	word += 100; /* not at the start of the page */
	if (!strcmp(argv[1], "wake") || !strcmp(argv[1], "slowwake")) {
		__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
		if (!strcmp(argv[1], "slowwake")) {
			struct timespec held_up = {0, 5 * 1000 * 1000};
			nanosleep(&held_up, NULL);
		}
		printf("woke %ld\n", syscall(SYS_futex, word, FUTEX_WAKE, 1 << 30, NULL, NULL, 0));
		return 0;
	}
	if (!strcmp(argv[1], "timed")) {
		struct timespec ts = {0, 300 * 1000 * 1000};
		long r = syscall(SYS_futex, word, FUTEX_WAIT, *word, &ts, NULL, 0);
		printf("%s\n", r == 0 ? "woken early" : errno == ETIMEDOUT ? "ETIMEDOUT" : strerror(errno));
		return 0;
	}
	printf("waiting\n"); /* the test wakes only once we got this far */
	fflush(stdout);
	if (!strcmp(argv[1], "waitv")) {
		static uint32_t never;
		struct { /* struct futex_waitv */
			uint64_t val, uaddr;
			uint32_t flags, reserved;
		} list[2] = {{0, (uintptr_t)&never, 2 | 128, 0}, {0, (uintptr_t)word, 2, 0}};
		long r = syscall(449 /* futex_waitv */, list, 2, 0, NULL, 0);
		if (r < 0)
			printf("%s\n", strerror(errno));
		else
			printf("woken index %ld\n", r);
		return 0;
	}
	while (!__atomic_load_n(word, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, word, FUTEX_WAIT, 0, NULL, NULL, 0); /* no timeout: the test's */
	printf("woken\n");
	return 0;
}
