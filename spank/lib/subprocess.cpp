// SPDX-License-Identifier: GPL-2.0
// run_with_timeout (subprocess.h).
#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mckslurm {

RunResult run_with_timeout(const std::vector<std::string>& argv, std::chrono::milliseconds timeout)
{
    RunResult res;
    if (argv.empty())
        return res;
    // Everything the child needs is built before fork: the parent may have threads.
    std::vector<char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        res.output = std::string("pipe: ") + strerror(errno);
        return res;
    }
    pid_t pid = fork();
    if (pid < 0) {
        res.output = std::string("fork: ") + strerror(errno);
        close(pipefd[0]);
        close(pipefd[1]);
        return res;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        execv(cargv[0], cargv.data());
        const char* msg = "cannot run the helper: ";
        (void)!write(2, msg, strlen(msg));
        (void)!write(2, argv[0].c_str(), argv[0].size());
        (void)!write(2, "\n", 1);
        _exit(127);
    }
    setpgid(pid, pid); // also from here, so the group exists before we may kill it
    close(pipefd[1]);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    int status = 0;
    bool reaped = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            res.timed_out = true;
            break;
        }
        pollfd p{pipefd[0], POLLIN, 0};
        int n = poll(&p, 1, int(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            // No output for a while: done if the helper itself has exited (a
            // process it left behind may hold the pipe open).
            if (waitpid(pid, &status, WNOHANG) == pid) {
                reaped = true;
                break;
            }
            continue;
        }
        if (n < 0)
            break;
        ssize_t got = read(pipefd[0], buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break; // EOF: the helper (and anything it left holding the pipe) is done
        if (res.output.size() < 64 * 1024)
            res.output.append(buf, size_t(got));
    }
    close(pipefd[0]);
    if (res.timed_out)
        kill(-pid, SIGKILL);
    while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!res.timed_out && WIFEXITED(status))
        res.code = WEXITSTATUS(status);
    return res;
}

} // namespace mckslurm
