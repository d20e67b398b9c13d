// SPDX-License-Identifier: GPL-2.0
// fork and exec for the program (spawn.h).
#include "spawn.h"

#include "exec_keeps.h"
#include "loader.h"
#include "lwk_view.h"
#include "program_limits.h"
#include "sched_attrs.h"
#include "user_memory.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <climits>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace mcexec {
namespace {

SpawnConfig g_spawn;
// Held alone by an execve while it changes what all of mcexec has for it
// (exec_call), shared by a fork, whose child would inherit that.
std::shared_mutex g_exec_lock;

// The pointers of a NULL-terminated array in the program's memory, as
// Linux's count() reads them: 0, -EFAULT, or -E2BIG past @most (more than
// the arguments may take).
int read_pointers(uint64_t addr, std::vector<uint64_t>* out, size_t most)
{
    if (!addr)
        return 0; // Linux takes a NULL argv or envp as empty
    for (size_t i = 0;; i++) {
        uint64_t p;
        if (!copy_from_program(&p, addr + i * 8, 8))
            return -EFAULT;
        if (!p)
            return 0;
        if (i == most)
            return -E2BIG;
        out->push_back(p);
    }
}

// The strings at @pointers, each taken from @room: 0, -EFAULT or -E2BIG.
int copy_strings(const std::vector<uint64_t>& pointers, ExecStringRoom* room, std::vector<std::string>* out)
{
    for (uint64_t p : pointers) {
        std::string s;
        if (int e = copy_string_from_program(&s, p, MAX_ARG_STRLEN))
            return e == -ENAMETOOLONG ? -E2BIG : e;
        if (int e = room->take(s.size()))
            return e;
        out->push_back(std::move(s));
    }
    return 0;
}

std::vector<char*> c_array(std::vector<std::string>& v)
{
    std::vector<char*> out;
    for (auto& s : v)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

} // namespace

void spawn_init(const SpawnConfig& config) { g_spawn = config; }

void spawn_drop_report() { g_spawn.report_args.clear(); }

namespace {

// Linux's fork returns once the child exists, so a call naming it at once
// (sched_setaffinity, prlimit64, kill) must find it on the LWK, not the
// mcexec still taking it over, which Linux would answer for. The child says
// it adopted the LWK process through a word in memory the two share (no
// descriptor: the program's numbers are ours too); the parent waits for it
// while the child lives and runs, at most ADOPT_WAIT_S.
constexpr int ADOPT_WAIT_S = 60; // as long as a vfork parent waits on the LWK
thread_local std::atomic<uint32_t>* t_adopted; // the forking thread's, inherited by its child

void wait_adopted(pid_t child, std::atomic<uint32_t>* word)
{
    timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        timespec slice{0, 50 * 1000 * 1000};
        syscall(SYS_futex, word, FUTEX_WAIT, 0, &slice, nullptr, 0);
        if (word->load(std::memory_order_acquire))
            return;
        siginfo_t si{};
        // Ended, or stopped before it got there: the caller's wait4 tells the program.
        if (waitid(P_PID, id_t(child), &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT) != 0 || si.si_pid)
            return;
        timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= ADOPT_WAIT_S) {
            fprintf(stderr, "mcexec: fork: child %d not on McKernel after %d s; going on\n", child, ADOPT_WAIT_S);
            return;
        }
    }
}

} // namespace

int64_t fork_call(uint64_t token)
{
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return -ENOMEM;
    auto* word = new (page) std::atomic<uint32_t>(0);
    t_adopted = word;
    sched_attrs_take_main(); // the child inherits the program's (a renice from outside included)
    fflush(nullptr); // nothing of ours written twice
    pid_t pid;
    int e;
    {
        std::shared_lock<std::shared_mutex> no_exec(g_exec_lock); // the child has what we have
        pid = fork();
        e = errno;
        if (pid == 0) {
            new (&g_exec_lock) std::shared_mutex; // ours, as one thread
            g_spawn.become_child(token);
        }
    }
    t_adopted = nullptr;
    if (pid > 0)
        wait_adopted(pid, word);
    munmap(page, 4096);
    return pid < 0 ? -e : pid;
}

void fork_child_adopted()
{
    std::atomic<uint32_t>* word = t_adopted;
    if (!word)
        return;
    t_adopted = nullptr;
    word->store(1, std::memory_order_release);
    syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
    munmap(word, 4096);
}

