// SPDX-License-Identifier: GPL-2.0
/*
 * stack_grow: the main thread's stack grows on first touch, as on Linux, up to
 * RLIMIT_STACK as it is at the moment of the touch (not at start: a limit
 * lowered later stops it where it has not been yet), and never
 * to within 1 MiB (Linux's stack_guard_gap) of an accessible mapping below.
 * One line per check, the same natively and under mcexec
 * (tests/vm/test_process.sh); each touch that may fault runs in a fork child,
 * whose end (status or signal) is what the line shows. No addresses are
 * printed: they differ between the kernels.
 *
 * stack_grow [MiB]: the depth of the recursion of the first checks (48).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define KiB 1024ul
#define MiB (1024ul * KiB)

/* The [stack] line of /proc/self/maps. */
static int stack_region(uintptr_t *start, uintptr_t *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", start, end) == 2)
			found = 1;
	if (f)
		fclose(f);
	return found;
}

/* 64 KiB a frame, each page written: a program's deep recursion. */
static int recurse(unsigned frames)
{
	volatile char frame[64 * KiB];
	for (size_t i = 0; i < sizeof(frame); i += 4096)
		frame[i] = (char)frames;
	return frames ? recurse(frames - 1) + frame[0] : frame[0];
}

static void set_stack_limit(rlim_t soft)
{
	struct rlimit r;
	getrlimit(RLIMIT_STACK, &r);
	r.rlim_cur = soft;
	if (setrlimit(RLIMIT_STACK, &r)) {
		perror("setrlimit");
		_exit(3);
	}
}

/* Runs @fn(@arg) in a fork child; its end as one word. */
static const char *in_child(void (*fn)(unsigned long), unsigned long arg)
{
	static char buf[32];
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return "no child";
	if (WIFSIGNALED(st))
		snprintf(buf, sizeof(buf), "%s", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "signal");
	else
		snprintf(buf, sizeof(buf), WEXITSTATUS(st) ? "status %d" : "ok", WEXITSTATUS(st));
	return buf;
}

static void deep(unsigned long mib) { recurse((unsigned)(mib * MiB / (64 * KiB))); }

static void raise_then_deep(unsigned long mib)
{
	set_stack_limit((mib + 16) * MiB);
	deep(mib);
	uintptr_t s, e;
	/* The region now reaches down past the recursion. */
	_exit(stack_region(&s, &e) && e - s >= mib * MiB ? 0 : 4);
}

/* Touch the byte @arg below the stack's top under a 16 MiB limit. */
static void touch_below_top(unsigned long depth)
{
	set_stack_limit(16 * MiB);
	uintptr_t s, e;
	if (!stack_region(&s, &e))
		_exit(5);
	*(volatile char *)(e - depth) = 1;
}

/* A page mapped 3 MiB below the stack's bottom, readable or not; then a touch
 * @depth (low bits) below that bottom; bit 0 of the flags: PROT_NONE. */
static void touch_near_mapping(unsigned long how)
{
	unsigned long depth = how & ~1ul;
	set_stack_limit(64 * MiB);
	uintptr_t s, e;
	if (!stack_region(&s, &e))
		_exit(5);
	void *at = (void *)(s - 3 * MiB);
	void *m = mmap(at, 4096, (how & 1) ? PROT_NONE : PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (m != at)
		_exit(6);
	*(volatile char *)(s - depth) = 1;
}

/* Under a limit lowered to 1 MiB, a touch 4 MiB below the top, where the
 * stack has not been yet: it may not grow there. */
static void lowered_touch(unsigned long depth)
{
	set_stack_limit(1 * MiB);
	uintptr_t s, e;
	if (!stack_region(&s, &e))
		_exit(5);
	*(volatile char *)(e - depth) = 1;
}

static void unlimited_deep(unsigned long mib)
{
	set_stack_limit(RLIM_INFINITY);
	deep(mib);
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 48;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct rlimit r;
	getrlimit(RLIMIT_STACK, &r);
	int big = r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= (mib + 16) * MiB;
	printf("soft limit at start %s %lu MiB\n", big ? "at least" : "below", mib + 16);
	printf("recursion to 6 MiB: %s\n", in_child(deep, 6));
	if (big)
		printf("recursion to %lu MiB: %s\n", mib, in_child(deep, mib));
	printf("limit raised, recursion to %lu MiB: %s\n", mib, in_child(raise_then_deep, mib));
	printf("limit 16 MiB, a touch 12 MiB below the top: %s\n", in_child(touch_below_top, 12 * MiB));
	printf("limit 16 MiB, a touch 24 MiB below the top: %s\n", in_child(touch_below_top, 24 * MiB));
	printf("a touch 1.5 MiB below, a mapping 3 MiB below: %s\n", in_child(touch_near_mapping, 1536 * KiB));
	printf("a touch 2.5 MiB below, a mapping 3 MiB below: %s\n", in_child(touch_near_mapping, 2560 * KiB));
	printf("a touch 2.5 MiB below, a PROT_NONE page 3 MiB below: %s\n",
	       in_child(touch_near_mapping, 2560 * KiB | 1));
	printf("limit lowered to 1 MiB, a touch 4 MiB below the top: %s\n", in_child(lowered_touch, 4 * MiB));
	printf("no limit, recursion to %lu MiB: %s\n", mib, in_child(unlimited_deep, mib));
	/* And this process's own stack, grown in the parent: a fork child has it. */
	set_stack_limit((mib + 16) * MiB);
	deep(mib);
	printf("grown in the parent, then a fork child recurses as deep: %s\n", in_child(deep, mib));
	return 0;
}
