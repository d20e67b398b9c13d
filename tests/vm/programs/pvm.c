// SPDX-License-Identifier: GPL-2.0
/*
 * pvm serve | pvm peek PID ADDR ROADDR | pvm pair: process_vm_readv/writev
 * between two processes. The output is the same natively and under mcexec
 * (tests/vm/test_process.sh).
 *   serve   prints "PID ADDR ROADDR" (a 64 KiB buffer and a read-only page),
 *           waits for a line on stdin, prints what is now in the buffer.
 *   peek    reads the buffer, writes into it, tries to write the read-only page.
 *           A native peek at a server under mcexec: Linux pins the LWK's pages
 *           through mcexec's view; both under mcexec: the LWK copies itself.
 *   pair    a parent and its fork child read and write each other's memory
 *           (under mcexec: two LWK processes, the LWK's own copy): data
 *           checked, many and unaligned segments, 4 MiB, partial transfers,
 *           EFAULT, EINVAL, ESRCH, and as root a child that dropped to
 *           uid 65534 (EPERM one way, allowed the other).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEN (64 * 1024)

static int serve(void)
{
	char *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char line[64];

	for (int i = 0; i < LEN; i += 32)
		snprintf(buf + i, 32, "bytes of the server at %6d", i);
	strcpy(ro, "read-only page");
	mprotect(ro, 4096, PROT_READ);
	printf("%d %lx %lx\n", getpid(), (unsigned long)buf, (unsigned long)ro);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	printf("server sees: %.31s | %.31s | %s\n", buf, buf + LEN - 32, ro);
	return 0;
}

static int peek(int pid, unsigned long addr, unsigned long ro)
{
	static char in[LEN];
	char msg[] = "written by Linux";
	struct iovec local[2] = { { in, LEN / 2 }, { in + LEN / 2, LEN / 2 } };
	struct iovec remote[2] = { { (void *)addr, LEN / 2 }, { (void *)(addr + LEN / 2), LEN / 2 } };
	struct iovec l1 = { msg, sizeof(msg) }, r1 = { (void *)addr, sizeof(msg) };
	struct iovec r2 = { (void *)(addr + LEN - 32), sizeof(msg) };
	struct iovec rro = { (void *)ro, sizeof(msg) };
	ssize_t n;

	n = process_vm_readv(pid, local, 2, remote, 2, 0);
	printf("readv: %zd %s: %.31s | %.31s\n", n, n < 0 ? strerror(errno) : "ok", in, in + LEN - 32);
	n = process_vm_writev(pid, &l1, 1, &r1, 1, 0);
	printf("writev: %zd %s\n", n, n < 0 ? strerror(errno) : "ok");
	n = process_vm_writev(pid, &l1, 1, &r2, 1, 0);
	printf("writev at the end: %zd %s\n", n, n < 0 ? strerror(errno) : "ok");
	n = process_vm_writev(pid, &l1, 1, &rro, 1, 0);
	printf("writev into read-only: %zd %s\n", n, n < 0 ? strerror(errno) : "ok");
	memset(in, 0, 64);
	l1.iov_base = in;
	n = process_vm_readv(pid, &l1, 1, &rro, 1, 0);
	printf("readv of read-only: %zd %s: %s\n", n, n < 0 ? strerror(errno) : "ok", in);
	/* Unmapped memory in the target: EFAULT. */
	rro.iov_base = (void *)8192;
	n = process_vm_readv(pid, &l1, 1, &rro, 1, 0);
	printf("readv of unmapped: %zd %s\n", n, n < 0 ? strerror(errno) : "ok");
	return 0;
}

#define BIG (4 << 20)
#define PAIR_LEN (3 * 4096 + 1000)

static void fill(char *p, size_t n, int who)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(i * 7 + who + (i >> 12));
}

static size_t first_bad(const char *p, size_t n, size_t off, int who)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (char)((off + i) * 7 + who + ((off + i) >> 12)))
			return i;
	return n;
}

