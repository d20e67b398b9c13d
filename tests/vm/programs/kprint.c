// SPDX-License-Identifier: GPL-2.0
/* kprint MESSAGE: McKernel's system call 599 copies MESSAGE into the LWK's log. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: kprint MESSAGE\n");
		return 2;
	}
	long n = syscall(599, argv[1]);
	if (n < 0) {
		printf("kprint: %s\n", strerror(errno));
		return 1;
	}
	printf("kprint: %ld bytes\n", n);
	/* A bad pointer is refused, not followed. */
	if (syscall(599, (char *)8) != -1 || errno != EFAULT) {
		printf("kprint: a bad pointer was not refused with EFAULT\n");
		return 1;
	}
	return 0;
}
