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
 * exec_arg_max (run by its absolute path: the name counts). The order of the
 * errors is Linux 6.1's (strings before the file; 6.8 opens the file first).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KiB 1024ul
#define MiB (1024ul * KiB)
#define MAX_ARG_STRLEN (128 * KiB)

static const char *self, *dir, *base;
static const char missing[] = "/nonexistent/exec_arg_max";
static int self_fd;

/* How the child names the program: its absolute path, "./" and its name in
 * its directory, its descriptor (execveat AT_EMPTY_PATH: Linux names it
 * /dev/fd/N), or a file that is not there. */
enum how { BY_PATH, BY_RELATIVE_NAME, BY_DESCRIPTOR, MISSING };

static size_t name_len(enum how how)
{
	char fd_name[32];
	snprintf(fd_name, sizeof(fd_name), "/dev/fd/%d", self_fd);
	return how == BY_RELATIVE_NAME ? 2 + strlen(base)
	       : how == BY_DESCRIPTOR  ? strlen(fd_name)
	       : how == MISSING        ? strlen(missing)
				       : strlen(self);
}

/* In a fork child under a soft stack limit of @soft: execve of this program
 * with @argv and @envp. Its end as one word. */
static const char *run(rlim_t soft, char **argv, char **envp, enum how how)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r;
		getrlimit(RLIMIT_STACK, &r);
		r.rlim_cur = soft;
		if (setrlimit(RLIMIT_STACK, &r))
			_exit(4);
		char rel[4096];
		snprintf(rel, sizeof(rel), "./%s", base);
		if (how == BY_PATH)
			execve(self, argv, envp);
		else if (how == BY_RELATIVE_NAME && chdir(dir) == 0)
			execve(rel, argv, envp);
		else if (how == BY_DESCRIPTOR)
			syscall(SYS_execveat, self_fd, "", argv, envp, AT_EMPTY_PATH);
		else if (how == MISSING)
			execve(missing, argv, envp);
		_exit(errno == E2BIG ? 2 : errno == ENOENT ? 5 : errno == EFAULT ? 6 : 3);
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
	case 5:
		return "ENOENT";
	case 6:
		return "EFAULT";
	default:
		return "another error";
	}
}

/* Arguments "child" and n filler strings, and n filler variables, that take
 * @total bytes with the name and the pointers; then run under @soft, the
 * program named @how; with @bad_env, an environment array at an address
 * that is not mapped instead. */
static const char *run_named(rlim_t soft, size_t total, enum how how, int bad_env)
{
	size_t n = total / (240 * KiB) + 2, strings = 2 * n;
	size_t fixed = name_len(how) + 1 + sizeof("child") + strings /* NULs */ + 8 * (1 + strings);
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
	const char *r = run(soft, argv, bad_env ? (char **)8 : envp, how);
	for (size_t i = 0; i < n; i++) {
		free(argv[1 + i]);
		free(envp[i]);
	}
	free(argv);
	free(envp);
	return r;
}

static const char *run_total(rlim_t soft, size_t total) { return run_named(soft, total, BY_PATH, 0); }

/* One argument of @len characters (and its NUL). */
static const char *run_one(size_t len)
{
	char *s = malloc(len + 1);
	memset(s, 'x', len);
	s[len] = 0;
	char *argv[] = {"child", s, NULL}, *envp[] = {NULL};
	const char *r = run(8 * MiB, argv, envp, BY_PATH);
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
	char *copy = strdup(self), *slash = strrchr(copy, '/');
	*slash = 0;
	dir = slash == copy ? "/" : copy;
	base = slash + 1;
	self_fd = open(self, O_RDONLY); /* not close-on-exec: execveat runs it */
	if (self_fd < 0) {
		perror("exec_arg_max: open");
		return 2;
	}
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
	/* The name as the caller gave it counts, not the path it resolves to. */
	static const struct {
		enum how how;
		const char *what;
	} names[] = {{BY_RELATIVE_NAME, "a relative name"}, {BY_DESCRIPTOR, "execveat of a descriptor"}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t max = arg_max(8 * MiB);
		printf("%s: at the limit %s", names[i].what, run_named(8 * MiB, max, names[i].how, 0));
		printf(", one more %s\n", run_named(8 * MiB, max + 1, names[i].how, 0));
	}
	/* Linux 6.1 reads both arrays and copies the strings before it opens the file. */
	printf("a missing file: at the limit %s", run_named(8 * MiB, arg_max(8 * MiB), MISSING, 0));
	printf(", one more %s", run_named(8 * MiB, arg_max(8 * MiB) + 1, MISSING, 0));
	printf(", an unmapped environment array %s\n", run_named(8 * MiB, arg_max(8 * MiB) + 1, BY_PATH, 1));
	return 0;
}
