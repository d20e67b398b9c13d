// SPDX-License-Identifier: GPL-2.0
// NUMA policy places memory (vm.boot_numa): set_mempolicy and mbind with
// MPOL_BIND, MPOL_PREFERRED, MPOL_INTERLEAVE and MPOL_LOCAL, per thread,
// move_pages, migrate_pages, and the node each page is on afterwards (get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR));
// "placed": where the policy an execve kept put the image's memory. The
// output is the same natively (Linux on two nodes) and under mcexec (an
// instance with memory on both nodes).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL };
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define LEN (8ul << 20)
#define PAGE 4096ul

static int node_of(void* p)
{
	int node = -1;
	if (syscall(SYS_get_mempolicy, &node, NULL, 0, p, MPOL_F_NODE | MPOL_F_ADDR))
		return -1;
	return node;
}

// Which nodes the pages of [p, p + LEN) are on: "0", "1" or "0 and 1".
static const char* nodes_of(char* p)
{
	int seen[2] = {0, 0};
	for (unsigned long off = 0; off < LEN; off += PAGE) {
		int n = node_of(p + off);
		if (n < 0 || n > 1)
			return "WRONG";
		seen[n] = 1;
	}
	return seen[0] && seen[1] ? "0 and 1" : seen[0] ? "0" : "1";
}

