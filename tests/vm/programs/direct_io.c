// SPDX-License-Identifier: GPL-2.0
/*
 * direct_io MODE FILE: I/O that makes Linux pin the caller's pages (O_DIRECT,
 * vmsplice), so under mcexec it pins the LWK's pages through mcexec's view.
 * Output is the same natively and under mcexec (tests/vm/test_process.sh).
 *   rw FILE      O_DIRECT write and read back of aligned buffers, compared;
 *                a read into a read-only buffer fails with EFAULT, a write
 *                from one works.
 *   race FILE    one thread reads with O_DIRECT into a buffer while another
 *                unmaps it; then much new memory is written: the reads still
 *                in flight must not land in it.
 *   splice       vmsplice a buffer into a pipe, unmap it, fill new memory,
 *                read the pipe: the original bytes (the pipe holds the pages).
 *   splice-sparse  the same with 200 pages that are not neighbours: more
 *                runs than mcctrl reports at once (docs/memory.md).
 *   splice-out MIB [sparse]  vmsplice MIB MiB of a known pattern to stdout (a
 *                pipe), or every other page of 2 MiB (200 pages), and exit,
 *                leaving the pages to whoever holds the pipe.
 *   pattern MIB [sparse]  what splice-out writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define MIB (1ul << 20)
#define FRESH (600 * MIB)	/* new memory after an unmap: most of a 768 MiB instance */
#define SPARSE_OUT 200		/* pages splice-out sparse leaves in the pipe */
#define RACE_FRESH (64 * MIB)	/* the same, per round of the race (kept short) */

static unsigned char pattern(size_t i, unsigned seed) { return (unsigned char)(i * 31 + (i >> 12) + seed); }

static void fill(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(i, seed);
}

static size_t check(const unsigned char *p, size_t len, unsigned seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += p[i] != pattern(i, seed);
	return bad;
}

static const char *err(ssize_t r) { return r < 0 ? strerror(errno) : "ok"; }

static int rw(const char *path)
{
	size_t len = 2 * MIB;
	unsigned char *a, *b, *ro;
	ssize_t r;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);

	if (fd < 0) {
		printf("open O_DIRECT: %s\n", strerror(errno));
		return 1;
	}
	if (posix_memalign((void **)&a, 4096, len) || posix_memalign((void **)&b, 4096, len))
		return 1;
	fill(a, len, 1);
	memset(b, 0, len);
	r = pwrite(fd, a, len, 0);
	printf("direct write: %zd %s\n", r, err(r));
	r = pread(fd, b, len, 0);
	printf("direct read: %zd %s\n", r, err(r));
	printf("compare: %zu bytes differ\n", check(b, len, 1));
	/* A single page at an odd offset, through a small buffer. */
	r = pread(fd, b + 4096, 4096, 8192);
	printf("direct read of one page: %zd %s, %s\n", r, err(r),
	       memcmp(b + 4096, a + 8192, 4096) ? "differs" : "same");
	/* Misaligned buffer: EINVAL from the file system, as natively. */
	r = pread(fd, b + 1, 4096, 0);
	printf("misaligned: %zd %s\n", r, err(r));

	/* Read-only memory: Linux cannot pin it for writing. */
	ro = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(ro, 4 * 4096, 1);
	mprotect(ro, 4 * 4096, PROT_READ);
	r = pread(fd, ro, 4 * 4096, 0);
	printf("direct read into read-only memory: %zd %s\n", r, err(r));
	r = pwrite(fd, ro, 4 * 4096, 4 * MIB);
	printf("direct write from read-only memory: %zd %s\n", r, err(r));
	r = pread(fd, b, 4 * 4096, 4 * MIB);
	printf("read back: %zd %s, %s\n", r, err(r), memcmp(b, ro, 4 * 4096) ? "differs" : "same");
	munmap(ro, 4 * 4096);
	close(fd);
	return 0;
}

/* 2 MiB at a 2 MiB boundary: the LWK backs it with one large page. */
static unsigned char *aligned_2m(void)
{
	unsigned char *p = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *a = (unsigned char *)(((unsigned long)p + 2 * MIB - 1) & ~(2 * MIB - 1));

	if (a > p)
		munmap(p, a - p);
	munmap(a + 2 * MIB, p + 4 * MIB - (a + 2 * MIB));
	return a;
}

struct racer {
	int fd;
	unsigned char *volatile buf;
	size_t len;
	volatile int stop;
	long reads, faults;
};

static void *reader(void *arg)
{
	struct racer *r = arg;

	while (!r->stop) {
		ssize_t n = pread(r->fd, r->buf, r->len, 0);

		if (n < 0 && errno == EFAULT)
			r->faults++;
		else
			r->reads++;
	}
	return NULL;
}

