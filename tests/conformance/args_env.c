// SPDX-License-Identifier: GPL-2.0
/* argc, argv, the CONF_* environment (sorted) and the working directory reach the program. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	char cwd[PATH_MAX], *vars[256], *slash;
	int n = 0;

	printf("argc %d\n", argc);
	slash = strrchr(argv[0], '/');
	printf("argv[0] basename %s\n", slash ? slash + 1 : argv[0]);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] [%s]\n", i, argv[i]);
	if (argv[argc] != NULL) {
		printf("FAIL argv not NULL-terminated\n");
		return 1;
	}
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "CONF_", 5) && n < 256)
			vars[n++] = *e;
	qsort(vars, n, sizeof(vars[0]), cmp);
	for (int i = 0; i < n; i++) {
		char name[256], *eq = strchr(vars[i], '='), *val;

		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - vars[i]) : 0, vars[i]);
		val = getenv(name);
		if (!eq || !val || strcmp(val, eq + 1) != 0) {
			printf("FAIL getenv(%s) disagrees with environ\n", name);
			return 1;
		}
		printf("env [%s]\n", vars[i]);
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		printf("FAIL getcwd (errno %s)\n", strerrorname_np(errno));
		return 1;
	}
	slash = strrchr(cwd, '/');
	printf("cwd basename %s\n", slash[1] ? slash + 1 : "/");
	return 0;
}
