// SPDX-License-Identifier: GPL-2.0
// Signals for a process that has not started yet, as the instance's owner
// (tests/security/test_lwk.sh, case 21): for each signal 1..64, make an LWK
// process (CREATE, SETUP), send it the signal and then SIGCONT with
// MCEXEC_SIGNAL before any START, wait a moment, and look at the instance;
// then START one such process and see it run. Before, a signal could wake the
// main thread before it had any user state, and its return to user mode (an
// IRETQ of a frame of zeros) stopped the LWK with a #GP in the kernel; the
// mcctrl fuzzer found it.
//
// Usage: early_signal /dev/mcosN. Runs on Linux, not under mcexec. Prints
// "signals taken before START: 64, instance RUNNING after each: 64" and
// "started after signals: ran" (its first system call came).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <ihk/boot.h>
#include <mcexec/abi.h>
#include <uapi/ihk/ihk.h>

#define PAGE 4096ul

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static const unsigned long code_at = MCK_USER_START, stack_at = MCK_USER_START + 16 * PAGE;

/* A process made and set up (code: read(0, 0, 0) in a loop), not started; its file, or -1. */
static int make(int os)
{
	struct mcexec_create c = { .version = MCEXEC_ABI_VERSION, .cpu_first = 0, .cpu_count = 1 };
	struct mcexec_region regions[2] = {
		{ .start = code_at, .len = PAGE, .prot = MCK_PROT_READ | MCK_PROT_EXEC },
		{ .start = stack_at, .len = 4 * PAGE, .prot = MCK_PROT_READ | MCK_PROT_WRITE },
	};
	struct mcexec_setup su = { .num_regions = 2, .regions = (unsigned long)regions,
				   .brk_start = stack_at + 8 * PAGE, .stack_start = stack_at, .stack_max = 4 * PAGE };

	for (int i = 0; i < 3; i++)
		su.rlimits[i].cur = su.rlimits[i].max = ~0ull;
	c.realtime_ns = now_ns(CLOCK_REALTIME);
	c.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	/* The last one may still be ending: EEXIST for a while. */
	for (int tries = 0; ioctl(os, MCEXEC_CREATE, &c); tries++) {
		if (errno != EEXIST || tries == 400) {
			printf("create: %s\n", strerror(errno));
			return -1;
		}
		usleep(5000);
	}
	if (ioctl(c.fd, MCEXEC_SETUP, &su)) {
		printf("setup: %s\n", strerror(errno));
		close(c.fd);
		return -1;
	}
	return c.fd;
}

static int send(int fd, int sig)
{
	struct mcexec_signal s = { .sig = sig, .code = 0, .pid = getpid(), .uid = getuid() };

	return ioctl(fd, MCEXEC_SIGNAL, &s);
}

static int running(int os)
{
	struct ihk_os_status_info st = { 0 };

	return ioctl(os, IHK_OS_GET_STATUS, &st) == 0 && st.status == IHK_OS_STATUS_RUNNING;
}

int main(int argc, char **argv)
{
	int os, sent = 0, alive = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: early_signal /dev/mcosN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	os = open(argv[1], O_RDWR | O_CLOEXEC);
	if (os < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	for (int sig = 1; sig <= 64; sig++) {
		int fd = make(os);

		if (fd < 0)
			return 1;
		/* A signal whose default ends the process may end it first: SIGCONT then finds none. */
		sent += send(fd, sig) == 0;
		send(fd, 18 /* SIGCONT */);
		usleep(20000);
		alive += running(os);
		close(fd);
	}
	printf("signals taken before START: %d, instance RUNNING after each: %d\n", sent, alive);

	/* A process that got signals before START still starts and runs. */
	int fd = make(os);
	if (fd < 0)
		return 1;
	static const unsigned char code[] = { 0x31, 0xff, 0x31, 0xf6, 0x31, 0xd2, 0x31, 0xc0, 0x0f, 0x05, 0xeb, 0xf4 };
	void *view = mmap((void *)MCK_USER_START, MCK_USER_END - MCK_USER_START, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	struct mcexec_start st = { .entry = code_at, .sp = stack_at + 4 * PAGE - 64 };
	struct mcexec_event ev = { .timeout_ms = 5000 };

	if (view == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return 1;
	}
	memcpy((void *)code_at, code, sizeof(code));
	send(fd, 28 /* SIGWINCH: ignored */);
	send(fd, 19 /* SIGSTOP */);
	send(fd, 18 /* SIGCONT */);
	if (ioctl(fd, MCEXEC_START, &st)) {
		printf("start: %s\n", strerror(errno));
		return 1;
	}
	int ran = ioctl(fd, MCEXEC_WAIT, &ev) == 0 && ev.type == MCEXEC_EV_SYSCALL && ev.nr == 0;
	printf("started after signals: %s\n", ran ? "ran" : "did not run");
	munmap(view, MCK_USER_END - MCK_USER_START);
	close(fd);
	close(os);
	return 0;
}
