// SPDX-License-Identifier: GPL-2.0
/*
 * iov_checks: the iovec arrays of readv, writev, preadv, pwritev, vmsplice and
 * process_vm_readv checked in Linux's order: a negative length (as ssize_t)
 * anywhere is EINVAL, then a kernel address is EFAULT; an unmapped user
 * address faults only where the call touches it. One line per case, the same natively and under
 * mcexec (tests/vm/test_process.sh), where mcexec checks its copy of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *res(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

int main(void)
{
	static char buf[64];
	void *bad = (void *)0x10;			 /* never mapped */
	void *kernel = (void *)0xffff800000000000UL; /* never the caller's */
	const struct {
		const char *what;
		struct iovec iov[2];
	} cases[] = {
		{"length -1", {{buf, (size_t)-1}, {buf, 1}}},
		{"good, then length -1", {{buf, 1}, {buf, (size_t)-1}}},
		{"length 2^63", {{buf, (size_t)1 << 63}, {buf, 1}}},
		{"bad buffer", {{bad, 1}, {buf, 1}}},
		{"bad buffer, then length -1", {{bad, 1}, {buf, (size_t)-1}}},
		{"length -1, then bad buffer", {{buf, (size_t)-1}, {bad, 1}}},
		{"kernel buffer", {{kernel, 1}, {buf, 1}}},
		{"kernel buffer, then length -1", {{kernel, 1}, {buf, (size_t)-1}}},
		{"good, then kernel buffer", {{buf, 1}, {kernel, 1}}},
	};
	int p[2];
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0 || pipe(p))
		return 1;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct iovec *v = cases[i].iov;
		struct iovec remote = {buf, 1};
		printf("%s: readv %s, writev %s, preadv %s, pwritev %s, vmsplice %s, process_vm_readv %s\n",
		       cases[i].what, res(readv(fd, v, 2)), res(writev(fd, v, 2)), res(preadv(fd, v, 2, 0)),
		       res(pwritev(fd, v, 2, 0)), res(vmsplice(p[1], v, 2, SPLICE_F_NONBLOCK)),
		       res(process_vm_readv(getpid(), v, 2, &remote, 1, 0)));
	}
	return 0;
}
