// SPDX-License-Identifier: GPL-2.0
/*
 * Device files mapped MAP_SHARED (vm.devmem): the registers of QEMU's "edu"
 * PCI device and the memory BAR of an ivshmem device, both through their
 * sysfs resource files (Linux maps them VM_IO|VM_PFNMAP, uncached or
 * write-combining), and /dev/zero. Prints what it sees; the test compares the
 * output natively and under mcexec.
 *
 *   devmem all EDU_RES0 IVSHMEM_RES2 IVSHMEM_RES2_WC
 *   devmem poke RES OFFSET TEXT      write TEXT at OFFSET of the mapped BAR
 *   devmem peek RES OFFSET LEN       print LEN bytes at OFFSET
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define EDU_IDENT 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_BUSY 0x01

static sigjmp_buf g_jump;
static volatile sig_atomic_t g_signal;

static void on_fault(int sig)
{
	g_signal = sig;
	siglongjmp(g_jump, 1);
}

/* What a load or a store at @p did: "ok" or the signal's name. */
static const char *touch(volatile uint32_t *p, int write)
{
	g_signal = 0;
	if (sigsetjmp(g_jump, 1) == 0) {
		if (write)
			*p = 0x5a5a5a5a;
		else
			(void)*p;
		return "ok";
	}
	return g_signal == SIGSEGV ? "SIGSEGV" : g_signal == SIGBUS ? "SIGBUS" : "other signal";
}

static void *map_file(const char *path, int flags, size_t len, int prot, int *err)
{
	int fd = open(path, flags);
	void *m;

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	m = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	*err = m == MAP_FAILED ? errno : 0;
	close(fd);
	return m == MAP_FAILED ? NULL : m;
}

static void *must_map(const char *path, size_t len)
{
	int err;
	void *m = map_file(path, O_RDWR, len, PROT_READ | PROT_WRITE, &err);

	if (!m) {
		printf("map %s: %s\n", path, strerror(err));
		exit(1);
	}
	return m;
}

