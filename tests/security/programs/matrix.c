// SPDX-License-Identifier: GPL-2.0
// Every call that changes a mapping, applied to every kind of mapping, and the
// offloaded calls aimed at mcexec itself, from an unprivileged LWK program;
// argv[1] picks the case (see usage()). One line per check (report.h), so a run
// under mcexec compares line by line with the native run as the same user.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <mcexec/abi.h>

#include "report.h"

#define FAR ((void *)0x500000000000ul)	/* mcexec's memory; unmapped natively */
#define FILE_PAGES 8			/* the files the script makes: page i is all 'a' + i */
#define MAP_PAGES 4			/* the mapping each check starts from */
#define SLOT_PAGES 16			/* reserved for it, so growing in place is possible */

/* ---- Case 9: the mapping matrix ---- */

static char *slot;		/* SLOT_PAGES reserved at start; every check maps here */
static int tgt_fd = -1;		/* the file, or -1 for anonymous memory */
static int tgt_type;		/* MAP_PRIVATE or MAP_SHARED */

/* A fresh MAP_PAGES mapping at the slot, the rest of the slot free. */
static char *fresh(int prot)
{
	char *m;

	munmap(slot, SLOT_PAGES * PAGE);
	if (tgt_fd >= 0)
		return mmap(slot, MAP_PAGES * PAGE, prot, tgt_type | MAP_FIXED, tgt_fd, 0);
	m = mmap(slot, MAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (m == MAP_FAILED)
		return m;
	for (int i = 0; i < MAP_PAGES; i++)
		memset(m + i * PAGE, 'a' + i, PAGE);	/* what a file would hold */
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(m, MAP_PAGES * PAGE, prot))
		die("mprotect fresh anonymous");
	return m;
}

static char shown(char c)
{
	return c ? c : '0';
}

/* "what: " and the first byte of each of @pages pages at @m. */
static void data(const char *what, const char *m, int pages)
{
	printf("%s: ", what);
	for (int i = 0; i < pages; i++)
		putchar(shown(m[i * PAGE]));
	putchar('\n');
}

/* The file as Linux has it: the first 12 bytes of each page. */
static void file_line(const char *path)
{
	char buf[12];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open file to check");
	printf("file:");
	for (int i = 0; i < FILE_PAGES; i++) {
		if (pread(fd, buf, sizeof(buf), i * PAGE) != sizeof(buf))
			die("pread file");
		printf(" ");
		for (size_t k = 0; k < sizeof(buf); k++)
			putchar(shown(buf[k]));
	}
	printf("\n");
	close(fd);
}

/* A mapping's result at a fixed place: "ok" there, "moved", or its errno. */
static void report_at(const char *what, void *ret, void *want)
{
	if (ret == MAP_FAILED)
		printf("%s: %s\n", what, errno_name(errno));
	else
		printf("%s: %s\n", what, ret == want ? "ok" : "moved");
}

/*
 * @target: anon, or private-/shared- and rdonly/wronly/rdwr: the file @path
 * (FILE_PAGES pages, the owner's) opened so and mapped so. Every check starts
 * from a fresh mapping; writes that may reach the file go to their own byte
 * (check k writes byte k of a page), so the file line at the end tells which did.
 */
