// SPDX-License-Identifier: GPL-2.0
/*
 * mck_app [crash|sleep SECONDS]: what the Slurm tests run. Reports where it runs:
 * McKernel's system call 599 (kprint) exists only on the LWK, where it also
 * writes "kprint: ... job J task R" into the LWK's log, i.e. the job's kmsg file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *task = getenv("SLURM_PROCID"), *ntasks = getenv("SLURM_NTASKS"), *job = getenv("SLURM_JOB_ID");
	char msg[128];

	snprintf(msg, sizeof(msg), "job %s task %s", job ? job : "?", task ? task : "?");
	long r = syscall(599, msg);
	printf("task %s of %s on %s\n", task ? task : "?", ntasks ? ntasks : "?", r >= 0 ? "McKernel" : "Linux");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "crash")) {
		volatile int *volatile bad = NULL;
		*bad = 1;
	}
	if (argc > 2 && !strcmp(argv[1], "sleep"))
		sleep((unsigned)atoi(argv[2]));
	return 0;
}
