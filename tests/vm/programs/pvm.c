// SPDX-License-Identifier: GPL-2.0
/*
 * pvm serve | pvm peek PID ADDR ROADDR: process_vm_readv/writev from a Linux
 * process into another one, which under mcexec is an LWK program: Linux pins
 * the LWK's pages through mcexec's view. The output is the same natively and
 * under mcexec (tests/vm/test_process.sh).
 *   serve   prints "PID ADDR ROADDR" (a 64 KiB buffer and a read-only page),
 *           waits for a line on stdin, prints what is now in the buffer.
 *   peek    reads the buffer, writes into it, tries to write the read-only page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
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

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return serve();
	if (argc > 4 && !strcmp(argv[1], "peek"))
		return peek(atoi(argv[2]), strtoul(argv[3], NULL, 16), strtoul(argv[4], NULL, 16));
	fprintf(stderr, "usage: pvm serve | pvm peek PID ADDR ROADDR\n");
	return 2;
}
