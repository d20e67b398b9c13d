// SPDX-License-Identifier: GPL-2.0
/*
 * getppid: a child sees its parent, keeps seeing it on every call, and once the
 * parent has exited sees the subreaper it was reparented to (this process), as
 * on Linux. Prints only comparisons, so native and mcexec runs print the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c, what)                                                                   \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL %s: %s (errno %s)\n", what, #c, strerrorname_np(errno)); \
			fflush(stdout);                                                  \
			_exit(1);                                                        \
		}                                                                        \
	} while (0)

int main(void)
{
	pid_t me = getpid(), mid, grand;
	int fd[2], status;
	char c;

	CHECK(getppid() > 0 && getppid() != me, "getppid of the first process");
	for (int i = 0; i < 1000; i++)
		CHECK(getppid() == syscall(SYS_getppid), "getppid stays the same");
	printf("ok getppid\n");
	fflush(stdout);

	/* This process adopts its orphaned descendants, as a job's shell or init would. */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER");
	CHECK(pipe(fd) == 0, "pipe");
	mid = fork();
	CHECK(mid >= 0, "fork");
	if (mid == 0) {
		pid_t parent = getpid();

		grand = fork();
		CHECK(grand >= 0, "fork in the child");
		if (grand == 0) {
			struct timespec tick = { 0, 10000000L };
			int waited = 0;

			close(fd[0]);
			CHECK(getppid() == parent, "the grandchild's parent is the child");
			CHECK(getppid() == parent, "and still is on the second call");
			CHECK(write(fd[1], "x", 1) == 1, "write");
			/* The child exits now: wait (at most 30 s) until we were reparented. */
			while (getppid() == parent && waited++ < 3000)
				nanosleep(&tick, NULL);
			CHECK(getppid() == me, "reparented to the subreaper");
			CHECK(getppid() == syscall(SYS_getppid), "reparented, twice");
			printf("ok getppid after the parent exited\n");
			fflush(stdout);
			_exit(0);
		}
		close(fd[1]);
		CHECK(read(fd[0], &c, 1) == 1, "read");
		CHECK(getppid() == me, "the child's parent");
		_exit(0);
	}
	close(fd[1]);
	CHECK(waitpid(mid, &status, 0) == mid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child");
	/* The grandchild is ours now; it printed before it exited. */
	grand = wait(&status);
	CHECK(grand > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the grandchild");
	printf("ok the child saw its parent\n");
	printf("ok the grandchild was reaped by the subreaper\n");
	return 0;
}
