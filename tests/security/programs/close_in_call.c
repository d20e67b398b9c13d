// SPDX-License-Identifier: GPL-2.0
// mcexec gone while its program's thread waits for an offloaded call, as the
// instance's owner (tests/security/test_lwk.sh, case 20): again and again, make
// an LWK process whose code loops on read(0, 0, 0) (offloaded), let its thread
// spin for the answer (MCEXEC_POLICY, the longest spin), take the call's event
// and never answer it, then close the process file a random moment later. The
// LWK must end every such process: before, a KILL that interrupted the very
// thread it was for (spinning on the LWK CPU that took the message) left that
// thread unmarked, and it blocked for good in a call nobody would answer. The
// mcctrl fuzzer found it (a process left on the LWK, later CREATEs EEXIST).
//
// Usage: close_in_call /dev/mcosN ROUNDS SEED. Runs on Linux, not under mcexec.
// Prints "rounds: N, calls seen: M"; the test then counts the LWK's processes.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>

#include "owner_process.h"

/* One process: made, started, its first call taken unanswered, its file closed. */
static int one_round(int os, unsigned delay_us, int *saw_call)
{
	struct mcexec_policy pol = { .lwk_spin_us = MCEXEC_SPIN_MAX_US, .linux_spin_us = 0 };
	struct mcexec_event ev = { .timeout_ms = 2000 };
	int fd = owner_make(os);
	void *view = fd < 0 ? NULL : owner_write_code(fd);

	if (!view)
		return -1;
	if (ioctl(fd, MCEXEC_POLICY, &pol)) {
		printf("policy: %s\n", strerror(errno));
		return -1;
	}
	if (owner_start(fd))
		return -1;
	/* The call, taken and never answered: the LWK thread spins for it, then sleeps. */
	if (ioctl(fd, MCEXEC_WAIT, &ev) == 0 && ev.type == MCEXEC_EV_SYSCALL)
		(*saw_call)++;
	if (delay_us)
		usleep(delay_us);
	munmap(view, OWNER_VIEW_LEN);
	close(fd); /* mcexec is gone: the LWK must end the process */
	return 0;
}

int main(int argc, char **argv)
{
	int os, rounds, calls = 0, done = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: close_in_call /dev/mcosN ROUNDS SEED\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rounds = atoi(argv[2]);
	srand(strtoul(argv[3], NULL, 0));
	os = open(argv[1], O_RDWR | O_CLOEXEC);
	if (os < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		/* Mostly within the thread's spin (1 ms), sometimes after it slept. */
		unsigned delay = rand() % 4 == 0 ? 0 : rand() % 4 == 0 ? 2000 + rand() % 3000 : rand() % 1200;
		if (one_round(os, delay, &calls))
			break;
		done++;
	}
	printf("rounds: %d, calls seen: %d\n", done, calls);
	close(os);
	return done == rounds ? 0 : 1;
}