namespace {

// mcexec's own signal actions made SIG_IGN for the signals of @set (bit sig -
// 1) and not SIG_IGN for the others, for an execve; put back as they were if
// the execve fails (the object goes out of scope).
class ExecIgnored {
public:
    explicit ExecIgnored(uint64_t set)
    {
        for (int sig = 1; sig <= 64; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, nullptr, &m_old[sig - 1]) != 0)
                continue;
            bool want = set >> (sig - 1) & 1, is = m_old[sig - 1].sa_handler == SIG_IGN;
            if (want == is)
                continue;
            struct sigaction sa {};
            sa.sa_handler = want ? SIG_IGN : SIG_DFL;
            if (sigaction(sig, &sa, nullptr) == 0)
                m_changed |= 1ull << (sig - 1);
        }
    }
    ~ExecIgnored()
    {
        for (int sig = 1; sig <= 64; sig++)
            if (m_changed >> (sig - 1) & 1)
                sigaction(sig, &m_old[sig - 1], nullptr);
    }
    ExecIgnored(const ExecIgnored&) = delete;
    ExecIgnored& operator=(const ExecIgnored&) = delete;

private:
    struct sigaction m_old[64] {};
    uint64_t m_changed = 0;
};

// A Linux program we exec starts with the calling thread's mask and its
// blocked signals pending, as Linux's execve keeps them: ours for the moment,
// ours again if execve fails. (A new mcexec is told with --blocked and
// --pending instead: this thread's own mask keeps the program's signals for
// mcexec's main thread, which passes on those that come meanwhile.)
class ExecMask {
public:
    explicit ExecMask(const ExecKeeps& keeps) : m_pending(keeps.pending & keeps.blocked)
    {
        sigset_t s;
        sigemptyset(&s);
        for (int sig = 1; sig <= 64; sig++)
            if (keeps.blocked >> (sig - 1) & 1)
                sigaddset(&s, sig);
        m_set = pthread_sigmask(SIG_SETMASK, &s, &m_old) == 0;
        if (!m_set)
            return;
        pid_t tid = pid_t(syscall(SYS_gettid));
        for (int sig = 1; sig <= 64; sig++)
            if (m_pending >> (sig - 1) & 1)
                syscall(SYS_tgkill, getpid(), tid, sig); // blocked: stays pending for the new image
    }
    ~ExecMask()
    {
        if (!m_set)
            return;
        sigset_t raised;
        sigemptyset(&raised);
        for (int sig = 1; sig <= 64; sig++)
            if (m_pending >> (sig - 1) & 1)
                sigaddset(&raised, sig);
        timespec now{0, 0};
        while (sigtimedwait(&raised, nullptr, &now) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    ExecMask(const ExecMask&) = delete;
    ExecMask& operator=(const ExecMask&) = delete;

private:
    sigset_t m_old;
    uint64_t m_pending;
    bool m_set = false;
};

// The instance's descriptor open across our execve of a new mcexec, which
// takes it with --os-fd: a program that dropped the privileges to open
// /dev/mcosN (su, setpriv) goes on as on Linux, where its files stay open.
// Close-on-exec again if the execve fails.
class KeptOpen {
public:
    explicit KeptOpen(int fd) : m_fd(fd) { fcntl(fd, F_SETFD, 0); }
    ~KeptOpen() { fcntl(m_fd, F_SETFD, FD_CLOEXEC); }
    KeptOpen(const KeptOpen&) = delete;
    KeptOpen& operator=(const KeptOpen&) = delete;

private:
    int m_fd;
};

std::string hex(uint64_t v)
{
    char b[20];
    snprintf(b, sizeof(b), "%#llx", static_cast<unsigned long long>(v));
    return b;
}

} // namespace

int64_t exec_call(const Reserved& reserved, uint64_t nr, const uint64_t a[6], const ExecKeeps& keeps,
                  const std::string& own_exe)
{
    int p = nr == SYS_execveat ? 1 : 0;
    std::string path;
    if (int e = copy_string_from_program(&path, a[p], PATH_MAX))
        return e;
    std::string linux_name = path; // what Linux puts on the stack for AT_EXECFN
    if (nr == SYS_execveat) {
        int dirfd = int(a[0]);
        uint64_t flags = a[4];
        if (flags & ~uint64_t(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
            return -EINVAL;
        // As Linux: the descriptor counts only for a relative (or empty) path.
        bool empty = path.empty() && (flags & AT_EMPTY_PATH);
        bool relative = !path.empty() && path[0] != '/';
        if ((empty || relative) && dirfd != AT_FDCWD && (dirfd < 0 || reserved.has(dirfd)))
            return -EBADF;
        if (empty) {
            path = "/proc/self/fd/" + std::to_string(dirfd);
            linux_name = "/dev/fd/" + std::to_string(dirfd);
        } else if (relative && dirfd != AT_FDCWD) {
            linux_name = "/dev/fd/" + std::to_string(dirfd) + "/" + path;
            path = "/proc/self/fd/" + std::to_string(dirfd) + "/" + path;
        }
        struct stat link;
        if ((flags & AT_SYMLINK_NOFOLLOW) && !empty && lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
            return -ELOOP; // the last component is a symbolic link
    }
    if (path.empty())
        return -ENOENT;
    // The strings, in Linux 6.1's order (it opens the file after them):
    // both arrays' pointers, their room, the name, the environment, the
    // arguments.
    const uint64_t max = program_arg_max();
    std::vector<uint64_t> arg_pointers, env_pointers;
    if (int e = read_pointers(a[p + 1], &arg_pointers, max / sizeof(uint64_t)))
        return e;
    if (int e = read_pointers(a[p + 2], &env_pointers, max / sizeof(uint64_t)))
        return e;
    ExecStringRoom room(max, arg_pointers.size(), env_pointers.size());
    room.take(linux_name.size());
    if (int e = room.error())
        return e;
    std::vector<std::string> argv, envp;
    if (int e = copy_strings(env_pointers, &room, &envp))
        return e;
    if (int e = copy_strings(arg_pointers, &room, &argv))
        return e;
    if (argv.empty() && room.take(0))
        return -E2BIG; // Linux's ""
    // A program that runs itself again (/proc/self/exe, /proc/<its pid>/exe)
    // means its own file: the link is mcexec's on Linux.
    if (path[0] == '/' && !own_exe.empty() &&
        view::map_path(view::normalize(path), getpid()).kind == view::Redirect::Exe)
        path = own_exe;
    // What Linux's execve refuses, refused while the program can still hear it.
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EACCES;
    if (access(path.c_str(), X_OK) != 0)
        return -errno;
    if (int e = executable_format(path))
        return -e;
    std::string target;
    std::vector<std::string> cmd;
    bool on_linux = runs_on_linux(g_spawn.linux_programs, path);
    if (on_linux) {
        target = path;
        cmd = argv;
    } else {
        target = g_spawn.self;
        cmd = {"mcexec",
               "--os-index",
               std::to_string(g_spawn.os_index),
               "--os-fd",
               std::to_string(g_spawn.os_fd),
               "--share",
               std::to_string(g_spawn.cpu_first) + ":" + std::to_string(g_spawn.cpu_count) + ":" +
                   std::to_string(g_spawn.mem_limit),
               "--rlimits",
               program_limits_text(),
               "--blocked",
               hex(keeps.blocked),
               "--pending",
               hex(keeps.pending & keeps.blocked)};
        std::vector<std::string> kept = exec_keeps_args(keeps.thread, g_spawn.cpu_count); // its NUMA policy and CPUs
        cmd.insert(cmd.end(), kept.begin(), kept.end());
        cmd.insert(cmd.end(), {"--exec", path});
        cmd.insert(cmd.end(), g_spawn.policy_args.begin(), g_spawn.policy_args.end());
        cmd.insert(cmd.end(), g_spawn.report_args.begin(), g_spawn.report_args.end());
        cmd.push_back("--");
        if (argv.empty())
            argv.push_back(path); // Linux runs it with argc 0; the LWK's loader needs a name
        cmd.insert(cmd.end(), argv.begin(), argv.end());
    }
    auto cargs = c_array(cmd);
    auto cenv = c_array(envp);
    // The new image keeps the program's scheduling attributes (first: a
    // change under way signals every thread, this one too).
    sched_attrs_take_main();
    // One execve at a time and no fork meanwhile: what follows changes what
    // the whole of mcexec has (signal actions, its own limits, the instance's
    // descriptor open across execve) for this execve alone, and puts it back
    // if it fails, before the lock goes.
    std::unique_lock<std::shared_mutex> alone(g_exec_lock);
    // The signals the program ignores stay ignored in the new image, and no
    // other (Linux keeps SIG_IGN through execve and resets the rest): ours
    // carry them, the new mcexec reads them (or a Linux program has them).
    ExecIgnored ignored(a[MCK_EXEC_IGNORED_ARG]);
    std::optional<ExecMask> mask;
    std::optional<LinuxExecLimits> limits;
    std::optional<ExecArgRoom> stack_room;
    std::optional<KeptOpen> instance;
    if (on_linux) {
        mask.emplace(keeps);
        limits.emplace();
    } else {
        instance.emplace(g_spawn.os_fd);
        // What fits the program may not fit with our options added, under
        // our own limit.
        uint64_t all = target.size() + 1;
        for (const auto* list : {&cmd, &envp})
            for (const std::string& s : *list)
                all += s.size() + 1 + sizeof(uint64_t);
        stack_room.emplace(all);
    }
    // Our descriptors to the instance are close-on-exec: the old LWK process
    // ends as this image goes, and the new mcexec makes the next one (with
    // the instance's, kept open for it).
    execve(target.c_str(), cargs.data(), cenv.data());
    return -errno;
}

} // namespace mcexec