static int map_matrix(const char *target, const char *path)
{
	unsigned char vec[SLOT_PAGES];
	int w, prot;
	char *m, *r;

	slot = mmap(NULL, SLOT_PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slot == MAP_FAILED)
		die("reserve slot");
	if (strcmp(target, "anon")) {
		const char *mode = strchr(target, '-');
		int flags = !mode ? -1 : !strcmp(mode, "-rdonly") ? O_RDONLY : !strcmp(mode, "-wronly") ? O_WRONLY :
			    !strcmp(mode, "-rdwr") ? O_RDWR : -1;

		if (flags < 0 || !path)
			return 2;
		tgt_type = !strncmp(target, "shared-", 7) ? MAP_SHARED : MAP_PRIVATE;
		tgt_fd = open(path, flags);
		if (tgt_fd < 0)
			die("open file");
	}

	/* MAP_FIXED onto the reserved slot, read-only and read-write. */
	m = fresh(PROT_READ);
	report_at("mmap-fixed-r", m, slot);
	r = fresh(PROT_READ | PROT_WRITE);
	report_at("mmap-fixed-rw", r, slot);
	if (m == MAP_FAILED && r == MAP_FAILED) {
		if (path)
			file_line(path);
		printf("done\n");
		return 0;
	}
	w = r != MAP_FAILED;	/* may the program write it (private copies included)? */
	prot = w ? PROT_READ | PROT_WRITE : PROT_READ;

	/* mprotect and pkey_mprotect (key -1) adding PROT_WRITE. */
	m = fresh(PROT_READ);
	data("data", m, MAP_PAGES);
	report("mprotect-rw", mprotect(m, MAP_PAGES * PAGE, PROT_READ | PROT_WRITE));
	if (w)
		m[0 * PAGE + 1] = 'A';
	m = fresh(PROT_READ);
	report("pkey_mprotect-rw", syscall(SYS_pkey_mprotect, m, MAP_PAGES * PAGE, PROT_READ | PROT_WRITE, -1));
	if (w)
		m[1 * PAGE + 2] = 'B';
	m = fresh(PROT_READ);
	report("read-into-r", read_pipe_into(m + 3 * PAGE + 4, 4));

	/* Taking access away: offloaded calls must lose it too. */
	if (w) {
		m = fresh(PROT_READ | PROT_WRITE);
		m[2 * PAGE + 3] = 'C';
		report("read-into-rw", read_pipe_into(m + 2 * PAGE + 4, 4));
		report("mprotect-r", mprotect(m, MAP_PAGES * PAGE, PROT_READ));
		report("read-into-after-mprotect-r", read_pipe_into(m + 3 * PAGE + 4, 4));
		report("mprotect-none", mprotect(m, MAP_PAGES * PAGE, PROT_NONE));
		report("read-into-after-mprotect-none", read_pipe_into(m + 3 * PAGE + 4, 4));
		report("mprotect-r-again", mprotect(m, MAP_PAGES * PAGE, PROT_READ));
		data("data-after-mprotect", m, MAP_PAGES);
	}

	/* munmap of a middle page. */
	m = fresh(prot);
	report("munmap-middle", munmap(m + PAGE, PAGE));
	report("mincore-with-hole", mincore(m, MAP_PAGES * PAGE, vec));
	report("read-into-hole", read_pipe_into(m + PAGE, 4));
	printf("data-around-hole: %c%c%c\n", shown(m[0]), shown(m[2 * PAGE]), shown(m[3 * PAGE]));

	/* madvise: private pages go (file ones read the file again), shared ones stay. */
	m = fresh(prot);
	if (w)
		m[1 * PAGE + 5] = 'D';
	report("madvise-dontneed", madvise(m + PAGE, PAGE, MADV_DONTNEED));
	printf("after-dontneed: %c%c\n", shown(m[PAGE]), shown(m[PAGE + 5]));
	m = fresh(prot);
	if (w)
		m[2 * PAGE + 6] = 'E';
	report("madvise-free", madvise(m + 2 * PAGE, PAGE, MADV_FREE));
	printf("after-free: %c%c\n", shown(m[2 * PAGE]), shown(m[2 * PAGE + 6]));

	/* mlock, munlock, msync. */
	m = fresh(prot);
	report("mlock", mlock(m, MAP_PAGES * PAGE));
	report("munlock", munlock(m, MAP_PAGES * PAGE));
	report("mlock2-onfault", syscall(SYS_mlock2, m, MAP_PAGES * PAGE, 1 /* MLOCK_ONFAULT */));
	report("munlock-again", munlock(m, MAP_PAGES * PAGE));
	if (w)
		m[3 * PAGE + 7] = 'F';
	report("msync-sync", msync(m, MAP_PAGES * PAGE, MS_SYNC));
	report("msync-async-invalidate", msync(m, MAP_PAGES * PAGE, MS_ASYNC | MS_INVALIDATE));
	report("msync-sync-and-async", msync(m, MAP_PAGES * PAGE, MS_SYNC | MS_ASYNC));
	report("msync-unaligned", msync(m + 1, PAGE, MS_SYNC));

	/* mremap: shrink, grow in place (the slot is free after the mapping), move. */
	m = fresh(prot);
	report_at("mremap-shrink", mremap(m, MAP_PAGES * PAGE, 2 * PAGE, 0), m);
	report("read-into-shrunk-away", read_pipe_into(m + 2 * PAGE, 4));
	report("mincore-shrunk-away", mincore(m + 2 * PAGE, PAGE, vec));
	m = fresh(prot);
	r = mremap(m, MAP_PAGES * PAGE, 6 * PAGE, 0);
	report_at("mremap-grow", r, m);
	/* The mark goes to a page the old mapping has too: the file ends the same when the LWK refuses. */
	if (r != MAP_FAILED) {
		data("mremap-grow-data", r, 6);
		if (w)
			r[3 * PAGE + 8] = 'G';
	} else {
		printf("mremap-grow-data: none\n");
		if (w)
			m[3 * PAGE + 8] = 'G';
	}
	m = fresh(prot);
	if (mmap(m + MAP_PAGES * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		die("map blocker");
	r = mremap(m, MAP_PAGES * PAGE, 6 * PAGE, MREMAP_MAYMOVE);
	report_at("mremap-move", r, m);
	if (r != MAP_FAILED && r != m) {
		data("mremap-move-data", r, 6);
		report("mincore-moved-away", mincore(m, PAGE, vec));
		if (w)
			r[1 * PAGE + 9] = 'H';
		munmap(r, 6 * PAGE);
	} else {
		printf("mremap-move-data: none\n");
		printf("mincore-moved-away: none\n");
		if (w && r == MAP_FAILED)
			m[1 * PAGE + 9] = 'H';
	}

	/* MAP_FIXED over part of the mapping: anonymous memory, then the file's page 4. */
	m = fresh(prot);
	report_at("mmap-fixed-anon-over", mmap(m + PAGE, PAGE, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), m + PAGE);
	m[PAGE + 10] = 'I';
	if (tgt_fd >= 0) {
		r = mmap(m + 2 * PAGE, PAGE, prot, tgt_type | MAP_FIXED, tgt_fd, 4 * PAGE);
		report_at("mmap-fixed-file-over", r, m + 2 * PAGE);
		if (r != MAP_FAILED && w)
			m[2 * PAGE + 11] = 'J';
	}
	data("data-after-fixed", m, MAP_PAGES);
	munmap(slot, SLOT_PAGES * PAGE);

	if (path)
		file_line(path);
	printf("done\n");
	return 0;
}

/* Case 9: brk shrink and grow; pages past the break read as zero when it grows again. */
static int brk_matrix(void)
{
	char *cur = (char *)syscall(SYS_brk, 0), *b;

	b = (char *)(((uintptr_t)cur + PAGE - 1) & ~(PAGE - 1));
	printf("brk-grow: %s\n", (char *)syscall(SYS_brk, b + 4 * PAGE) == b + 4 * PAGE ? "ok" : "refused");
	memset(b, 'h', 4 * PAGE);
	printf("brk-shrink: %s\n", (char *)syscall(SYS_brk, b + PAGE) == b + PAGE ? "ok" : "refused");
	printf("brk-below-start: %s\n", (char *)syscall(SYS_brk, 0x10000ul) == b + PAGE ? "unchanged" : "changed");
	printf("brk-regrow: %s\n", (char *)syscall(SYS_brk, b + 4 * PAGE) == b + 4 * PAGE ? "ok" : "refused");
	printf("regrown-data: %c%c%c\n", shown(b[0]), shown(b[PAGE + 8]), shown(b[3 * PAGE + 8]));
	report("read-into-regrown", read_pipe_into(b + 2 * PAGE, 4));

	/* A heap page made read-only, given back and grown again is a new, writable page. */
	report("mprotect-heap-page-r", mprotect(b + 2 * PAGE, PAGE, PROT_READ));
	printf("brk-shrink-past-r: %s\n", (char *)syscall(SYS_brk, b + PAGE) == b + PAGE ? "ok" : "refused");
	printf("brk-regrow-past-r: %s\n", (char *)syscall(SYS_brk, b + 4 * PAGE) == b + 4 * PAGE ? "ok" : "refused");
	report("read-into-regrown-past-r", read_pipe_into(b + 2 * PAGE, 4));
	printf("regrown-past-r-data: %c\n", shown(b[2 * PAGE + 8]));
	b[2 * PAGE + 8] = 'w';	/* SIGSEGV if the old protection stayed */
	printf("write-regrown-past-r: ok\n");
	printf("done\n");
	return 0;
}

/* ---- Case 10: a shared read-only mapping of a writable file made writable ---- */

static int shared_repin(const char *path)
{
	int fd = open(path, O_RDWR);
	char *m;
	long r;

	if (fd < 0)
		die("open own file");
	/*
	 * Whole mapping. Each write only where the mprotect before it succeeded,
	 * so one refusal hides no later check.
	 */
	m = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	report_map("mmap-r-shared", m);
	if (m == MAP_FAILED)
		return 1;
	report("mprotect-rw", r = mprotect(m, 4 * PAGE, PROT_READ | PROT_WRITE));
	if (!r)
		m[0 * PAGE + 1] = 'R';
	report("read-into-repinned", read_pipe_into(m + 1 * PAGE + 4, 4));
	report("msync", msync(m, 4 * PAGE, MS_SYNC));
	report("mprotect-r", mprotect(m, 4 * PAGE, PROT_READ));
	report("mprotect-rw-again", r = mprotect(m, 4 * PAGE, PROT_READ | PROT_WRITE));
	if (!r)
		m[2 * PAGE + 1] = 'U';
	data("data", m, 4);
	report("munmap", munmap(m, 4 * PAGE));

	/* Split by an mprotect of a middle page, then all of it made writable. */
	m = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 4 * PAGE);
	report_map("mmap-r-shared-split", m);
	if (m == MAP_FAILED)
		return 1;
	report("mprotect-none-middle", mprotect(m + PAGE, PAGE, PROT_NONE));
	report("mprotect-rw-split", r = mprotect(m, 4 * PAGE, PROT_READ | PROT_WRITE));
	for (int i = 0; i < 4 && !r; i++)
		m[i * PAGE + 2] = 'S';
	report("read-into-split", read_pipe_into(m + 1 * PAGE + 4, 4));
	data("data-split", m, 4);

	/* A middle page made writable alone, then the first, then all. */
	m = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	report_map("mmap-r-shared-pieces", m);
	if (m == MAP_FAILED)
		return 1;
	report("mprotect-rw-middle", r = mprotect(m + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE));
	if (!r)
		m[2 * PAGE + 3] = 'T';
	report("mprotect-rw-first", r = mprotect(m, PAGE, PROT_READ | PROT_WRITE));
	if (!r)
		m[0 * PAGE + 3] = 'T';
	report("mprotect-rw-all", r = mprotect(m, 4 * PAGE, PROT_READ | PROT_WRITE));
	if (!r) {
		m[1 * PAGE + 3] = 'T';
		m[3 * PAGE + 3] = 'T';
	}
	data("data-pieces", m, 4);
	close(fd);
	file_line(path);
	printf("done\n");
	return 0;
}

/* ---- Case 11: sealed memfds ---- */

static int sealed_memfd(const char *name, int fill)
{
	char buf[2 * PAGE];
	int fd = syscall(SYS_memfd_create, name, MFD_ALLOW_SEALING);

	if (fd < 0)
		die("memfd_create");
	memset(buf, fill, sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != sizeof(buf))
		die("write memfd");
	return fd;
}

static void memfd_data(const char *what, int fd)
{
	char buf[4];

	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
		die("pread memfd");
	printf("%s: %c%c%c%c\n", what, shown(buf[0]), shown(buf[1]), shown(buf[2]), shown(buf[3]));
}

static int memfd_seals(void)
{
	int fd;
	char *m, *p;

	/* F_SEAL_WRITE: no writable shared mapping, no way to make one writable. */
	fd = sealed_memfd("sec-seal-write", 's');
	report("add-seal-write", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	report_map("mmap-rw-shared-sealed-write", mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	report_map("mmap-r-shared-sealed-write", m);
	if (m != MAP_FAILED) {
		report("mprotect-rw-sealed-write", mprotect(m, 2 * PAGE, PROT_READ | PROT_WRITE));
		report("pkey_mprotect-rw-sealed-write",
		       syscall(SYS_pkey_mprotect, m, 2 * PAGE, PROT_READ | PROT_WRITE, -1));
		report("read-into-sealed-write", read_pipe_into(m + 4, 4));
	}
	report("pwrite-sealed-write", pwrite(fd, "x", 1, 0));
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	report_map("mmap-rw-private-sealed-write", p);
	if (p != MAP_FAILED)
		p[0] = 'P';
	memfd_data("sealed-write-data", fd);
	close(fd);

	/* F_SEAL_FUTURE_WRITE: mappings made before keep writing, later ones cannot. */
	fd = sealed_memfd("sec-seal-future-write", 'f');
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report_map("mmap-rw-shared-before-seal", p);
	report("add-seal-future-write", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	if (p != MAP_FAILED)
		p[0] = 'W';
	m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	report_map("mmap-r-shared-future-write", m);
	if (m != MAP_FAILED) {
		report("mprotect-rw-future-write", mprotect(m, 2 * PAGE, PROT_READ | PROT_WRITE));
		report("pkey_mprotect-rw-future-write",
		       syscall(SYS_pkey_mprotect, m, 2 * PAGE, PROT_READ | PROT_WRITE, -1));
		report("read-into-future-write", read_pipe_into(m + 4, 4));
		printf("future-write-mapping-sees: %c\n", shown(m[0]));
	}
	report_map("mmap-rw-shared-future-write", mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	memfd_data("future-write-data", fd);
	close(fd);

	/* F_SEAL_WRITE while a writable shared mapping exists, and after it is gone. */
	fd = sealed_memfd("sec-seal-later", 'l');
	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report_map("mmap-rw-shared-then-seal", p);
	report("add-seal-write-while-mapped-rw", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	if (p != MAP_FAILED)
		report("munmap-rw-shared", munmap(p, 2 * PAGE));
	report("add-seal-write-after-munmap", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	close(fd);
	printf("done\n");
	return 0;
}

/* ---- Case 12: offloaded calls aimed at mcexec (the same answers natively) ---- */

static void socket_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		die("socketpair");
}

/* sendmsg carrying @fd with SCM_RIGHTS. */
static long send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0);
}

static int mcexec_io(int which)
{
	char buf[64] = "0123456789abcdef";
	struct iovec good = { buf, 16 }, far = { FAR, 16 };
	struct msghdr msg = { .msg_iov = &good, .msg_iovlen = 1 };
	int sv[2], p[2];

	switch (which) {
	case 0:
		socket_pair(sv);
		report("sendmsg-scm-rights-fd1000", send_fd(sv[0], 1000));
		report("sendmsg-scm-rights-fd1001", send_fd(sv[0], 1001));
		report("sendmsg-scm-rights-fd0", send_fd(sv[0], 0));	/* positive control */
		break;
	case 1:
		socket_pair(sv);
		msg.msg_iov = &far;
		report("sendmsg-iov-far", sendmsg(sv[0], &msg, 0));
		break;
	case 2:
		socket_pair(sv);
		if (send(sv[0], buf, 16, 0) != 16)
			die("send");
		msg.msg_iov = &far;
		report("recvmsg-iov-far", recvmsg(sv[1], &msg, 0));
		break;
	case 3:
		if (pipe(p))
			die("pipe");
		report("writev-far", writev(p[1], &far, 1));
		break;
	case 4:
		pipe_with(p, 0x5a, 16);
		report("readv-far", readv(p[0], &far, 1));
		break;
	case 5:
		socket_pair(sv);
		msg.msg_name = FAR;
		msg.msg_namelen = sizeof(struct sockaddr_un);
		report("sendmsg-name-far", sendmsg(sv[0], &msg, 0));
		msg.msg_name = NULL;
		msg.msg_namelen = 0;
		msg.msg_control = FAR;
		msg.msg_controllen = CMSG_SPACE(sizeof(int));
		report("sendmsg-control-far", sendmsg(sv[0], &msg, 0));
		break;
	case 6: {
		/* A named sender, so that receiving writes its address into msg_name. */
		struct sockaddr_un rx = { .sun_family = AF_UNIX }, tx = { .sun_family = AF_UNIX };
		socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + 24;
		int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);

		snprintf(rx.sun_path + 1, 24, "sec-rx-%d", getpid());
		snprintf(tx.sun_path + 1, 24, "sec-tx-%d", getpid());
		if (r < 0 || s < 0 || bind(r, (struct sockaddr *)&rx, len) || bind(s, (struct sockaddr *)&tx, len))
			die("bind");
		if (sendto(s, buf, 16, 0, (struct sockaddr *)&rx, len) != 16)
			die("sendto");
		msg.msg_name = FAR;
		msg.msg_namelen = sizeof(struct sockaddr_un);
		report("recvmsg-name-far", recvmsg(r, &msg, MSG_DONTWAIT));
		break;
	}
	case 7: {
		struct iovec local = { buf, 16 };

		report("process_vm_writev-self-remote-far", process_vm_writev(getpid(), &local, 1, &far, 1, 0));
		report("process_vm_writev-self-local-far", process_vm_writev(getpid(), &far, 1, &local, 1, 0));
		break;
	}
	case 8:
		/* mcexec's private requests, and the first number above the table. */
		report("syscall-mck-map-shared", syscall(MCK_SYS_MAP_SHARED, 1, PAGE, PROT_READ | PROT_WRITE, 0, 0x1000, 0));
		report("syscall-mck-shared-writable", syscall(MCK_SYS_SHARED_WRITABLE, FAR, PAGE, 0x1000, 0, 0, 0));
		report("syscall-mck-child-reap", syscall(MCK_SYS_CHILD_REAP, MCK_CHILD_REAP_IGNORE, 0, 0, 0, 0, 0));
		report("syscall-602", syscall(602, 0, 0, 0, 0, 0, 0));
		break;
	case 9: {
		/* Pointers inside the structures an argument points to. */
		struct sock_fprog fprog = { .len = 1, .filter = FAR };
		struct timespec zero = { 0, 0 };
		uint64_t sigset = 0, far_sig[2] = { (uintptr_t)FAR, 8 }, own_sig[2] = { (uintptr_t)&sigset, 8 };
		/*
		 * A valid array map (type, key and value size, entries): Linux 6.5+
		 * checks the attributes before unprivileged_bpf_disabled, so an
		 * invalid one would be EINVAL there and EPERM on 6.1.
		 */
		union { uint32_t words[4]; char bytes[128]; } attr = { .words = { 2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1 } };

		socket_pair(sv);
		report("setsockopt-filter-far", setsockopt(sv[0], SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)));
		report("pselect6-sigset-far", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &zero, far_sig));
		report("pselect6-sigset-own", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &zero, own_sig));
		report("bpf-map-create", syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, &attr, sizeof(attr)));
		break;
	}
	default:
		return 2;
	}
	printf("done\n");
	return 0;
}