static void result(const char *what, ssize_t n, ssize_t want)
{
	if (n < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %zd%s\n", what, n, n == want ? "" : " (short)");
}

static void sync_write(int fd) { char c = 1; if (write(fd, &c, 1) != 1) _exit(3); }
static void sync_read(int fd) { char c; if (read(fd, &c, 1) != 1) _exit(3); }

/* Both sides: a buffer, a read-only page after a hole, a large buffer. */
struct side {
	char *buf, *ro, *hole, *big, *shm;
};

static void side_init(struct side *s, int who)
{
	/* Shared memory of a file: under mcexec, Linux's pages the LWK maps. */
	int fd = memfd_create("pvm", 0);
	if (fd < 0 || ftruncate(fd, 8192))
		_exit(4);
	s->shm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	fill(s->shm, 8192, who);
	/* Last, so that no later small mapping fills the hole. */
	char *m = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	s->buf = m;			/* PAIR_LEN bytes at the start of 4 pages */
	s->hole = m + 4 * 4096;		/* unmapped */
	s->ro = m + 6 * 4096;
	munmap(s->hole, 2 * 4096);
	fill(s->buf, PAIR_LEN, who);
	fill(s->ro, 4096, who);
	mprotect(s->ro, 4096, PROT_READ);
	s->big = malloc(BIG); /* a mapping of its own, too large for the hole */
	fill(s->big, BIG, who);
}

/* The checks one side makes on the other (@peer's addresses: the same, a fork child). */
static void poke(const char *me, pid_t peer, struct side *mine, int peer_who)
{
	static char in[PAIR_LEN + 64];
	char label[128];
	ssize_t n;

	/* Unaligned, uneven segments on both sides. */
	struct iovec l3[3] = { { in, 5 }, { in + 5, 4096 }, { in + 4101, PAIR_LEN - 4101 } };
	struct iovec r2[2] = { { mine->buf, 4000 }, { mine->buf + 4000, PAIR_LEN - 4000 } };
	memset(in, 0, sizeof(in));
	n = process_vm_readv(peer, l3, 3, r2, 2, 0);
	snprintf(label, sizeof(label), "%s readv 3x2 segments", me);
	result(label, n, PAIR_LEN);
	printf("%s data: %s\n", me, first_bad(in, PAIR_LEN, 0, peer_who) == PAIR_LEN ? "as written" : "WRONG");

	/* Many small segments: 1024 of 7 bytes. */
	static struct iovec many[1024];
	for (int i = 0; i < 1024; i++)
		many[i] = (struct iovec){ in + (size_t)i * 7 % 4096, 7 };
	struct iovec rmany = { mine->buf + 100, 7 * 1024 };
	n = process_vm_readv(peer, many, 1024, &rmany, 1, 0);
	snprintf(label, sizeof(label), "%s readv 1024 local segments", me);
	result(label, n, 7 * 1024);

	/* A large transfer, one segment each side (Open MPI's single copy). */
	char *big = malloc(BIG);
	struct iovec lb = { big, BIG }, rb = { mine->big, BIG };
	memset(big, 0, BIG);
	n = process_vm_readv(peer, &lb, 1, &rb, 1, 0);
	snprintf(label, sizeof(label), "%s readv 4 MiB", me);
	result(label, n, BIG);
	printf("%s 4 MiB data: %s\n", me, first_bad(big, BIG, 0, peer_who) == BIG ? "as written" : "WRONG");
	/* Write it back into the peer, shifted by one byte (the peer checks). */
	struct iovec rbw = { mine->big + 1, BIG - 1 };
	n = process_vm_writev(peer, &lb, 1, &rbw, 1, 0);
	snprintf(label, sizeof(label), "%s writev 4 MiB - 1", me);
	result(label, n, BIG - 1);
	free(big);

	/* The peer's shared file mapping, across its two pages. */
	struct iovec ls = { in, 8000 }, rsh = { mine->shm + 100, 8000 };
	n = process_vm_readv(peer, &ls, 1, &rsh, 1, 0);
	snprintf(label, sizeof(label), "%s readv of shared memory", me);
	result(label, n, 8000);
	printf("%s shared data: %s\n", me, first_bad(in, 8000, 100, peer_who) == 8000 ? "as written" : "WRONG");
	memset(in, 0x5a, 8000);
	n = process_vm_writev(peer, &ls, 1, &rsh, 1, 0);
	snprintf(label, sizeof(label), "%s writev into shared memory", me);
	result(label, n, 8000);
	memset(in, 0, 8000);
	n = process_vm_readv(peer, &ls, 1, &rsh, 1, 0);
	printf("%s shared data read back: %zd %s\n", me, n, memchr(in, 0, 8000) ? "WRONG" : "as written");

	/* Partial: the remote range runs into the hole after the buffer's pages. */
	struct iovec lp = { in, 6000 }, rp = { mine->hole - 1000, 6000 };
	n = process_vm_readv(peer, &lp, 1, &rp, 1, 0);
	snprintf(label, sizeof(label), "%s readv into a remote hole", me);
	result(label, n, 6000);
	/* Partial: the second local segment is a hole of ours. */
	struct iovec lh[2] = { { in, 1000 }, { mine->hole, 1000 } }, rh = { mine->buf, 2000 };
	n = process_vm_readv(peer, lh, 2, &rh, 1, 0);
	snprintf(label, sizeof(label), "%s readv into a local hole", me);
	result(label, n, 2000);
	n = process_vm_writev(peer, lh, 2, &rh, 1, 0);
	snprintf(label, sizeof(label), "%s writev from a local hole", me);
	result(label, n, 2000);
	/* Nothing at all. */
	rp.iov_base = mine->hole;
	n = process_vm_readv(peer, &lp, 1, &rp, 1, 0);
	snprintf(label, sizeof(label), "%s readv of a remote hole", me);
	result(label, n, 6000);
	lp.iov_base = mine->hole;
	rp.iov_base = mine->buf;
	n = process_vm_writev(peer, &lp, 1, &rp, 1, 0);
	snprintf(label, sizeof(label), "%s writev from a local hole only", me);
	result(label, n, 6000);
	lp.iov_base = in;
	/* The peer's read-only page: readable, not writable. */
	struct iovec lr = { in, 4096 }, rr = { mine->ro, 4096 };
	n = process_vm_readv(peer, &lr, 1, &rr, 1, 0);
	snprintf(label, sizeof(label), "%s readv of read-only", me);
	result(label, n, 4096);
	printf("%s read-only data: %s\n", me, first_bad(in, 4096, 0, peer_who) == 4096 ? "as written" : "WRONG");
	n = process_vm_writev(peer, &lr, 1, &rr, 1, 0);
	snprintf(label, sizeof(label), "%s writev into read-only", me);
	result(label, n, 4096);
	/* Into our own read-only page: EFAULT. */
	lr.iov_base = mine->ro;
	rr.iov_base = mine->buf;
	n = process_vm_readv(peer, &lr, 1, &rr, 1, 0);
	snprintf(label, sizeof(label), "%s readv into own read-only", me);
	result(label, n, 4096);
	/* Bad arguments. */
	struct iovec l1 = { in, 16 }, r1 = { mine->buf, 16 };
	n = process_vm_readv(peer, &l1, 1, &r1, 1, 1);
	snprintf(label, sizeof(label), "%s flags 1", me);
	result(label, n, 16);
	n = process_vm_readv(peer, many, 1025, &r1, 1, 0);
	snprintf(label, sizeof(label), "%s 1025 local segments", me);
	result(label, n, 16);
	n = process_vm_readv(peer, &l1, 1, many, 1025, 0);
	snprintf(label, sizeof(label), "%s 1025 remote segments", me);
	result(label, n, 16);
	struct iovec neg = { in, (size_t)-1 };
	n = process_vm_readv(peer, &neg, 1, &r1, 1, 0);
	snprintf(label, sizeof(label), "%s negative local length", me);
	result(label, n, 16);
	n = process_vm_readv(peer, &l1, 1, &neg, 1, 0);
	snprintf(label, sizeof(label), "%s negative remote length", me);
	result(label, n, 16);
	n = process_vm_readv(peer, (struct iovec *)mine->hole, 1, &r1, 1, 0);
	snprintf(label, sizeof(label), "%s local iovec array unreadable", me);
	result(label, n, 16);
	n = process_vm_readv(peer, &l1, 1, (struct iovec *)mine->hole, 1, 0);
	snprintf(label, sizeof(label), "%s remote iovec array unreadable", me);
	result(label, n, 16);
	n = process_vm_readv(0x7ffffff0, &l1, 1, &r1, 1, 0);
	snprintf(label, sizeof(label), "%s no such pid", me);
	result(label, n, 16);
	n = process_vm_readv(0x7ffffff0, &l1, 0, &r1, 1, 0);
	snprintf(label, sizeof(label), "%s nothing to copy, no such pid", me);
	result(label, n, 0);
	/* Itself. */
	struct iovec rs = { mine->buf, 16 };
	n = process_vm_readv(getpid(), &l1, 1, &rs, 1, 0);
	snprintf(label, sizeof(label), "%s readv of itself", me);
	result(label, n, 16);
	fflush(stdout);
}

static int pair(void)
{
	int p2c[2], c2p[2];
	struct side s;
	pid_t child;
	int status;

	/* Yama (ptrace_scope 1) would keep the child from its parent natively. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (pipe(p2c) || pipe(c2p))
		return 1;
	fflush(stdout);
	child = fork();
	if (child < 0)
		return 1;
	side_init(&s, child ? 1 : 2);
	if (!child) {
		sync_write(c2p[1]);		/* ready */
		sync_read(p2c[0]);		/* the parent is done with us */
		printf("child sees its buffer: %s\n",
		       first_bad(s.big + 1, BIG - 1, 0, 2) == BIG - 1 ? "the parent's 4 MiB" : "WRONG");
		poke("child", getppid(), &s, 1);
		sync_write(c2p[1]);
		sync_read(p2c[0]);
		if (getuid() == 0) {
			/* Dropped privileges: the root parent is out of reach. */
			struct iovec l1 = { s.buf, 16 }, r1 = { s.buf, 16 };
			if (setresuid(65534, 65534, 65534))
				return 1;
			result("child as 65534 readv of root parent", process_vm_readv(getppid(), &l1, 1, &r1, 1, 0), 16);
			result("child as 65534 writev into root parent", process_vm_writev(getppid(), &l1, 1, &r1, 1, 0), 16);
			fflush(stdout);
			sync_write(c2p[1]);
			sync_read(p2c[0]);
		}
		return 0;
	}
	sync_read(c2p[0]);
	poke("parent", child, &s, 2);
	sync_write(p2c[1]);
	sync_read(c2p[0]);
	printf("parent sees its buffer: %s\n",
	       first_bad(s.big + 1, BIG - 1, 0, 1) == BIG - 1 ? "the child's 4 MiB" : "WRONG");
	fflush(stdout);
	sync_write(p2c[1]);
	if (getuid() == 0) {
		struct iovec l1 = { s.buf, 16 }, r1 = { s.buf, 16 };
		sync_read(c2p[0]);
		result("root parent readv of child as 65534", process_vm_readv(child, &l1, 1, &r1, 1, 0), 16);
		fflush(stdout);
		sync_write(p2c[1]);
	}
	waitpid(child, &status, 0);
	printf("child status %d\n", status);
	/* A child that is gone: ESRCH. */
	struct iovec l1 = { s.buf, 16 }, r1 = { s.buf, 16 };
	result("parent readv of a reaped child", process_vm_readv(child, &l1, 1, &r1, 1, 0), 16);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pair"))
		return pair();
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return serve();
	if (argc > 4 && !strcmp(argv[1], "peek"))
		return peek(atoi(argv[2]), strtoul(argv[3], NULL, 16), strtoul(argv[4], NULL, 16));
	fprintf(stderr, "usage: pvm serve | pvm peek PID ADDR ROADDR | pvm pair\n");
	return 2;
}
