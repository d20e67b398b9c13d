// SPDX-License-Identifier: GPL-2.0
/* pid == tid in main, threads have their own tids, getppid, uid/gid as given (never printed). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

static pid_t thread_tid[2], thread_pid[2], thread_gettid[2];

static void *thread_fn(void *arg)
{
	int i = *(int *)arg;

	thread_tid[i] = syscall(SYS_gettid);
	thread_gettid[i] = gettid();
	thread_pid[i] = getpid();
	return NULL;
}

int main(int argc, char **argv)
{
	pid_t pid = getpid();
	pthread_t t[2];
	int idx[2] = { 0, 1 };

	CHECK(pid > 0 && pid == syscall(SYS_getpid), "getpid");
	CHECK(syscall(SYS_gettid) == pid && gettid() == pid, "main thread's tid is the pid");
	printf("ok main thread tid == pid\n");
	CHECK(getppid() > 0 && getppid() != pid && getppid() == syscall(SYS_getppid), "getppid");
	printf("ok getppid\n");
	CHECK(getpgrp() == getpgid(0) && getsid(0) == getsid(getpid()), "process group and session");
	printf("ok getpgrp getsid\n");

	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, thread_fn, &idx[i]) == 0, "pthread_create");
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
	for (int i = 0; i < 2; i++) {
		CHECK(thread_tid[i] > 0 && thread_tid[i] != pid, "thread has its own tid");
		CHECK(thread_gettid[i] == thread_tid[i], "gettid() agrees with SYS_gettid");
		CHECK(thread_pid[i] == pid, "thread's getpid is the process's");
	}
	CHECK(thread_tid[0] != thread_tid[1], "threads have distinct tids");
	printf("ok threads have distinct tids, same pid\n");

	CHECK(getuid() == syscall(SYS_getuid) && getgid() == syscall(SYS_getgid), "uid/gid syscalls");
	if (argc > 2) {
		CHECK(getuid() == (uid_t)strtoul(argv[1], NULL, 10) && geteuid() == getuid(), "uid as `id -u`");
		CHECK(getgid() == (gid_t)strtoul(argv[2], NULL, 10) && getegid() == getgid(), "gid as `id -g`");
		printf("ok uid and gid as expected\n");
	}
	return 0;
}