/* ---- Case 13: what only mcexec refuses (not comparable with a native run) ---- */

static int mcexec_only(int which)
{
	char path[64];
	int fd;

	switch (which) {
	case 0: {
		/* mcexec's device, opened by the program: one program per mcexec. */
		struct mcexec_create create = { .version = MCEXEC_ABI_VERSION };

		fd = open("/dev/mcos0", O_RDWR | O_CLOEXEC);
		report("open-dev-mcos0", fd < 0 ? -1 : 0);
		report("ioctl-mcexec-create", ioctl(fd, MCEXEC_CREATE, &create));
		if (fd >= 0)
			close(fd);
		break;
	}
	case 1:
		snprintf(path, sizeof(path), "/proc/self/task/%ld/mem", (long)syscall(SYS_gettid));
		fd = open(path, O_RDONLY);
		report("open-proc-self-task-tid-mem", fd < 0 ? -1 : 0);
		fd = open(path, O_RDWR);
		report("open-proc-self-task-tid-mem-rdwr", fd < 0 ? -1 : 0);
		fd = open("/proc/thread-self/mem", O_RDWR);
		report("open-proc-thread-self-mem-rdwr", fd < 0 ? -1 : 0);
		break;
	case 2:
		/* Strict mode on mcexec's thread would kill mcexec at its next call. */
		report("prctl-set-seccomp-strict", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0));
		report("prctl-set-seccomp-filter-far", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, FAR, 0, 0));
		report("seccomp-strict", syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL));
		printf("alive-after-seccomp: yes\n");
		break;
	case 3: {
		/* Traps armed on mcexec's worker: SIGSYS at its next call of its own
		 * (syscall user dispatch with the selector on "block"), SIGSEGV at its
		 * next clock read (PR_TSC_SIGSEGV). */
		static volatile char selector = 1; /* SYSCALL_DISPATCH_FILTER_BLOCK */
		int tsc = 0;
		struct timespec ts;

		report("prctl-syscall-user-dispatch-on",
		       prctl(59 /* PR_SET_SYSCALL_USER_DISPATCH */, 1 /* PR_SYS_DISPATCH_ON */, 0, 0, &selector));
		report("getppid-after-dispatch", syscall(SYS_getppid) > 0 ? 0 : -1);
		report("prctl-set-tsc-sigsegv", prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0));
		report("prctl-get-tsc", prctl(PR_GET_TSC, &tsc, 0, 0, 0));
		printf("tsc-mode: %d\n", tsc);
		report("prctl-set-tsc-enable", prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));
		int failed = 0;
		for (int i = 0; i < 20; i++) /* offloaded calls: the workers run on */
			failed |= clock_gettime(CLOCK_REALTIME, &ts) | close(open("/proc/self/status", O_RDONLY));
		report("clock-and-files-after", failed ? -1 : 0);
		printf("alive-after-prctl: yes\n");
		break;
	}
	case 4: {
		/* A Landlock domain would confine only the worker that served
		 * the call; the program's later calls run in any worker. */
		struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE};
		long rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
		int opened = 0;

		report("landlock-abi-version",
		       syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) < 0 ? -1 : 0);
		report("landlock-create-ruleset", rs < 0 ? -1 : 0);
		report("no-new-privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
		report("landlock-restrict-self", syscall(SYS_landlock_restrict_self, rs, 0));
		for (int i = 0; i < 40; i++) {
			fd = open("/etc/hostname", O_RDONLY);
			opened += fd >= 0;
			if (fd >= 0)
				close(fd);
		}
		printf("opens-after: %d of 40\n", opened);
		break;
	}
	case 5: {
		/* Speculation controls: Linux's would be the worker's, while the
		 * program runs on an LWK CPU, whose controls nobody sets. */
		long st = prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0);

		printf("spec-store-bypass-control: %s\n", st < 0 ? errno_name(errno) : (st & PR_SPEC_PRCTL) ? "per-task" : "none");
		report("prctl-set-spec-store-bypass-disable",
		       prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE, 0, 0));
		st = prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0);
		printf("spec-store-bypass-disabled-after: %s\n",
		       st > 0 && (st & (PR_SPEC_DISABLE | PR_SPEC_FORCE_DISABLE)) ? "yes" : "no");
		report("prctl-get-spec-unknown", prctl(PR_GET_SPECULATION_CTRL, 99, 0, 0, 0));
		break;
	}
	default:
		return 2;
	}
	printf("done\n");
	return 0;
}

