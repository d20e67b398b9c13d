// SPDX-License-Identifier: GPL-2.0
/*
 * affinity: sched_setaffinity and sched_getaffinity, one line per check, the
 * same natively (on a 2-CPU Linux) and under mcexec (a 2-CPU share):
 * mask lengths of any size (1024- and 8192-CPU masks), masks per thread, inherited by
 * new threads and fork children, set for another thread of the process, and
 * the thread moving at once (getcpu); another process's, by its pid, with
 * Linux's permission rule (EPERM for another owner), also right after fork.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(long ret) { return ret < 0 ? strerrorname_np(errno) : "ok"; }

/* "0,1" for the mask the calling (or @tid's) thread has. */
static const char *mask_text(pid_t tid)
{
	static char buf[256];
	uint64_t bits[16] = {0};
	long n = syscall(SYS_sched_getaffinity, tid, sizeof(bits), bits);
	if (n < 0)
		return strerrorname_np(errno);
	buf[0] = 0;
	for (int c = 0; c < 1024; c++)
		if (bits[c / 64] >> (c % 64) & 1)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%d", buf[0] ? "," : "", c);
	return buf;
}

static long set_mask(pid_t tid, size_t bytes, int cpu)
{
	uint64_t bits[128] = {0}; /* up to 8192 CPUs, Linux's largest NR_CPUS on x86 */
	if (cpu >= 0)
		bits[cpu / 64] |= 1ull << (cpu % 64);
	return syscall(SYS_sched_setaffinity, tid, bytes, bits);
}

/* fork, the child waiting until the parent opens the gate: 0 in the child
 * once it may go on; in the parent the child's pid (-1 if none) and, in
 * *@gate, what open_gate() takes. */
static pid_t fork_gated(int *gate)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char b;
		close(fds[1]);
		if (read(fds[0], &b, 1) < 0)
			_exit(2);
		close(fds[0]);
		return 0;
	}
	close(fds[0]);
	*gate = fds[1];
	return pid;
}

static int open_gate(int gate)
{
	int ok = write(gate, "g", 1) == 1;
	close(gate);
	return ok ? 0 : -1;
}

static int pipe_fds[2], ready_fds[2];
static pid_t worker_tid;

static void *worker(void *arg)
{
	char c;
	(void)arg;
	worker_tid = gettid();
	printf("new thread: mask %s, on cpu %d\n", mask_text(0), sched_getcpu());
	if (write(ready_fds[1], "r", 1) != 1 || read(pipe_fds[0], &c, 1) != 1)
		return NULL;
	/* The main thread moved us to CPU 0 meanwhile. */
	printf("after another thread set it: mask %s, on cpu %d\n", mask_text(0), sched_getcpu());
	return NULL;
}

int main(void)
{
	uint64_t small[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("mask: %s\n", mask_text(0));
	printf("getaffinity, 8 bytes: %ld\n", syscall(SYS_sched_getaffinity, 0, 8, small));
	printf("getaffinity, 4 bytes: %s\n", err(syscall(SYS_sched_getaffinity, 0, 4, small)));
	printf("setaffinity to cpu 1, a 1024-CPU mask: %s\n", err(set_mask(0, 128, 1)));
	printf("mask: %s, on cpu %d\n", mask_text(0), sched_getcpu());
	printf("setaffinity to cpu 0, an 8192-CPU mask: %s\n", err(set_mask(0, 1024, 0)));
	printf("mask: %s, on cpu %d\n", mask_text(0), sched_getcpu());
	uint64_t big[128];
	printf("getaffinity, 8192-CPU mask: %ld bytes\n", syscall(SYS_sched_getaffinity, 0, sizeof(big), big));
	printf("setaffinity, only cpu 5000 of 8192: %s\n", err(set_mask(0, 1024, 5000)));
	printf("setaffinity to cpu 1, a 1024-CPU mask again: %s\n", err(set_mask(0, 128, 1)));
	printf("setaffinity, no CPU that exists: %s\n", err(set_mask(0, 128, 900)));
	printf("setaffinity, length 0: %s\n", err(set_mask(0, 0, 1)));
	printf("setaffinity, no such thread: %s\n", err(set_mask(999999, 8, 1)));
	printf("getaffinity into a bad address: %s\n", err(syscall(SYS_sched_getaffinity, 0, 8, (void *)8)));
	printf("setaffinity from mcexec's range: %s\n", err(syscall(SYS_sched_setaffinity, 0, 8, (void *)0x500000000000ull)));
	printf("mask still: %s\n", mask_text(0));

	pthread_t t;
	char c;
	if (pipe(pipe_fds) || pipe(ready_fds) || pthread_create(&t, NULL, worker, NULL) ||
	    read(ready_fds[0], &c, 1) != 1)
		return 1;
	printf("setaffinity of the other thread to cpu 0: %s\n", err(set_mask(worker_tid, 8, 0)));
	printf("its mask seen from here: %s\n", mask_text(worker_tid));
	if (write(pipe_fds[1], "go", 1) != 1)
		return 1;
	pthread_join(t, NULL);

	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		printf("fork child: mask %s, on cpu %d\n", mask_text(0), sched_getcpu());
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("setaffinity back to all: %s\n", err(syscall(SYS_sched_setaffinity, 0, 8, (uint64_t[]){~0ull})));
	printf("mask: %s\n", mask_text(0));

	/* Another process's: a child's, set and read by its pid; refused once
	 * the caller's effective uid is no longer the child's (EPERM). */
	int gate;
	pid = fork_gated(&gate);
	if (pid < 0)
		return 1;
	if (pid == 0) {
		printf("child after its parent's change: mask %s\n", mask_text(0));
		_exit(0);
	}
	printf("setaffinity of a child to cpu 1: %s\n", err(set_mask(pid, 8, 1)));
	printf("its mask seen from here: %s\n", mask_text(pid));
	printf("getaffinity of the parent, a Linux process: %s\n",
	       err(syscall(SYS_sched_getaffinity, getppid(), 8, small) < 0 ? -1 : 0));
	if (geteuid() == 0) {
		if (seteuid(65534))
			return 1;
		printf("as nobody, setaffinity of the child: %s\n", err(set_mask(pid, 8, 0)));
		printf("as nobody, its mask still: %s\n", mask_text(pid));
		if (seteuid(0))
			return 1;
	}
	if (open_gate(gate))
		return 1;
	waitpid(pid, &st, 0);

	/* Right after fork returns the child exists: a mask set at once is its
	 * own (on the LWK once was mcexec's, while it still took the child over). */
	int right = 0;
	for (int i = 0; i < 20; i++) {
		pid = fork_gated(&gate);
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(strcmp(mask_text(0), "1") == 0 ? 0 : 1);
		long r = set_mask(pid, 8, 1);
		if (open_gate(gate))
			return 1;
		waitpid(pid, &st, 0);
		right += r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("children whose mask was set right after fork: %d of 20\n", right);
	return 0;
}
