// SPDX-License-Identifier: GPL-2.0
/* Death by signal: SIGSEGV, SIGABRT, SIGFPE, SIGILL and SIGKILL, after a flushed line of output. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	volatile int *volatile null = NULL;
	volatile int zero = 0, one = 1, result;

	printf("crash %s\n", mode);
	fflush(stdout);
	if (!strcmp(mode, "segv"))
		*null = 1;
	else if (!strcmp(mode, "abort"))
		abort();
	else if (!strcmp(mode, "fpe"))
		result = one / zero;
	else if (!strcmp(mode, "ill"))
		__builtin_trap();
	else if (!strcmp(mode, "kill"))
		kill(getpid(), SIGKILL);
	else {
		printf("usage: crash segv|abort|fpe|ill|kill\n");
		return 2;
	}
	(void)result;
	printf("FAIL still alive after %s\n", mode);
	return 1;
}
