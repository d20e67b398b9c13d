// SPDX-License-Identifier: GPL-2.0
// A diagnostic shim for tests/ltp/run_ltp.sh (LD_PRELOAD, never for users): LTP's
// main process waits for its test process with waitpid() while that process sends
// it SIGUSR1 heartbeats; the handler is installed with SA_RESTART, so on Linux the
// wait restarts. Under mcexec an offloaded call interrupted by a signal returns
// EINTR whatever the flag says (docs/mcexec.md), and every test breaks there. This
// restarts waitpid() in the process that loaded the shim only, not in the test's
// own (forked) processes, so the tests show what else differs.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t main_pid;

__attribute__((constructor)) static void init(void)
{
	main_pid = getpid();
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	static pid_t (*real)(pid_t, int *, int);
	pid_t r;

	if (!real)
		real = (pid_t (*)(pid_t, int *, int))dlsym(RTLD_NEXT, "waitpid");
	do
		r = real(pid, status, options);
	while (r < 0 && errno == EINTR && getpid() == main_pid);
	return r;
}
