// SPDX-License-Identifier: GPL-2.0
/*
 * sched_attrs: the calling thread's scheduling attributes, set and read back
 * many times, one line per step, the same natively and under mcexec
 * (tests/vm/test_process.sh). Under mcexec any of several workers serves each
 * call, so every reading must see what the last change set: nice and
 * getpriority, sched_setscheduler(SCHED_RR/FIFO) with sched_getscheduler,
 * sched_getparam and sched_rr_get_interval, sched_setattr with
 * sched_getattr, ioprio_set with ioprio_get (the priority the offloaded
 * reads and writes go with), the caller named by 0, its pid or its tid, Linux's errors,
 * and, after dropping to nobody, EPERM for a lower nice value. Run as root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define READS 40

struct attr { /* Linux's struct sched_attr, SCHED_ATTR_SIZE_VER0 */
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static const char *err(long r) { return r == -1 ? strerror(errno) : "ok"; }

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_VALUE(class, level) ((class) << 13 | (level))

static void ioprio_reads(const char *after, int want, pid_t who)
{
	int same = 0;
	for (int i = 0; i < READS; i++)
		same += syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, who) == want;
	printf("%s: ioprio_get says %#x in %d of %d reads\n", after, want, same, READS);
}

static int fds[3][2];
static void *blocked(void *arg)
{
	char c;
	(void)!read(fds[(intptr_t)arg][0], &c, 1);
	return NULL;
}

/* Several threads blocked in offloaded reads at once: mcexec starts a worker
 * for each, so the calls below are served by several of them in turn. */
static void grow_workers(void)
{
	pthread_t t[3];
	for (intptr_t i = 0; i < 3; i++) {
		if (pipe(fds[i]) || pthread_create(&t[i], NULL, blocked, (void *)i))
			return;
	}
	usleep(200000);
	for (int i = 0; i < 3; i++) {
		(void)!write(fds[i][1], "x", 1);
		pthread_join(t[i], NULL);
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

static void nice_reads(const char *after, int want)
{
	int same = 0;
	for (int i = 0; i < READS; i++) {
		errno = 0;
		same += getpriority(PRIO_PROCESS, 0) == want && errno == 0;
	}
	printf("%s: getpriority says %d in %d of %d reads\n", after, want, same, READS);
}

static void policy_reads(const char *after, int policy, int prio, pid_t who)
{
	int same = 0;
	for (int i = 0; i < READS; i++) {
		struct sched_param p = {0};
		same += sched_getscheduler(who) == policy && sched_getparam(who, &p) == 0 && p.sched_priority == prio;
	}
	printf("%s: policy %d priority %d in %d of %d reads\n", after, policy, prio, same, READS);
}

int main(void)
{
	grow_workers();
	pid_t tid = (pid_t)syscall(SYS_gettid);

	errno = 0;
	int r = nice(3);
	printf("nice(3): %d %s\n", r, errno ? strerror(errno) : "ok");
	nice_reads("after nice(3)", 3);
	printf("setpriority(pid, 5): %s\n", err(setpriority(PRIO_PROCESS, getpid(), 5)));
	nice_reads("after setpriority(pid, 5)", 5);
	printf("setpriority(tid, 4): %s\n", err(setpriority(PRIO_PROCESS, tid, 4)));
	nice_reads("after setpriority(tid, 4)", 4);

	struct sched_param p = {.sched_priority = 10};
	printf("sched_setscheduler(RR, 10): %s\n", err(sched_setscheduler(0, SCHED_RR, &p)));
	policy_reads("after SCHED_RR", SCHED_RR, 10, 0);
	policy_reads("by tid", SCHED_RR, 10, tid);
	struct timespec ts = {0};
	long slice_ms = -1;
	FILE *f = fopen("/proc/sys/kernel/sched_rr_timeslice_ms", "r");
	if (f) {
		if (fscanf(f, "%ld", &slice_ms) != 1)
			slice_ms = -1;
		fclose(f);
	}
	int rr_same = 0;
	for (int i = 0; i < READS; i++)
		rr_same += sched_rr_get_interval(0, &ts) == 0 &&
			   ts.tv_sec * 1000 + ts.tv_nsec / 1000000 == slice_ms;
	printf("sched_rr_get_interval is sched_rr_timeslice_ms in %d of %d reads\n", rr_same, READS);
	p.sched_priority = 20;
	printf("sched_setparam(20): %s\n", err(sched_setparam(0, &p)));
	policy_reads("after sched_setparam", SCHED_RR, 20, 0);
	p.sched_priority = 5;
	printf("sched_setscheduler(FIFO, 5) by pid: %s\n", err(sched_setscheduler(getpid(), SCHED_FIFO, &p)));
	policy_reads("after SCHED_FIFO", SCHED_FIFO, 5, 0);

	struct attr a = {.size = sizeof(a), .policy = SCHED_OTHER, .nice = 7};
	printf("sched_setattr(OTHER, nice 7): %s\n", err(syscall(SYS_sched_setattr, 0, &a, 0)));
	int attr_same = 0;
	for (int i = 0; i < READS; i++) {
		struct attr g = {0};
		attr_same += syscall(SYS_sched_getattr, 0, &g, sizeof(g), 0) == 0 && g.policy == SCHED_OTHER &&
			     g.nice == 7;
	}
	printf("sched_getattr says OTHER, nice 7 in %d of %d reads\n", attr_same, READS);
	nice_reads("after sched_setattr", 7);

	p.sched_priority = 0;
	printf("sched_setscheduler(0, 12345): %s\n", err(sched_setscheduler(0, 12345, &p)));
	printf("sched_getscheduler(-1): %s\n", err(sched_getscheduler(-1)));
	printf("sched_setparam(0, NULL): %s\n", err(syscall(SYS_sched_setparam, 0, NULL)));
	p.sched_priority = 1;
	printf("sched_setscheduler(OTHER, 1): %s\n", err(sched_setscheduler(0, SCHED_OTHER, &p)));
	printf("setpriority(PRIO_PROCESS, 4000000): %s\n", err(setpriority(PRIO_PROCESS, 4000000, 0)));
	policy_reads("after the errors", SCHED_OTHER, 0, 0);
	nice_reads("after the errors", 7);

	int be6 = IOPRIO_VALUE(2, 6), idle = IOPRIO_VALUE(3, 0); /* best effort 6, idle */
	printf("ioprio_set(BE 6): %s\n", err(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, be6)));
	ioprio_reads("after ioprio_set(BE 6)", be6, 0);
	printf("ioprio_set(IDLE) by pid: %s\n", err(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, getpid(), idle)));
	ioprio_reads("after ioprio_set(IDLE)", idle, 0);
	ioprio_reads("by tid", idle, tid);
	printf("ioprio_set(class 9): %s\n", err(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_VALUE(9, 0))));

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
		perror("drop to nobody");
		return 1;
	}
	errno = 0;
	r = nice(-1);
	printf("nobody: nice(-1): %d %s\n", r, errno ? strerror(errno) : "ok");
	errno = 0;
	r = nice(2);
	printf("nobody: nice(2): %d %s\n", r, errno ? strerror(errno) : "ok");
	nice_reads("nobody, after nice(2)", 9);
	p.sched_priority = 1;
	printf("nobody: sched_setscheduler(FIFO, 1): %s\n", err(sched_setscheduler(0, SCHED_FIFO, &p)));
	policy_reads("nobody, at the end", SCHED_OTHER, 0, 0);
	return 0;
}
