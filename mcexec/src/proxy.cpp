// SPDX-License-Identifier: GPL-2.0
// Serving offloaded system calls (proxy.h).
#include "proxy.h"

#include "credentials.h"
#include "forward.h"
#include "interruptible_call.h"
#include "report.h"
#include "report_group.h"
#include "user_memory.h"

#include <mcexec/abi.h>

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <system_error>
#include <thread>

namespace mcexec {
namespace {

constexpr unsigned MAX_WORKERS = MCK_MAX_THREADS + 8;

const ProxyConfig* g_config;
std::atomic<int> g_idle{0};
std::atomic<unsigned> g_workers{0};

// The signals mcexec passes on to the program: every one another process (or
// Linux, for the program's timers, descriptors and children) may send it,
// except those mcexec must act on itself: SIGKILL and SIGSTOP (cannot be
// caught), SIGSEGV and SIGBUS (its checked copies of the program's memory,
// user_memory.h, which passes on those another process sent), glibc's two
// internal signals and mcexec's own two (its interruption, and its
// credentials' broadcast: credentials.h; their handlers pass on those
// another process sent). SIGPIPE and SIGXFSZ that an
// offloaded write raises in its worker are that worker's to pass on, as the
// call's (pass_on_own); those sent to mcexec come here like the others. The stop
// signals of job control but SIGSTOP go to the program too: its handler runs,
// or its default action stops it on the LWK, which then has mcexec stop itself
// (MCK_SYS_STOP); SIGCONT, which continues mcexec, continues the program.
sigset_t forwarded_set()
{
    sigset_t s;
    sigemptyset(&s);
    for (int sig = 1; sig <= SIGRTMAX; sig++) {
        switch (sig) {
        case SIGKILL: case SIGSTOP: case SIGSEGV: case SIGBUS:
        case MCEXEC_INTERRUPT_SIGNAL: case CREDENTIALS_SIGNAL:
            continue;
        default:
            if (sig > 31 && sig < SIGRTMIN)
                continue; // glibc's
            sigaddset(&s, sig);
        }
    }
    return s;
}

// --report: the LWK's numbers for the program, fetched once it ended.
void write_report(int status)
{
    const ReportConfig& rc = g_config->report;
    if (!rc.enabled)
        return;
    static mck_proc_stats stats; // one report per mcexec: no need for the stack's 17 KiB
    mcexec_report req{reinterpret_cast<uint64_t>(&stats), sizeof(stats)};
    if (ioctl(g_config->proc_fd, MCEXEC_REPORT, &req) < 0) {
        fprintf(stderr, "mcexec: --report: McKernel kept no numbers for %s: %s\n", g_config->program.c_str(),
                strerror(errno));
        return;
    }
    ReportInfo info{g_config->program, uint32_t(getpid()), g_config->os_index, status, rc.cpu_first};
    std::string text = rc.json ? report_json(stats, info) : report_text(stats, info);
    if (rc.group.size && !prepare_report_group(rc.group)) {
        fprintf(stderr, "mcexec: --report-group: %s: %s\n", rc.group.dir.c_str(), strerror(errno));
        return;
    }
    if (rc.group.size) {
        // The last task of the group reads every other one's report: whole or not there.
        if (!write_task_report(rc.file, text))
            fprintf(stderr, "mcexec: --report-group: %s: %s\n", rc.file.c_str(), strerror(errno));
        else
            finish_report_group(rc.group);
        return;
    }
    int fd = rc.file.empty() ? 2 : open(rc.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "mcexec: --report=%s: %s\n", rc.file.c_str(), strerror(errno));
        return;
    }
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "mcexec: --report=%s: %s\n", rc.file.c_str(), strerror(errno));
            break;
        }
        done += size_t(n);
    }
    if (fd != 2)
        close(fd);
}

