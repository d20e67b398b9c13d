// SPDX-License-Identifier: GPL-2.0
/*
 * mremap_shared: mremap of shared mappings (a file, shared anonymous memory)
 * and MREMAP_FIXED, one line per check, the same natively and under mcexec
 * (tests/vm/test_process.sh). Growing in place and moving keep the very
 * pages (writes through the new place reach the file, and the file's bytes
 * show there); pages past the file's end, or past shared anonymous memory's
 * size, raise SIGBUS; old size 0 makes a second mapping of the same pages;
 * without MREMAP_MAYMOVE a blocked mapping does not grow (ENOMEM); the moved
 * mapping keeps its file's name in /proc/self/maps; and once the moved
 * mapping is unmapped, nothing holds the memfd any more (F_SEAL_WRITE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ul

static const char *err(int ok) { return ok ? "ok" : strerrorname_np(errno); }

static sigjmp_buf g_jump;
static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(g_jump, 1);
}

/* "read", or "SIGBUS" for the byte at @p. */
static const char *touch(volatile char *p)
{
	if (sigsetjmp(g_jump, 1))
		return "SIGBUS";
	(void)*p;
	return "read";
}

/* A free range of @pages pages (reserved, then given back). */
static char *hole(size_t pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	munmap(p, pages * PAGE);
	return p;
}

/* Whether /proc/self/maps names @name on the line of @addr. */
static int named(void *addr, const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (unsigned long)addr >= lo && (unsigned long)addr < hi)
			found = strstr(line, name) != NULL;
	}
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_sigbus};
	sigaction(SIGBUS, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* A file of three pages, each page's first byte its number. */
	char path[] = "/tmp/mremap_shared.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 3 * PAGE)) {
		perror(path);
		return 1;
	}
	for (char i = 0; i < 3; i++)
		pwrite(fd, &i, 1, i * PAGE);

	/* In place: the pages after the mapping are free. */
	char *base = hole(8);
	char *m = mmap(base, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	char *g = mremap(m, 2 * PAGE, 3 * PAGE, 0);
	printf("grow in place: %s, same place: %d\n", err(g != MAP_FAILED), g == m);
	if (g == MAP_FAILED)
		return 1;
	printf("the file's third page there: %d\n", g[2 * PAGE]);
	g[2 * PAGE + 1] = 'x';
	char c = 0;
	pread(fd, &c, 1, 2 * PAGE + 1);
	printf("a write through it reaches the file: %c\n", c);

	/* Blocked by another mapping: ENOMEM without MREMAP_MAYMOVE, else it moves. */
	char *block = mmap(g + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	errno = 0;
	printf("blocked, may not move: %s\n", err(mremap(g, 3 * PAGE, 4 * PAGE, 0) != MAP_FAILED));
	char *mv = mremap(g, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	printf("blocked, moved: %s, elsewhere: %d\n", err(mv != MAP_FAILED), mv != g);
	if (mv == MAP_FAILED)
		return 1;
	printf("moved pages: %d %d %d %c\n", mv[0], mv[PAGE], mv[2 * PAGE], mv[2 * PAGE + 1]);
	printf("the old place is gone: %s\n", err(msync(g, PAGE, MS_ASYNC) == 0));
	printf("past the file's end: %s\n", touch(mv + 3 * PAGE));
	printf("named in /proc/self/maps: %d\n", named(mv + PAGE, "mremap_shared."));

	/* MREMAP_FIXED: to exactly that place, over what was there (the block). */
	char *fx = mremap(mv + PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, block);
	printf("fixed: %s, there: %d, pages %d %d\n", err(fx != MAP_FAILED), fx == block, fx[0], fx[PAGE]);
	printf("fixed over its own range: %s\n",
	       err(mremap(fx + PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, fx) != MAP_FAILED));

	/* Old size 0: a second mapping of the same pages; the first stays. */
	char *two = mremap(mv, 0, PAGE, MREMAP_MAYMOVE);
	printf("second mapping: %s, elsewhere: %d\n", err(two != MAP_FAILED), two != mv);
	mv[5] = 'y';
	printf("the same page: %c\n", two[5]);
	char *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("second mapping of private memory: %s\n", err(mremap(priv, 0, PAGE, MREMAP_MAYMOVE) != MAP_FAILED));
	munmap(two, PAGE);
	munmap(mv, 4 * PAGE);
	munmap(fx, 2 * PAGE);

	/* Shared anonymous memory: moved with its data; past its size, SIGBUS. */
	char *anon = mmap(hole(3), 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	anon[PAGE] = 'a';
	mmap(anon + 2 * PAGE, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *am = mremap(anon, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE);
	printf("shared anonymous moved: %s, %c, past its size: %s\n", err(am != MAP_FAILED), am[PAGE],
	       touch(am + 2 * PAGE));

	/* A memfd mapped, moved and unmapped: nothing holds it. */
	int mfd = memfd_create("mremap_shared", MFD_ALLOW_SEALING);
	ftruncate(mfd, 2 * PAGE);
	char *mm = mmap(hole(2), PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0);
	mmap(mm + PAGE, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *mm2 = mremap(mm, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	printf("seal while mapped: %s\n", err(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE) == 0));
	munmap(mm2, 2 * PAGE);
	printf("seal after munmap of the moved mapping: %s\n", err(fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE) == 0));
	unlink(path);
	return 0;
}