static void edu(const char *res)
{
	volatile uint32_t *r = must_map(res, 4096);
	int i, err;

	printf("edu: ident 0x%08x\n", r[EDU_IDENT / 4]);
	r[EDU_LIVENESS / 4] = 0x12345678;
	printf("edu: liveness 0x12345678 reads back as 0x%08x\n", r[EDU_LIVENESS / 4]);
	r[EDU_FACTORIAL / 4] = 10;
	for (i = 0; i < 1000000 && (r[EDU_STATUS / 4] & EDU_BUSY); i++)
		;
	printf("edu: 10! computed by the device: %u\n", r[EDU_FACTORIAL / 4]);

	/* A fork child reaches the same registers through the inherited mapping. */
	pid_t pid = fork();
	if (pid == 0) {
		r[EDU_LIVENESS / 4] = 0xcafe;
		_exit(r[EDU_LIVENESS / 4] == ~0xcafeu ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	printf("edu: fork child used the registers: %s\n", WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no");

	/* Another process cannot read a device's memory with process_vm_readv (EFAULT). */
	pid = fork();
	if (pid == 0) {
		uint32_t word = 0;
		struct iovec local = {&word, 4}, remote = {(void *)r, 4};
		ssize_t got = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
		_exit(got < 0 ? errno : 200);
	}
	waitpid(pid, &st, 0);
	printf("edu: process_vm_readv of it from a child: %s\n",
	       WIFEXITED(st) && WEXITSTATUS(st) < 200 ? strerror(WEXITSTATUS(st)) : "succeeded");

	/* Half unmapped: the rest still works, the gone half faults. */
	volatile uint32_t *big = must_map(res, 8192);
	munmap((void *)(big + 1024), 4096);
	printf("edu: after unmapping the second page: first %s (ident 0x%08x), second %s\n", touch(big, 0), big[0],
	       touch(big + 1024, 0));
	munmap((void *)big, 4096);

	/* What Linux refuses. */
	void *m = map_file(res, O_RDONLY, 4096, PROT_READ | PROT_WRITE, &err);
	printf("edu: writable mapping of a read-only open: %s\n", m ? "mapped" : strerror(err));
	volatile uint32_t *ro = map_file(res, O_RDONLY, 4096, PROT_READ, &err);
	if (!ro) {
		printf("edu: read-only mapping: %s\n", strerror(err));
	} else {
		printf("edu: read-only mapping: load %s, store %s\n", touch(ro + EDU_IDENT / 4, 0),
		       touch(ro + EDU_LIVENESS / 4, 1));
		printf("edu: mprotect it writable: %s\n",
		       mprotect((void *)ro, 4096, PROT_READ | PROT_WRITE) ? strerror(errno) : "allowed");
		munmap((void *)ro, 4096);
	}
	m = map_file(res, O_RDWR, 64 << 20, PROT_READ, &err);
	printf("edu: mapping past the end of the BAR: %s\n", m ? "mapped" : strerror(err));
	munmap((void *)r, 4096);
}

/*
 * Device memory as the buffer of system calls (offloaded under mcexec): write
 * 64 KiB of it to a file, then read the file back into it at another offset.
 */
static void system_calls_on(const char *what, char *m)
{
	size_t len = 64 << 10, bad = 0;
	char *copy = malloc(len);
	int fd = memfd_create("devmem", 0);
	ssize_t n;

	if (!copy || fd < 0) {
		printf("%s: no buffer or memfd: %s\n", what, strerror(errno));
		exit(1);
	}
	n = write(fd, m, len);
	printf("%s: write(2) of 64 KiB from it: %s\n", what, n == (ssize_t)len ? "all" : strerror(errno));
	if (pread(fd, copy, len, 0) == (ssize_t)len)
		for (size_t i = 0; i < len; i++)
			bad += copy[i] != m[i];
	printf("%s: the file holds it, %zu bytes wrong\n", what, bad);
	n = pread(fd, m + len, len, 0);
	bad = 0;
	for (size_t i = 0; i < len; i++)
		bad += m[len + i] != copy[i];
	printf("%s: read(2) of 64 KiB into it: %s, %zu bytes wrong\n", what,
	       n == (ssize_t)len ? "all" : strerror(errno), bad);
	close(fd);
	free(copy);
}

/* A memory BAR: every word written reads back, in order; system calls use it. */
static void bar(const char *what, const char *res)
{
	size_t len = 1 << 20, i, bad = 0;
	volatile uint64_t *m = must_map(res, len);

	for (i = 0; i < len / 8; i++)
		m[i] = i * 0x9e3779b97f4a7c15ull;
	for (i = 0; i < len / 8; i++)
		bad += m[i] != i * 0x9e3779b97f4a7c15ull;
	printf("%s: 1 MiB written and read back, %zu words wrong\n", what, bad);
	system_calls_on(what, (char *)m);
	munmap((void *)m, len);
}

static void dev_zero(void)
{
	size_t len = 64 << 10, i, nonzero = 0;
	char *m = must_map("/dev/zero", len);

	for (i = 0; i < len; i++)
		nonzero += m[i] != 0;
	printf("/dev/zero: %zu bytes not zero\n", nonzero);
	pid_t pid = fork();
	if (pid == 0) {
		memset(m, 7, len);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	for (i = 0, nonzero = 0; i < len; i++)
		nonzero += m[i] == 7;
	printf("/dev/zero: %zu bytes of the fork child's writes seen (shared)\n", nonzero);
	munmap(m, len);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {0};

	setvbuf(stdout, NULL, _IOLBF, 0);
	sa.sa_handler = on_fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (argc == 5 && !strcmp(argv[1], "all")) {
		edu(argv[2]);
		bar("ivshmem BAR (uncached)", argv[3]);
		bar("ivshmem BAR (write-combining)", argv[4]);
		dev_zero();
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "poke")) {
		char *m = must_map(argv[2], 1 << 20);
		size_t off = strtoul(argv[3], NULL, 0);
		memcpy(m + off, argv[4], strlen(argv[4]) + 1);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "peek")) {
		char *m = must_map(argv[2], 1 << 20);
		size_t off = strtoul(argv[3], NULL, 0), len = strtoul(argv[4], NULL, 0);
		printf("%.*s\n", (int)len, m + off);
		return 0;
	}
	fprintf(stderr, "usage: devmem all EDU_RES0 RES2 RES2_WC | poke RES OFF TEXT | peek RES OFF LEN\n");
	return 2;
}