static char* fresh(void)
{
	char* p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static long set_policy(int mode, unsigned long nodes)
{
	return syscall(SYS_set_mempolicy, mode, nodes ? &nodes : NULL, nodes ? 3 : 0);
}

// A thread's policy is its own: this one binds to node 1 and maps memory.
static void* binding_thread(void* arg)
{
	(void)arg;
	set_policy(MPOL_BIND, 2);
	char* p = fresh();
	memset(p, 1, LEN);
	printf("a thread's BIND 1: pages on %s\n", nodes_of(p));
	munmap(p, LEN);
	return NULL;
}

// "other", run as a user without capabilities: migrate_pages of another
// process of the same user (Linux's ptrace rule allows it; McKernel used to
// ask Linux, which refused: the target's mcexec is never dumpable), and of
// init (another user's: EPERM).
static int migrate_other(void)
{
	int ready[2], go[2];
	char c = 0;
	if (pipe(ready) || pipe(go))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		char* q = fresh();
		memset(q, 3, LEN);
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		_exit(q[LEN - 1] == 3 ? 0 : 1);
	}
	read(ready[0], &c, 1);
	unsigned long zero = 1, one = 2;
	long r = syscall(SYS_migrate_pages, child, 3, &zero, &one);
	printf("migrate_pages of a child of the same user: %s\n", r < 0 ? strerrorname_np(errno) : "ok");
	r = syscall(SYS_migrate_pages, 1, 3, &zero, &one);
	printf("migrate_pages of init: %s\n", r < 0 ? strerrorname_np(errno) : "ok");
	write(go[1], &c, 1);
	int status = 0;
	waitpid(child, &status, 0);
	printf("the child's bytes: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "kept" : "WRONG");
	return 0;
}

static char bss_page[PAGE] __attribute__((aligned(PAGE)));

// numa_policy placed: where this image's memory is, as the policy it started
// with (from numactl before its execve) put it: its stack, its data, a new
// mapping; and its policy.
static int placed(void)
{
	char here = 1;
	bss_page[0] = 1;
	char* p = fresh();
	memset(p, 1, LEN);
	int mode = -1;
	unsigned long nodes = 0;
	syscall(SYS_get_mempolicy, &mode, &nodes, 64, NULL, 0);
	printf("policy %d nodes %lx; stack on %d, data on %d, a new mapping on %s\n", mode, nodes, node_of(&here),
	       node_of(bss_page), nodes_of(p));
	return 0;
}

int main(int argc, char** argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "other") == 0)
		return migrate_other();
	if (argc > 1 && strcmp(argv[1], "placed") == 0)
		return placed();
	for (int node = 0; node < 2; node++) {
		set_policy(MPOL_BIND, 1ul << node);
		char* p = fresh();
		memset(p, 1, LEN);
		printf("set_mempolicy BIND %d: pages on %s\n", node, nodes_of(p));
		munmap(p, LEN);
	}
	set_policy(MPOL_PREFERRED, 2);
	char* p = fresh();
	memset(p, 1, LEN);
	printf("set_mempolicy PREFERRED 1: pages on %s\n", nodes_of(p));
	munmap(p, LEN);
	set_policy(MPOL_INTERLEAVE, 3);
	p = fresh();
	memset(p, 1, LEN);
	printf("set_mempolicy INTERLEAVE 0,1: pages on %s\n", nodes_of(p));
	munmap(p, LEN);
	set_policy(MPOL_DEFAULT, 0);

	// mbind before the first touch, as programs do; its bytes stay.
	for (int node = 0; node < 2; node++) {
		p = fresh();
		unsigned long mask = 1ul << node;
		long r = syscall(SYS_mbind, p, LEN, MPOL_BIND, &mask, 3, 0);
		memset(p, 'x', LEN);
		printf("mbind BIND %d: %s, pages on %s, bytes %s\n", node, r ? "failed" : "ok", nodes_of(p),
		       p[LEN - 1] == 'x' ? "kept" : "WRONG");
		munmap(p, LEN);
	}
	// Touched memory: mbind moves it only with MPOL_MF_MOVE; MPOL_MF_STRICT
	// says EIO while it is elsewhere.
	p = fresh();
	memset(p, 1, LEN);
	int here = node_of(p);
	unsigned long other = 1ul << (1 - here);
	long r0 = syscall(SYS_mbind, p, LEN, MPOL_BIND, &other, 3, 0);
	printf("mbind of touched memory: %ld, pages %s\n", r0, node_of(p) == here ? "stay" : "moved");
	long r1 = syscall(SYS_mbind, p, LEN, MPOL_BIND, &other, 3, 1 /* MPOL_MF_STRICT */);
	printf("  with MPOL_MF_STRICT: %s\n", r1 == -1 && errno == EIO ? "EIO" : "WRONG");
	long r2 = syscall(SYS_mbind, p, LEN, MPOL_BIND, &other, 3, 2 /* MPOL_MF_MOVE */);
	printf("  with MPOL_MF_MOVE: %ld, pages on the other node: %s, bytes %s\n", r2,
	       node_of(p) == 1 - here && node_of(p + LEN - PAGE) == 1 - here ? "yes" : "no", p[5] == 1 ? "kept" : "WRONG");
	munmap(p, LEN);
	// move_pages: where pages are, and moved one by one.
	p = fresh();
	memset(p, 1, LEN);
	void* pages[2] = {p, p + LEN - PAGE};
	int to[2] = {1, 0}, status[2] = {-1, -1};
	long r = syscall(SYS_move_pages, 0, 2, pages, to, status, 2 /* MPOL_MF_MOVE */);
	printf("move_pages to 1 and 0: %ld, status %d %d, now on %d %d\n", r, status[0], status[1], node_of(pages[0]),
	       node_of(pages[1]));
	r = syscall(SYS_move_pages, 0, 2, pages, NULL, status, 0);
	printf("move_pages, where: %ld, status %d %d\n", r, status[0], status[1]);
	munmap(p, LEN);
	// migrate_pages: the process's pages on node 0 to node 1, and back.
	set_policy(MPOL_BIND, 1);
	p = fresh();
	memset(p, 2, LEN);
	set_policy(MPOL_DEFAULT, 0);
	unsigned long zero = 1, one = 2;
	r = syscall(SYS_migrate_pages, 0, 3, &zero, &one);
	printf("migrate_pages 0 to 1: %s, pages on %s, bytes %s\n", r < 0 ? "failed" : "ok", nodes_of(p),
	       p[LEN - 1] == 2 ? "kept" : "WRONG");
	// (Back to 0: Linux may leave pages it moved a moment ago where they are,
	// not on its LRU lists yet; not compared.)
	r = syscall(SYS_migrate_pages, 0, 3, &one, &zero);
	printf("migrate_pages 1 to 0: %s\n", r < 0 ? "failed" : "ok");
	unsigned long none_there = 1ul << 40;
	r = syscall(SYS_migrate_pages, 0, 64, &zero, &none_there);
	printf("migrate_pages to a node without memory: %s\n", r == -1 ? strerrorname_np(errno) : "ok");
	munmap(p, LEN);
	// Per thread: another thread's policy is not the main thread's.
	pthread_t th;
	pthread_create(&th, NULL, binding_thread, NULL);
	pthread_join(th, NULL);
	int mode = -1;
	syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0);
	printf("the main thread's policy after it: %s\n", mode == MPOL_DEFAULT ? "default" : "WRONG");
	// MPOL_LOCAL: the node of the CPU that touches it.
	// Pinned first: natively the thread could move to the other node's CPU meanwhile.
	set_policy(MPOL_LOCAL, 0);
	unsigned cpu, node;
	getcpu(&cpu, &node);
	cpu_set_t pin;
	CPU_ZERO(&pin);
	CPU_SET(cpu, &pin);
	sched_setaffinity(0, sizeof(pin), &pin);
	p = fresh();
	memset(p, 1, LEN);
	getcpu(&cpu, &node);
	printf("set_mempolicy LOCAL: pages on the CPU's node: %s\n", node_of(p) == (int)node ? "yes" : "no");
	munmap(p, LEN);
	return 0;
}