[[noreturn]] void end_like_program(int status)
{
    // Every waiting worker hears of the end; the first one ends mcexec, and the
    // others must not touch the report (or anything) meanwhile.
    static std::atomic<bool> ending{false};
    if (ending.exchange(true))
        for (;;)
            pause();
    write_report(status);
    fflush(nullptr);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        // Die of the same signal, so a shell sees the same $? and message, without a core of mcexec.
        struct rlimit no_core {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(sig, SIG_DFL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
        syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
        _exit(128 + sig);
    }
    _exit(WEXITSTATUS(status));
}

[[noreturn]] void lwk_gone()
{
    fprintf(stderr,
            "mcexec: McKernel instance %d stopped (shutdown or panic) while %s was running; "
            "see 'ihkosctl %d kmsg'\n",
            g_config->os_index, g_config->program.c_str(), g_config->os_index);
    _exit(125);
}

void start_worker();

// Signal @sig to the program with the sender Linux named in @info. The LWK
// interrupts the call of the thread it gives the signal to, if a handler runs
// (interruptible_call.h). Async-signal-safe: the ioctl, again when another
// signal for this thread interrupted it (mcctrl waits for its turn behind
// another thread's request interruptibly, and a burst of signals, some taken
// by handlers in other threads, makes both likely; the signal was lost then).
// False if the LWK is gone.
bool pass_on(int sig, const siginfo_t& info)
{
    mcexec_signal s{uint32_t(sig), info.si_code, info.si_pid, info.si_uid, 0};
    memcpy(&s.word3, reinterpret_cast<const char*>(&info) + 24, sizeof(s.word3)); // si_status, si_value
    int r;
    while ((r = ioctl(g_config->proc_fd, MCEXEC_SIGNAL, &s)) < 0 && errno == EINTR) {
    }
    return r == 0 || errno != ENODEV;
}

// SIGSEGV or SIGBUS that another process sent (user_memory.h), or mcexec's own
// two signals' numbers (interruptible_call.h, credentials.h): the program's.
void pass_on_sent(int sig, const siginfo_t& info) { pass_on(sig, info); }

// The SIGPIPE or SIGXFSZ Linux sent this worker for the call it ran (blocked
// here, so pending) goes to the program instead, whose action decides (a
// handler, ignored, or death by it). None came for send(MSG_NOSIGNAL): none goes.
void pass_on_own(int sig)
{
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    timespec zero{0, 0};
    siginfo_t info;
    if (sigtimedwait(&one, &info, &zero) == sig && !pass_on(sig, info))
        lwk_gone();
}

void worker()
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, MCEXEC_INTERRUPT_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
    for (;;) {
        mcexec_event ev{};
        ev.timeout_ms = 1000;
        interruptible_reset(); // the last call's answer is in: its interruption was delivered
        g_idle++;
        int r = ioctl(g_config->proc_fd, MCEXEC_WAIT, &ev);
        int idle_left = --g_idle;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENODEV)
                lwk_gone();
            fprintf(stderr, "mcexec: waiting for %s: %s\n", g_config->program.c_str(), strerror(errno));
            _exit(125);
        }
        if (ev.type == MCEXEC_EV_TIMEOUT)
            continue;
        if (ev.type == MCEXEC_EV_EXIT)
            end_like_program(ev.status);
        if (idle_left == 0)
            start_worker(); // keep one waiting while this call runs
        // A call a signal interrupted before it ran does not run: the LWK runs it
        // again after the program's handler.
        bool interrupted = (ev.flags & MCEXEC_EV_INTERRUPTED) || interruptible_pending();
        int64_t ret = interrupted ? -MCK_ERESTARTNOINTR : forward_call(g_config->forward, ev.token, ev.tid, ev.nr, ev.args,
                                                                               {ev.sigmask, ev.sigpending, ev.keeps});
        if (ret == -EPIPE)
            pass_on_own(SIGPIPE);
        else if (ret == -EFBIG)
            pass_on_own(SIGXFSZ);
        mcexec_reply rep{ev.token, ret};
        if (ioctl(g_config->proc_fd, MCEXEC_REPLY, &rep) < 0 && errno != EINVAL)
            lwk_gone();
    }
}

void start_worker()
{
    if (g_workers.fetch_add(1) >= MAX_WORKERS) {
        g_workers--;
        return;
    }
    try {
        std::thread(worker).detach();
    } catch (const std::system_error&) {
        // No thread now (the program may have lowered our limits): the
        // running workers serve the calls, one at a time.
        g_workers--;
    }
}

} // namespace

void proxy_after_fork()
{
    g_idle = 0;
    g_workers = 0;
}

void serve(const ProxyConfig& config)
{
    g_config = &config;
    // Every thread blocks the forwarded signals (the main thread takes them with
    // sigtimedwait; a write's own SIGPIPE and SIGXFSZ stay with its worker).
    sigset_t blocked = forwarded_set();
    sigaddset(&blocked, MCEXEC_INTERRUPT_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    interruptible_init(pass_on_sent);
    if (!credentials_init(pass_on_sent)) {
        fprintf(stderr, "mcexec: signal %d is not free for mcexec's use with this C library\n", CREDENTIALS_SIGNAL);
        _exit(125);
    }
    user_memory_init(pass_on_sent);
    start_worker();

    sigset_t fwd = forwarded_set();
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&fwd, &info);
        if (sig <= 0)
            continue;
        if (!pass_on(sig, info))
            lwk_gone();
    }
}

} // namespace mcexec