static int race(const char *path)
{
	size_t len = 2 * MIB, bad = 0;
	int rounds = 6, fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	unsigned char *src;

	if (fd < 0 || posix_memalign((void **)&src, 4096, len)) {
		printf("race: setup: %s\n", strerror(errno));
		return 1;
	}
	fill(src, len, 7);
	if (pwrite(fd, src, len, 0) != (ssize_t)len) {
		printf("race: write: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		struct racer r = { .fd = fd, .len = len };
		pthread_t t;
		unsigned char *fresh;

		r.buf = aligned_2m();
		memset(r.buf, 0, len);
		pthread_create(&t, NULL, reader, &r);
		usleep(2000 + 500 * i);
		munmap(r.buf, len);
		/* Keep the address taken, so the new memory lies elsewhere. */
		mmap(r.buf, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		(void)access("/", F_OK);	/* a call: the LWK may reuse what was unmapped */
		(void)access("/", F_OK);
		/* New memory: what the LWK gave back may be handed out here. */
		fresh = mmap(NULL, RACE_FRESH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (size_t j = 0; j < RACE_FRESH; j += 4096)
			fresh[j] = 0x5a;
		usleep(2000);
		r.stop = 1;
		pthread_join(t, NULL);
		for (size_t j = 0; j < RACE_FRESH; j += 4096)
			bad += fresh[j] != 0x5a;
		munmap(fresh, RACE_FRESH);
		munmap(r.buf, len);
	}
	printf("race: %d rounds, %zu samples of new memory overwritten\n", rounds, bad);
	close(fd);
	return 0;
}

/*
 * @n iovecs of every other page of @buf (2 * @n pages): as many runs of
 * pages that are not neighbours, more than mcctrl can report at once.
 */
static ssize_t vmsplice_sparse(int fd, unsigned char *buf, int n)
{
	struct iovec iov[256];

	for (int i = 0; i < n; i++) {
		iov[i].iov_base = buf + 2 * 4096 * (size_t)i;
		iov[i].iov_len = 4096;
	}
	return vmsplice(fd, iov, n, 0);
}

static size_t check_sparse(const unsigned char *out, size_t got, unsigned seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < got; i++)
		bad += out[i] != pattern(2 * 4096 * (i / 4096) + i % 4096, seed);
	return bad;
}

static int splice_back(int sparse)
{
	size_t len = MIB, got = 0;
	int p[2];
	unsigned char *buf, *fresh, *out = malloc(len);
	struct iovec iov;
	ssize_t r;

	if (pipe(p) || fcntl(p[1], F_SETPIPE_SZ, (int)len) < (int)len) {
		printf("splice: pipe: %s\n", strerror(errno));
		return 1;
	}
	buf = aligned_2m();
	fill(buf, 2 * MIB, 3);
	iov.iov_base = buf;
	iov.iov_len = len;
	r = sparse ? vmsplice_sparse(p[1], buf, 200) : vmsplice(p[1], &iov, 1, 0);
	printf("vmsplice%s: %zd %s\n", sparse ? " of 200 separate pages" : "", r, err(r));
	munmap(buf, 2 * MIB);
	(void)access("/", F_OK);	/* calls: the LWK may reuse what was unmapped */
	(void)access("/", F_OK);
	fresh = mmap(NULL, FRESH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t j = 0; j < FRESH; j += 4096)
		fresh[j] = 0xa5;
	while (r > 0 && got < (size_t)r) {
		ssize_t n = read(p[0], out + got, len - got);

		if (n <= 0)
			break;
		got += n;
	}
	printf("pipe after unmap and new memory: %zu bytes, %zu differ\n", got,
	       sparse ? check_sparse(out, got, 3) : check(out, got, 3));
	return 0;
}

static int splice_out(size_t mib, int sparse)
{
	size_t len = mib * MIB;
	unsigned char *buf;
	struct iovec iov;
	ssize_t r = 0;

	if (fcntl(1, F_SETPIPE_SZ, (int)MIB) < (int)MIB) {
		fprintf(stderr, "splice-out: F_SETPIPE_SZ: %s\n", strerror(errno));
		return 1;
	}
	if (sparse)
		len = 2 * MIB;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(buf, len, 5);
	iov.iov_base = buf;
	iov.iov_len = len;
	r = sparse ? vmsplice_sparse(1, buf, SPARSE_OUT) : vmsplice(1, &iov, 1, 0);
	fprintf(stderr, "splice-out: %zd %s\n", r, err(r));
	return r == (ssize_t)(sparse ? SPARSE_OUT * 4096 : len) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "rw"))
		return rw(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "race"))
		return race(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "splice"))
		return splice_back(0);
	if (argc > 1 && !strcmp(argv[1], "splice-sparse"))
		return splice_back(1);
	if (argc > 2 && !strcmp(argv[1], "splice-out"))
		return splice_out(strtoul(argv[2], NULL, 10), argc > 3 && !strcmp(argv[3], "sparse"));
	if (argc > 2 && !strcmp(argv[1], "pattern")) {
		/* The bytes splice-out writes, for comparison. */
		size_t len = strtoul(argv[2], NULL, 10) * MIB;
		unsigned char *p = malloc(len);

		if (argc > 3 && !strcmp(argv[3], "sparse")) {
			p = realloc(p, 2 * MIB);
			fill(p, 2 * MIB, 5);
			for (size_t i = 0; i < SPARSE_OUT; i++)
				fwrite(p + 2 * 4096 * i, 1, 4096, stdout);
			return 0;
		}
		fill(p, len, 5);
		return fwrite(p, 1, len, stdout) != len;
	}
	fprintf(stderr, "usage: direct_io rw|race FILE | splice | splice-sparse | splice-out MIB [sparse] | pattern MIB [sparse]\n");
	return 2;
}
