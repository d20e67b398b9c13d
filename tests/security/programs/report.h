// SPDX-License-Identifier: GPL-2.0
// What the hostile programs share: one line per check, "name: result", where
// result is an errno name, "ok" (0 or a mapping) or a value, so a run under
// mcexec compares line by line with the native run (tests/security/test_lwk.sh).
#ifndef SECURITY_REPORT_H
#define SECURITY_REPORT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ul
#define MIB (1ul << 20)

static inline const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },   { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },     { EINTR, "EINTR" },
		{ EIO, "EIO" },	      { ENXIO, "ENXIO" },   { EBADF, "EBADF" },     { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },   { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },   { ENOTTY, "ENOTTY" },
		{ ENOSPC, "ENOSPC" }, { ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { EMSGSIZE, "EMSGSIZE" }, { ENOBUFS, "ENOBUFS" },
		{ ENOTSOCK, "ENOTSOCK" },
	};
	static char other[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

/* A system call's result: -1 is its errno, 0 is "ok", anything else the value. */
static inline void report(const char *what, long ret)
{
	if (ret == -1)
		printf("%s: %s\n", what, errno_name(errno));
	else if (ret == 0)
		printf("%s: ok\n", what);
	else
		printf("%s: %ld\n", what, ret);
}

/* A mapping's result: MAP_FAILED is its errno, else "ok". */
static inline void report_map(const char *what, void *ret)
{
	if (ret == MAP_FAILED)
		printf("%s: %s\n", what, errno_name(errno));
	else
		printf("%s: ok\n", what);
}

static inline void die(const char *what)
{
	printf("%s: FAILED (%s)\n", what, errno_name(errno));
	exit(2);
}

static inline void *map_anon(size_t len, int prot)
{
	void *m = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		die("mmap anonymous");
	return m;
}

/* A pipe holding @len bytes of @byte, ready to be read into some address. */
static inline void pipe_with(int p[2], char byte, size_t len)
{
	char buf[256];

	if (len > sizeof(buf) || pipe(p))
		die("pipe");
	memset(buf, byte, len);
	if (write(p[1], buf, len) != (ssize_t)len)
		die("write to pipe");
}

/* read() from a pipe of @len bytes into @addr; what is left is drained. */
static inline long read_pipe_into(void *addr, size_t len)
{
	char rest[256];
	int p[2], e;
	long r;

	pipe_with(p, 0x5a, len);
	r = read(p[0], addr, len);
	e = errno;
	close(p[1]);
	while (read(p[0], rest, sizeof(rest)) > 0)
		;
	close(p[0]);
	errno = e;
	return r;
}

#endif
