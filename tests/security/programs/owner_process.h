// SPDX-License-Identifier: GPL-2.0
// What the owner-side programs share (close_in_call.c, early_signal.c): an LWK
// process made as mcexec would make it, through mcctrl's ioctls, whose code loops
// on read(0, 0, 0), an offloaded call that nobody need answer.
#ifndef SECURITY_OWNER_PROCESS_H
#define SECURITY_OWNER_PROCESS_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>

#define OWNER_PAGE 4096ul
#define OWNER_CODE_AT MCK_USER_START
#define OWNER_STACK_AT (MCK_USER_START + 16 * OWNER_PAGE)
#define OWNER_VIEW_LEN (MCK_USER_END - MCK_USER_START)

static inline long long owner_now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/*
 * CREATE (on LWK CPU 0 alone) and SETUP (a code page and a stack): the process
 * file, or -1 (said why). The last process of this pid may still be ending
 * (its KILL on the way): EEXIST is retried for 2 s.
 */
static inline int owner_make(int os)
{
	struct mcexec_create c = { .version = MCEXEC_ABI_VERSION, .cpu_first = 0, .cpu_count = 1 };
	struct mcexec_region regions[2] = {
		{ .start = OWNER_CODE_AT, .len = OWNER_PAGE, .prot = MCK_PROT_READ | MCK_PROT_EXEC },
		{ .start = OWNER_STACK_AT, .len = 4 * OWNER_PAGE, .prot = MCK_PROT_READ | MCK_PROT_WRITE },
	};
	struct mcexec_setup su = { .num_regions = 2, .regions = (unsigned long)regions,
				   .brk_start = OWNER_STACK_AT + 8 * OWNER_PAGE, .stack_start = OWNER_STACK_AT,
				   .stack_max = 4 * OWNER_PAGE };

	/*
	 * Every limit unlimited. A limit left 0 is a limit of 0: MCK_RLIMIT_CPU
	 * at 0 s ended the process with SIGKILL at its first CPU-time check,
	 * as Linux would, racing its first system call (case 21 failed 1 in 12).
	 */
	for (int i = 0; i < MCK_RLIMITS; i++)
		su.rlimits[i].cur = su.rlimits[i].max = ~0ull;
	c.realtime_ns = owner_now_ns(CLOCK_REALTIME);
	c.monotonic_ns = owner_now_ns(CLOCK_MONOTONIC);
	for (int tries = 0; ioctl(os, MCEXEC_CREATE, &c); tries++) {
		if (errno != EEXIST || tries == 400) {
			printf("create: %s%s\n", strerror(errno),
			       errno == EEXIST ? " for 2 s: the last process was never ended" : "");
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

/* Map the process's memory as mcexec does and write its code: the view, or NULL (said why). */
static inline void *owner_write_code(int fd)
{
	/* loop: xor %edi,%edi; xor %esi,%esi; xor %edx,%edx; xor %eax,%eax; syscall; jmp loop */
	static const unsigned char code[] = { 0x31, 0xff, 0x31, 0xf6, 0x31, 0xd2, 0x31, 0xc0, 0x0f, 0x05, 0xeb, 0xf4 };
	void *view = mmap((void *)MCK_USER_START, OWNER_VIEW_LEN, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);

	if (view == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return NULL;
	}
	memcpy((void *)OWNER_CODE_AT, code, sizeof(code));
	return view;
}

/* START at the code, the stack's top below it. */
static inline int owner_start(int fd)
{
	struct mcexec_start st = { .entry = OWNER_CODE_AT, .sp = OWNER_STACK_AT + 4 * OWNER_PAGE - 64 };

	if (ioctl(fd, MCEXEC_START, &st)) {
		printf("start: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

#endif
