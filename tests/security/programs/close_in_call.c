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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>

#define PAGE 4096ul

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* One process: made, started, its first call taken unanswered, its file closed. */
static int one_round(int os, unsigned delay_us, int *saw_call)
{
	/* loop: xor %edi,%edi; xor %esi,%esi; xor %edx,%edx; xor %eax,%eax; syscall; jmp loop */
	static const unsigned char code[] = { 0x31, 0xff, 0x31, 0xf6, 0x31, 0xd2, 0x31, 0xc0, 0x0f, 0x05, 0xeb, 0xf4 };
	const unsigned long code_at = MCK_USER_START, stack_at = MCK_USER_START + 16 * PAGE;
	struct mcexec_create c = { .version = MCEXEC_ABI_VERSION, .cpu_first = 0, .cpu_count = 1 };
	struct mcexec_region regions[2] = {
		{ .start = code_at, .len = PAGE, .prot = MCK_PROT_READ | MCK_PROT_EXEC },
		{ .start = stack_at, .len = 4 * PAGE, .prot = MCK_PROT_READ | MCK_PROT_WRITE },
	};
	struct mcexec_setup su = { .num_regions = 2, .regions = (unsigned long)regions,
				   .brk_start = stack_at + 8 * PAGE, .stack_start = stack_at, .stack_max = 4 * PAGE };
	struct mcexec_policy pol = { .lwk_spin_us = MCEXEC_SPIN_MAX_US, .linux_spin_us = 0 };
	struct mcexec_start st = { .entry = code_at, .sp = stack_at + 4 * PAGE - 64 };
	struct mcexec_event ev = { .timeout_ms = 2000 };
	void *view;

	for (int i = 0; i < 3; i++)
		su.rlimits[i].cur = su.rlimits[i].max = ~0ull;
	c.realtime_ns = now_ns(CLOCK_REALTIME);
	c.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	/* The last round's process may still be ending (the KILL is on its way): EEXIST for a while. */
	for (int tries = 0; ioctl(os, MCEXEC_CREATE, &c); tries++) {
		if (errno != EEXIST || tries == 400) {
			printf("create: %s%s\n", strerror(errno),
			       errno == EEXIST ? " for 2 s: the last round's process was never ended" : "");
			return -1;
		}
		usleep(5000);
	}
	if (ioctl(c.fd, MCEXEC_SETUP, &su)) {
		printf("setup: %s\n", strerror(errno));
		return -1;
	}
	view = mmap((void *)MCK_USER_START, MCK_USER_END - MCK_USER_START, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_FIXED_NOREPLACE, c.fd, 0);
	if (view == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return -1;
	}
	memcpy((void *)code_at, code, sizeof(code));
	if (ioctl(c.fd, MCEXEC_POLICY, &pol) || ioctl(c.fd, MCEXEC_START, &st)) {
		printf("policy/start: %s\n", strerror(errno));
		return -1;
	}
	/* The call, taken and never answered: the LWK thread spins for it, then sleeps. */
	if (ioctl(c.fd, MCEXEC_WAIT, &ev) == 0 && ev.type == MCEXEC_EV_SYSCALL)
		(*saw_call)++;
	if (delay_us)
		usleep(delay_us);
	munmap(view, MCK_USER_END - MCK_USER_START);
	close(c.fd); /* mcexec is gone: the LWK must end the process */
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