/* ---- Case 14: another thread flips an iovec's base while writev runs ---- */

static struct iovec race_iov;
static atomic_int race_stop;
static char race_buf[16] = "0123456789abcdef";

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&race_stop, memory_order_relaxed)) {
		*(void *volatile *)&race_iov.iov_base = FAR;
		*(void *volatile *)&race_iov.iov_base = race_buf;
	}
	return NULL;
}

static int iov_race(void)
{
	struct timespec t0, t;
	long other = 0, leaked = 0;
	pthread_t th;
	char got[16];
	int p[2];

	if (pipe(p))
		die("pipe");
	race_iov.iov_base = race_buf;
	race_iov.iov_len = sizeof(race_buf);
	if (pthread_create(&th, NULL, flipper, NULL))
		die("pthread_create");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		long r = writev(p[1], &race_iov, 1);

		if (r == 16) {
			if (read(p[0], got, sizeof(got)) != 16)
				die("read pipe");
			leaked += memcmp(got, race_buf, sizeof(got)) != 0;
		} else if (!(r == -1 && errno == EFAULT)) {
			other++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000l + (t.tv_nsec - t0.tv_nsec) < 1000000000l);
	atomic_store(&race_stop, 1);
	pthread_join(th, NULL);
	printf("writev-neither-16-nor-EFAULT: %ld\n", other);
	printf("writev-wrote-other-bytes: %ld\n", leaked);
	printf("done\n");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: matrix map TARGET [FILE] | brk | shared-repin FILE | memfd-seals | mcexec-io 0-8 |\n"
			"              mcexec-only 0-5 | iov-race\n"
			"TARGET: anon, private-rdonly, private-wronly, private-rdwr, shared-rdonly, shared-wronly,\n"
			"        shared-rdwr\n");
	return 2;
}

int main(int argc, char **argv)
{
	/* Every line out before a check can kill us; no malloc, which would move the break. */
	static char out[4096];

	setvbuf(stdout, out, _IOLBF, sizeof(out));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "map"))
		return map_matrix(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 2 && !strcmp(argv[1], "brk"))
		return brk_matrix();
	if (argc == 3 && !strcmp(argv[1], "shared-repin"))
		return shared_repin(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "memfd-seals"))
		return memfd_seals();
	if (argc == 3 && !strcmp(argv[1], "mcexec-io"))
		return mcexec_io(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "mcexec-only"))
		return mcexec_only(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "iov-race"))
		return iov_race();
	return usage();
}
