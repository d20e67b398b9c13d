// SPDX-License-Identifier: GPL-2.0
/*
 * many_procs N [HOLD]: N fork children alive at once, each blocked in an
 * offloaded read of a pipe, then let go together and reaped with the status
 * each chose. McKernel used to stop at 64 processes per instance (fork:
 * EAGAIN). With HOLD, a path: once all are alive, HOLD.ready is made and the
 * children are let go only when HOLD.go exists (within 300 s), so a test can
 * look at what they cost Linux meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 150, fds[2], made = 0, alive = 0, reaped = 0;
	pid_t *kids = calloc((size_t)(n > 0 ? n : 1), sizeof(pid_t));

	if (n <= 0 || !kids || pipe(fds) != 0) {
		perror("many_procs");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			char c;

			close(fds[1]);
			while (read(fds[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(i % 7); /* end of file: the parent let go */
		}
		if (pid < 0) {
			printf("many_procs: fork %d of %d: %s\n", i + 1, n, strerror(errno));
			break;
		}
		kids[made++] = pid;
	}
	for (int i = 0; i < made; i++)
		alive += kill(kids[i], 0) == 0;
	if (argc > 2) {
		char ready[4096], go[4096];

		snprintf(ready, sizeof(ready), "%s.ready", argv[2]);
		snprintf(go, sizeof(go), "%s.go", argv[2]);
		close(open(ready, O_CREAT | O_WRONLY, 0644));
		for (int i = 0; i < 3000 && access(go, F_OK) != 0; i++)
			usleep(100000);
	}
	close(fds[1]);
	for (int i = 0; i < made; i++) {
		int status = 0;

		if (waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status) && WEXITSTATUS(status) == i % 7)
			reaped++;
	}
	printf("many_procs: %d forked, %d alive together, %d reaped with their status\n", made, alive, reaped);
	return made == n && reaped == n ? 0 : 1;
}
