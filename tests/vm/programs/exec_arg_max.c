// SPDX-License-Identifier: GPL-2.0
/*
 * exec_arg_max: execve takes arguments and environment up to Linux's limit,
 * to the byte (Linux 6.1's bprm_stack_limits): the file name, the arguments
 * and the environment with their NULs, and their pointers, may take a quarter
 * of the soft RLIMIT_STACK, at most 6 MiB and at least 128 KiB; one string
 * may take MAX_ARG_STRLEN (128 KiB) with its NUL. One line per check, the
 * same natively and under mcexec (tests/vm/test_process.sh): what execve of
 * this program in a fork child gives at the limit and one byte past it.
 *
 * exec_arg_max (run by its absolute path: the name counts)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define KiB 1024ul
#define MiB (1024ul * KiB)
#define MAX_ARG_STRLEN (128 * KiB)

static const char *self;

/* In a fork child under a soft stack limit of @soft: execve of this program
 * with @argv and @envp. Its end as one word. */
static const char *run(rlim_t soft, char **argv, char **envp)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r;
		getrlimit(RLIMIT_STACK, &r);
		r.rlim_cur = soft;
		if (setrlimit(RLIMIT_STACK, &r))
			_exit(4);
		execve(self, argv, envp);
		_exit(errno == E2BIG ? 2 : 3);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return "no child";
	switch (WEXITSTATUS(st)) {
	case 0:
		return "ok";
	case 2:
		return "E2BIG";
	case 4:
		return "setrlimit failed";
	default:
		return "another error";
	}
}

/* Arguments "child" and n filler strings, and n filler variables, that take
 * @total bytes with the name and the pointers; then run under @soft. */
static const char *run_total(rlim_t soft, size_t total)
{
	size_t n = total / (240 * KiB) + 2, strings = 2 * n;
	size_t fixed = strlen(self) + 1 + sizeof("child") + strings /* NULs */ + 8 * (1 + strings);
	size_t fill = total - fixed; /* the filler's characters, "F=" included for the variables */
	char **argv = calloc(n + 2, sizeof(char *)), **envp = calloc(n + 1, sizeof(char *));
	argv[0] = "child";
	for (size_t i = 0; i < strings; i++) {
		size_t len = fill / strings + (i == 0 ? fill % strings : 0);
		char *s = malloc(len + 1);
		memset(s, 'x', len);
		s[len] = 0;
		if (i >= n)
			memcpy(s, "F=", 2);
		if (i < n)
			argv[1 + i] = s;
		else
			envp[i - n] = s;
	}
	const char *r = run(soft, argv, envp);
	for (size_t i = 0; i < n; i++) {
		free(argv[1 + i]);
		free(envp[i]);
	}
	free(argv);
	free(envp);
	return r;
}

/* One argument of @len characters (and its NUL). */
static const char *run_one(size_t len)
{
	char *s = malloc(len + 1);
	memset(s, 'x', len);
	s[len] = 0;
	char *argv[] = {"child", s, NULL}, *envp[] = {NULL};
	const char *r = run(8 * MiB, argv, envp);
	free(s);
	return r;
}

static size_t arg_max(rlim_t soft)
{
	size_t limit = soft / 4 < 6 * MiB ? soft / 4 : 6 * MiB;
	return limit > 128 * KiB ? limit : 128 * KiB;
}

int main(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "child"))
		return 0; /* run by run() */
	self = argv[0];
	if (self[0] != '/') {
		fprintf(stderr, "exec_arg_max: run me by my absolute path\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	static const rlim_t softs[] = {8 * MiB, 1 * MiB, 256 * KiB};
	for (size_t i = 0; i < sizeof(softs) / sizeof(softs[0]); i++) {
		size_t max = arg_max(softs[i]);
		printf("stack limit %lu KiB: %lu bytes %s", (unsigned long)(softs[i] / KiB), max, run_total(softs[i], max));
		printf(", one more %s\n", run_total(softs[i], max + 1));
	}
	/* Past 24 MiB, 6 MiB: mcexec's own options count against Linux's limit
	 * when it runs the new image (docs/lwk.md), so the last bytes below it
	 * are not checked here. */
	printf("stack limit 64 MiB: 4 KiB less than 6 MiB %s", run_total(64 * MiB, 6 * MiB - 4 * KiB));
	printf(", one more than 6 MiB %s\n", run_total(64 * MiB, 6 * MiB + 1));
	printf("one argument of %lu characters %s", MAX_ARG_STRLEN - 1, run_one(MAX_ARG_STRLEN - 1));
	printf(", of %lu %s\n", MAX_ARG_STRLEN, run_one(MAX_ARG_STRLEN));
	return 0;
}
