// SPDX-License-Identifier: GPL-2.0
/* Exit status from exit(), return, exit_group, and exit() or exit_group in a non-main thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *thread_exit(void *arg)
{
	(void)arg;
	printf("thread calls exit(7)\n");
	exit(7);
}

static void *thread_group(void *arg)
{
	(void)arg;
	printf("thread calls exit_group(11)\n");
	fflush(stdout);
	syscall(SYS_exit_group, 11);
	return NULL;
}

static void *outlive_main(void *arg)
{
	(void)arg;
	usleep(100000);
	printf("last thread calls exit(5)\n");
	exit(5);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "0";
	pthread_t t;

	if (!strcmp(mode, "thread")) {
		printf("main waits, thread exits\n");
		fflush(stdout);
		if (pthread_create(&t, NULL, thread_exit, NULL) != 0)
			return 1;
		for (;;)
			pause();
	}
	if (!strcmp(mode, "thread-group")) {
		printf("main joins, thread exit_groups\n");
		fflush(stdout);
		if (pthread_create(&t, NULL, thread_group, NULL) != 0)
			return 1;
		pthread_join(t, NULL);
		printf("FAIL join returned\n");
		return 1;
	}
	if (!strcmp(mode, "group")) {
		printf("main calls exit_group(9)\n");
		fflush(stdout);
		syscall(SYS_exit_group, 9);
		return 1;
	}
	if (!strcmp(mode, "main-exit")) {
		printf("main calls pthread_exit\n");
		fflush(stdout);
		if (pthread_create(&t, NULL, outlive_main, NULL) != 0)
			return 1;
		pthread_exit(NULL);
	}
	if (!strcmp(mode, "return")) {
		printf("main returns 3\n");
		return 3;
	}
	printf("exit(%d)\n", atoi(mode));
	exit(atoi(mode));
}
