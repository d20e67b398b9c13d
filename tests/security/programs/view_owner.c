// SPDX-License-Identifier: GPL-2.0
// The instance owner, from a Linux program, takes a program slot and maps the
// unified view as mcexec does, then tries to split, re-protect and move it
// (docs/security.md, boundary 3): mcctrl must refuse each, and the view must
// stay one whole mapping.
//
// Usage: view_owner /dev/mcosN. Runs on Linux, not under mcexec. Prints
// "name: result" lines (report.h), then "view-whole: yes|no".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>

#include "report.h"

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Is [MCK_USER_START, MCK_USER_END) one line of /proc/self/maps? */
static int view_whole(void)
{
	char line[512];
	uintptr_t lo, hi;
	int whole = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2 && lo == MCK_USER_START &&
		    hi == MCK_USER_END)
			whole = 1;
	if (f)
		fclose(f);
	return whole;
}

int main(int argc, char **argv)
{
	struct mcexec_create create = { .version = MCEXEC_ABI_VERSION };
	const uintptr_t len = MCK_USER_END - MCK_USER_START, mid = MCK_USER_START + (1ul << 30);
	unsigned long mask = 1;
	char *view;
	void *scratch;
	int os;

	if (argc != 2) {
		fprintf(stderr, "usage: view_owner /dev/mcosN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	os = open(argv[1], O_RDWR | O_CLOEXEC);
	if (os < 0)
		die("open");
	create.realtime_ns = now_ns(CLOCK_REALTIME);
	create.monotonic_ns = now_ns(CLOCK_MONOTONIC);
	if (ioctl(os, MCEXEC_CREATE, &create))
		die("MCEXEC_CREATE");
	view = mmap((void *)MCK_USER_START, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		    create.fd, 0);
	report_map("map-view", view);
	if (view == MAP_FAILED)
		return 1;
	report("munmap-part", munmap((void *)mid, PAGE));
	report("mprotect-part", mprotect((void *)mid, PAGE, PROT_READ));
	report("mprotect-whole", mprotect(view, len, PROT_READ));
	report("mprotect-whole-exec", mprotect(view, len, PROT_READ | PROT_WRITE | PROT_EXEC));
	report("madvise-dofork-part", madvise((void *)mid, PAGE, MADV_DOFORK));
	report("mbind-part", syscall(SYS_mbind, mid, PAGE, 2 /* MPOL_BIND */, &mask, 2ul, 0u));
	report_map("mremap-shrink", mremap(view, len, len - PAGE, 0));
	report_map("mremap-grow", mremap(view, len, len + PAGE, 0));
	/* Moved, part of it, onto a page of ours (the whole would need 64 TiB free). */
	scratch = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		die("mmap");
	report_map("mremap-move-part", mremap((void *)mid, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, scratch));
	printf("view-whole: %s\n", view_whole() ? "yes" : "no");
	close(create.fd); /* ends the LWK process */
	close(os);
	printf("done\n");
	return 0;
}
