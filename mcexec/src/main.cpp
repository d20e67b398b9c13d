// SPDX-License-Identifier: GPL-2.0
// mcexec [options] [os_index] program [args...]: run an unmodified Linux
// program on a McKernel instance. See docs/mcexec.md and --help.
//
// Exit status: the program's own (or mcexec dies of the program's signal);
// 127 program not found, 126 not executable here, 125 mcexec itself failed
// (no such instance, not running, too small, ...), like env(1) and timeout(1).
#include "credentials.h"
#include "exec_keeps.h"
#include "fd_limit.h"
#include "loader.h"
#include "lwk_view_tree.h"
#include "placement.h"
#include "program_limits.h"
#include "proxy.h"
#include "spawn.h"

#include <ihk/device.h>
#include <mcexec/abi.h>

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr int EXIT_MCEXEC = 125;
constexpr uint64_t GUARD_BYTES = 1ull << 40;

struct Options {
    int os_index = 0;
    unsigned ranks = 0;        // -n: processes sharing the instance on this node
    std::optional<unsigned> local_rank;
    std::vector<std::string> command;
    // Set by mcexec itself when the program calls execve (spawn.h):
    std::optional<int> os_index_opt; // --os-index: the instance, whatever the command looks like
    std::optional<int> os_fd;        // --os-fd N: the instance's descriptor, open (spawn.h)
    std::string share;               // --share FIRST:COUNT:MEM: the share of the old program
    std::optional<mcexec_create> share_parsed; // ... its cpu_first, cpu_count, mem_limit
    std::string exec_path;           // --exec PATH: run PATH; the command is its argv, argv[0] included
    std::string rlimits;             // --rlimits AS,DATA,STACK[,CPU]: the old program's limits (program_limits.h)
    std::string blocked;             // --blocked MASK: the old program's signal mask
    std::string pending;             // --pending MASK: the signals pending for it
    std::string mempolicy;           // --mempolicy MODE:FLAGS:NODES: its NUMA policy (exec_keeps.h)
    std::string cpus;                // --cpus MASK: its CPUs, in the share's numbering
    std::optional<uint32_t> offload_spin; // --offload-spin US: both sides' spin budget
    std::optional<std::string> report;    // --report[=FILE]: "" for standard error
    std::string report_format = "text";   // --report-format
    std::string report_group;             // --report-group N:DIR
    mcexec::ReportGroup group;            // ... parsed
};

// What a fork child needs to become the new process's mcexec (become_fork_child).
int g_osfd = -1;
mcexec_create g_share{};          // cpu_first, cpu_count, mem_limit of this process
mcexec::ProxyConfig* g_proxy;

[[noreturn]] void die(const std::string& msg, int status = EXIT_MCEXEC)
{
    fprintf(stderr, "mcexec: %s\n", msg.c_str());
    exit(status);
}

int64_t now_ns(clockid_t clock)
{
    timespec ts;
    clock_gettime(clock, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Our descriptor @fd moved, close-on-exec, to its place at the top of
// RLIMIT_NOFILE's hard limit (fd_limit.h; @slot 0 the instance, 1 the process
// file): above every number the program may name. Linux allocates there only
// under a soft limit that high, which we take for this call alone.
int move_high(int fd, unsigned slot)
{
    rlimit now;
    if (getrlimit(RLIMIT_NOFILE, &now) != 0 || now.rlim_max < 16 || now.rlim_max > INT_MAX)
        die("RLIMIT_NOFILE: mcexec keeps its descriptors below the hard limit, which must be 16 to 2^31");
    int target = int(mcexec::reserved_fd_number(now.rlim_max, slot));
    if (fd == target)
        return fd; // there already (--os-fd, passed on by an execve)
    if (fcntl(target, F_GETFD) >= 0)
        die("descriptor " + std::to_string(target) + " is open: mcexec keeps its own there");
    rlimit top{now.rlim_max, now.rlim_max};
    int high = setrlimit(RLIMIT_NOFILE, &top) == 0 ? dup3(fd, target, O_CLOEXEC) : -1;
    int e = errno;
    setrlimit(RLIMIT_NOFILE, &now);
    if (high < 0)
        die("cannot keep a descriptor at " + std::to_string(target) + ": " + strerror(e));
    close(fd);
    return high;
}

// MCEXEC_CREATE with mcexec dumpable as Linux made it at execve, only for
// the moment mcctrl records the program's credentials (its dumpable state
// is the program's: process_vm_readv, migrate_pages and core dumps of it
// follow that). Then, and on the error, not dumpable again.
int make_lwk_process(int osfd, mcexec_create* create, int dumpable)
{
    prctl(PR_SET_DUMPABLE, dumpable);
    int ret = ioctl(osfd, MCEXEC_CREATE, create);
    int e = errno;
    prctl(PR_SET_DUMPABLE, 0);
    errno = e;
    return ret;
}

// MCEXEC_CREATE refused with EPROTO: mcexec, mcctrl.ko and the image do not
// all speak our MCEXEC_ABI_VERSION. Say which differs and what fixes it.
std::string release_mismatch(unsigned os_index)
{
    unsigned module_abi = 0;
    if (FILE* f = fopen("/sys/module/mcctrl/parameters/abi_version", "r")) {
        if (fscanf(f, "%u", &module_abi) != 1)
            module_abi = 0;
        fclose(f);
    }
    std::string ours = std::to_string(MCEXEC_ABI_VERSION);
    if (module_abi != MCEXEC_ABI_VERSION)
        return "this mcexec (ABI " + ours + ") and the loaded mcctrl.ko (ABI " +
               (module_abi ? std::to_string(module_abi) : std::string("unknown")) +
               ") come from different releases; install one release and reload the modules "
               "(mcstop+release.sh; mcreboot.sh)";
    return "McKernel instance " + std::to_string(os_index) + " runs an image of another release than mcctrl.ko (ABI " +
           ours + "; its log and dmesg say which); boot the installed image (mcstop+release.sh; mcreboot.sh)";
}

Options parse(int argc, char** argv)
{
    Options o;
    // An option given with an empty value is a mistake (a variable that was not
    // set), never "the default": `--share ''` must not mean no share at all.
    const CLI::Validator given([](std::string& v) { return v.empty() ? std::string("an empty value") : std::string(); },
                               "");
    CLI::App app{"Run an unmodified Linux x86-64 program on McKernel. System calls McKernel does not\n"
                 "handle itself run here, in mcexec, as you; the program's exit status is mcexec's.\n"
                 "Exit status 127: program not found, 126: not executable, 125: mcexec failed.",
                 "mcexec"};
    app.add_option("-n,--ranks-per-node", o.ranks,
                   "Split the instance's CPUs and memory into this many equal shares and take the share\n"
                   "of this process's local rank (--local-rank, or the launcher's). Without -n, a process\n"
                   "started by a launcher (MCEXEC_LOCAL_RANK/SIZE, Open MPI, MPICH, Slurm) takes its share\n"
                   "among the launcher's processes on this node")
        ->check(CLI::Range(1u, 4096u));
    app.add_option("--local-rank", o.local_rank, "This process's rank among the -n processes on this node")
        ->check(CLI::Range(0u, 4095u));
    app.add_option("--offload-spin", o.offload_spin,
                   "Microseconds (0-" + std::to_string(MCEXEC_SPIN_MAX_US) +
                       ") an LWK thread waiting for an offloaded call, and the mcexec thread\n"
                       "waiting for the next one, poll before they sleep; 0: never. Each side spins only\n"
                       "while nothing else wants its CPU. Default: McKernel's offload_spin_us kernel\n"
                       "argument and mcctrl's offload_spin_us parameter (200)")
        ->option_text("US")
        ->check(CLI::Range(0u, unsigned(MCEXEC_SPIN_MAX_US)));
    app.add_option("--report", o.report,
                   "When the program ends, write what McKernel counted for it (offloaded and local\n"
                   "calls, page faults, interrupts per CPU, context switches, peak memory, times) to\n"
                   "FILE, or to standard error without =FILE")
        ->option_text("[=FILE]")
        ->expected(0, 1);
    app.add_option("--report-format", o.report_format, "text (a short table) or json (docs/mcexec.md)")
        ->option_text("text|json")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_option("--report-group", o.report_group,
                   "N:DIR: this program is one of N (e.g. the tasks of a job step on this node) whose\n"
                   "reports gather in DIR (made if missing) as JSON; the last of them to end prints one\n"
                   "line for all N on standard error (what the Slurm plugin passes)")
        ->option_text("N:DIR")
        ->check(given);
    app.add_option("--os-index", o.os_index_opt, "The instance (instead of a leading number in the command)")
        ->check(CLI::Range(0, 9999));
    app.add_option("--os-fd", o.os_fd,
                   "N: the instance's descriptor N, open, instead of opening /dev/mcosN (what mcexec passes\n"
                   "on when the program calls execve: it may have given up the right to open it)")
        ->check(CLI::Range(0, INT_MAX));
    app.add_option("--share", o.share,
                   "FIRST:COUNT:BYTES: this share of the instance's CPUs and memory (what mcexec passes on\n"
                   "when the program calls execve)")
        ->check(given);
    app.add_option("--rlimits", o.rlimits,
                   "AS_CUR:AS_MAX,DATA_CUR:DATA_MAX,STACK_CUR:STACK_MAX[,CPU_CUR:CPU_MAX]: the program's\n"
                   "RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK in bytes and RLIMIT_CPU in seconds, or inf, at\n"
                   "most mcexec's own hard limits (what mcexec passes on when the program calls execve;\n"
                   "default: mcexec's own)")
        ->check(given);
    app.add_option("--blocked", o.blocked,
                   "MASK: the program's signal mask, bit N-1 for signal N, in hex (what mcexec passes on\n"
                   "when the program calls execve; default: the mask mcexec started with)")
        ->check(given);
    app.add_option("--pending", o.pending,
                   "MASK: signals pending for the program when it starts, in hex as --blocked (what\n"
                   "mcexec passes on when the program calls execve)")
        ->check(given);
    app.add_option("--mempolicy", o.mempolicy,
                   "MODE:FLAGS:NODES: the program's NUMA policy as set_mempolicy takes it (mode in decimal,\n"
                   "flags and node mask in hex; what mcexec passes on when the program calls execve)")
        ->check(given);
    app.add_option("--cpus", o.cpus,
                   "MASK: the CPUs of the share the program may run on, CPU 0 the lowest bit, in hex\n"
                   "(what mcexec passes on when the program calls execve; default: all)")
        ->check(given);
    app.add_option("--exec", o.exec_path,
                   "Run PATH as it is (no PATH search) with the command as its whole argv, argv[0]\n"
                   "included (what mcexec passes on when the program calls execve)")
        ->check(given);
    // CLI11 sees only mcexec's own options (below), so it cannot write the usage itself.
    struct Usage : CLI::Formatter {
        std::string make_usage(const CLI::App*, std::string) const override
        {
            return "Usage: mcexec [OPTIONS] [os_index] program [args...]\n";
        }
    };
    app.formatter(std::make_shared<Usage>());
    app.footer("os_index: the OS instance to run on (/dev/mcosN; default 0). program: a path, or a name\n"
               "looked up in PATH. Everything after program is the program's own; after \"--\" the next\n"
               "word is the program, even a number (give the instance before \"--\" or with --os-index).");
    app.set_version_flag("--version", "mcexec (McKernel suite) " MCK_VERSION);
    // Our options end at the first word that is not one (or at "--"): the rest is
    // the command, whatever options it has. CLI11 sees only our part.
    std::vector<char*> ours{argv[0]};
    int i = 1;
    bool dashdash = false; // then the next word is the program, even if it is a number
    for (; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--") {
            dashdash = true;
            i++;
            break;
        }
        if (a.empty() || a[0] != '-')
            break;
        ours.push_back(argv[i]);
        // --report takes its FILE only as --report=FILE: the next word is the program.
        bool takes_value = a == "-n" || a == "--ranks-per-node" || a == "--local-rank" || a == "--os-index" || a == "--os-fd" ||
                           a == "--share" || a == "--exec" || a == "--rlimits" || a == "--blocked" || a == "--pending" ||
                           a == "--offload-spin" || a == "--mempolicy" || a == "--cpus" ||
                           a == "--report-format" || a == "--report-group";
        if (takes_value && i + 1 < argc)
            ours.push_back(argv[++i]);
    }
    for (; i < argc; i++)
        o.command.emplace_back(argv[i]);
    try {
        app.parse(int(ours.size()), ours.data());
    } catch (const CLI::ParseError& e) {
        exit(app.exit(e) ? EXIT_MCEXEC : 0);
    }
    if (o.command.empty()) {
        fprintf(stderr, "mcexec: no program given\n%s", app.help().c_str());
        exit(EXIT_MCEXEC);
    }
    if (o.os_index_opt)
        o.os_index = *o.os_index_opt;
    // IHK's syntax: a leading number is the instance (not after "--": mck-task
    // runs `mcexec ... -- PROGRAM`, and a program may be named 5).
    else if (!dashdash && o.command.size() > 1 && !o.command[0].empty() &&
        o.command[0].find_first_not_of("0123456789") == std::string::npos) {
        if (o.command[0].size() > 4)
            die("OS index '" + o.command[0] + "' is out of range");
        o.os_index = std::stoi(o.command[0]);
        o.command.erase(o.command.begin());
        if (o.command[0] == "--") // mcexec 1 -- PROGRAM
            o.command.erase(o.command.begin());
        if (o.command.empty())
            die("no program given after the OS index");
    }
    if (o.local_rank && !o.ranks)
        die("--local-rank needs -n");
    if (app.count("--report-format") && !o.report)
        die("--report-format needs --report");
    if (!o.report_group.empty() && o.report)
        die("--report-group writes the report itself: not with --report");
    if (!o.share.empty()) {
        // Three numbers, digits only (strtoull would take "-1" as 2^64-1), none past 64 bits.
        unsigned long long v[3] = {};
        const char* at = o.share.c_str();
        bool ok = true;
        for (int i = 0; i < 3 && ok; i++) {
            char* end = nullptr;
            errno = 0;
            ok = *at >= '0' && *at <= '9';
            v[i] = ok ? strtoull(at, &end, 10) : 0;
            ok = ok && !errno && *end == (i < 2 ? ':' : '\0');
            at = ok ? end + 1 : at;
        }
        unsigned long long first = v[0], count = v[1], mem = v[2];
        if (!ok || first > 4095 || count > 4096) // 0:0:0: the whole instance (no share)
            die("--share '" + o.share + "': expected FIRST:COUNT:BYTES (CPU numbers from 0 to 4095)");
        mcexec_create share{};
        share.cpu_first = uint32_t(first);
        share.cpu_count = uint32_t(count);
        share.mem_limit = mem;
        o.share_parsed = share;
    }
    if (!o.report_group.empty()) {
        auto group = mcexec::parse_report_group(o.report_group);
        if (!group)
            die("--report-group '" + o.report_group + "': expected N:DIR with N from 1 to 4096 and a directory");
        o.group = *group;
    }
    return o;
}

// The child of a fork (spawn.h), the one thread left: adopt the LWK child
// McKernel copied for token @token and serve it as its mcexec.
[[noreturn]] void become_fork_child(uint64_t token)
{
    fcntl(g_osfd, F_SETFD, FD_CLOEXEC); // however the parent had it: never a Linux program's
    mcexec::proxy_after_fork();
    mcexec::forward_after_fork();
    close(g_proxy->proc_fd); // the parent's process file
    g_proxy->report.enabled = false; // the report is the program mcexec started
    mcexec::spawn_drop_report();
    mcexec_create create = g_share;
    create.flags = MCEXEC_CREATE_FORK;
    create.fork_token = token;
    create.fd = -1;
    create.realtime_ns = now_ns(CLOCK_REALTIME);
    create.monotonic_ns = now_ns(CLOCK_MONOTONIC);
    if (ioctl(g_osfd, MCEXEC_CREATE, &create) < 0)
        die(std::string("fork: cannot take over the child on McKernel: ") + strerror(errno));
    mcexec::fork_child_adopted();
    int pfd = move_high(create.fd, 1);
    // Our own view of the child's memory (mcctrl's mapping is not inherited).
    void* want = reinterpret_cast<void*>(MCK_USER_START);
    if (mmap(want, MCK_USER_END - MCK_USER_START, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, pfd, 0) !=
        want)
        die(std::string("fork: cannot map the child's address range: ") + strerror(errno));
    g_proxy->proc_fd = pfd;
    g_proxy->forward.proc_fd = pfd;
    g_proxy->forward.reserved.fds[1] = pfd;
    mcexec_start start{0, 0}; // it goes on from its parent's fork
    if (ioctl(pfd, MCEXEC_START, &start) < 0)
        die(std::string("fork: cannot start the child: ") + strerror(errno));
    mcexec::serve(*g_proxy);
}

// Signals ignored when we started (SIG_IGN, which Linux keeps through execve:
// nohup's SIGHUP, or the program's own before it ran another): the program's
// too. Read before mcexec sets any action of its own.
uint64_t inherited_ignored()
{
    uint64_t mask = 0;
    for (int sig = 1; sig <= 64; sig++) {
        struct sigaction sa {};
        if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN)
            mask |= 1ull << (sig - 1);
    }
    return mask;
}

// The signal mask we started with, which Linux keeps through execve: the
// program's (from its launcher). mcexec itself then needs the signals it acts
// on unblocked (a launcher's mask must not stop its checked copies of the
// program's memory or its own messages); those it passes on stay blocked
// until its main thread takes them.
uint64_t inherited_blocked()
{
    sigset_t s;
    uint64_t mask = 0;
    if (pthread_sigmask(SIG_SETMASK, nullptr, &s) == 0)
        for (int sig = 1; sig <= 64; sig++)
            if (sig != SIGKILL && sig != SIGSTOP && sigismember(&s, sig) == 1)
                mask |= 1ull << (sig - 1);
    sigset_t own;
    sigemptyset(&own);
    for (int sig : {SIGSEGV, SIGBUS, MCEXEC_INTERRUPT_SIGNAL, mcexec::CREDENTIALS_SIGNAL})
        sigaddset(&own, sig);
    pthread_sigmask(SIG_UNBLOCK, &own, nullptr);
    return mask;
}

// --blocked or --pending MASK: hex, as exec_call writes it.
uint64_t parse_mask(const char* option, const std::string& text)
{
    char* end = nullptr;
    errno = 0;
    unsigned long long v = strtoull(text.c_str(), &end, 16);
    if (text.empty() || text[0] == '-' || errno || *end)
        die(std::string(option) + " '" + text + "': not a hexadecimal signal mask");
    return v & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
}

// With no soft RLIMIT_STACK (or one over 1 TiB), Linux lays out our own
// mappings from a sixth of the address space down (x86's mmap_base caps the
// stack's gap at five sixths), inside the program's range, which then cannot
// be mapped here: `ulimit -s unlimited`, common in job scripts, would stop
// every program. The layout is made at exec: run ourselves again with a soft
// limit of 8 MiB, giving the program its own limits (unlimited) with
// --rlimits. Before we change anything an execve keeps (signal mask).
void run_again_with_stack_limit(int argc, char** argv, const Options& opt)
{
    rlimit stack;
    if (getrlimit(RLIMIT_STACK, &stack) != 0 || (stack.rlim_cur != RLIM_INFINITY && stack.rlim_cur <= (1ull << 40)))
        return;
    std::vector<std::string> args{argv[0]};
    if (opt.rlimits.empty()) {
        mcexec::program_limits_init("");
        args.insert(args.end(), {"--rlimits", mcexec::program_limits_text()});
    }
    args.insert(args.end(), argv + 1, argv + argc);
    stack.rlim_cur = 8ull << 20;
    if (setrlimit(RLIMIT_STACK, &stack) != 0)
        die(std::string("cannot set our own RLIMIT_STACK: ") + strerror(errno));
    std::vector<char*> c;
    for (std::string& a : args)
        c.push_back(a.data());
    c.push_back(nullptr);
    // By its own path: Linux names the process after it (ps -C mcexec, pkill).
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    std::string exe = n > 0 ? std::string(self, size_t(n)) : std::string("/proc/self/exe");
    execv(exe.c_str(), c.data());
    execv("/proc/self/exe", c.data()); // our file replaced meanwhile (an upgrade): "... (deleted)"
    die(std::string("cannot run mcexec again with a stack limit: ") + strerror(errno));
}

} // namespace

int main(int argc, char** argv)
{
    // No other process of the user may read or trace mcexec: its memory
    // holds what the program must not reach, and its descriptors the
    // instance's (which a program that dropped its privileges passes on with
    // --os-fd: a process of the new user must not take it in the meantime).
    // docs/security.md. What Linux made of us at execve is the program's
    // (mcctrl records it when the process is created: make_lwk_process).
    const int dumpable_at_exec = prctl(PR_GET_DUMPABLE);
    prctl(PR_SET_DUMPABLE, 0);
    Options opt = parse(argc, argv);
    run_again_with_stack_limit(argc, argv, opt);
    const uint64_t ignored = inherited_ignored();
    const uint64_t started_blocked = inherited_blocked();
    const uint64_t blocked = opt.blocked.empty() ? started_blocked : parse_mask("--blocked", opt.blocked);
    const uint64_t pending = opt.pending.empty() ? 0 : parse_mask("--pending", opt.pending);
    std::string keeps_error;
    const std::optional<mck_exec_keeps> keeps = mcexec::parse_exec_keeps(opt.mempolicy, opt.cpus, &keeps_error);
    if (!keeps)
        die(keeps_error);
    if (std::string e = mcexec::program_limits_init(opt.rlimits); !e.empty())
        die("--rlimits '" + opt.rlimits + "': " + e);
    // Those limits are now the program's, kept by the LWK. Ours must allow the
    // program's whole range mapped here, which no RLIMIT_AS below 64 TiB does.
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
        if (as.rlim_max != RLIM_INFINITY)
            die("RLIMIT_AS has a hard limit (" + std::to_string(as.rlim_max >> 20) +
                " MiB): mcexec maps the program's whole address range (64 TiB) and cannot run under one; "
                "a soft limit is applied to the program by McKernel");
        as.rlim_cur = RLIM_INFINITY;
        setrlimit(RLIMIT_AS, &as);
    }
    // Shared file mappings pin Linux pages charged to RLIMIT_MEMLOCK (mcctrl):
    // take all the hard limit allows, whatever soft limit a launcher passed on.
    struct rlimit lock;
    if (getrlimit(RLIMIT_MEMLOCK, &lock) == 0 && lock.rlim_cur < lock.rlim_max) {
        lock.rlim_cur = lock.rlim_max;
        setrlimit(RLIMIT_MEMLOCK, &lock);
    }
    // The program's descriptors end below ours (fd_limit.h): its soft limit too.
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        mcexec::FdLimit program = mcexec::program_nofile({nofile.rlim_cur, nofile.rlim_max});
        if (program.cur < nofile.rlim_cur) {
            nofile.rlim_cur = program.cur;
            setrlimit(RLIMIT_NOFILE, &nofile);
        }
    }
    mcexec::LoadError lerr;
    std::string path;
    if (!opt.exec_path.empty()) // execve's path: relative to the working directory, never on PATH
        path = mcexec::resolve_program(opt.exec_path.find('/') == std::string::npos ? "./" + opt.exec_path
                                                                                  : opt.exec_path,
                                       nullptr, &lerr);
    else
        path = mcexec::resolve_program(opt.command[0], getenv("PATH"), &lerr);
    if (path.empty())
        die(lerr.message, lerr.status);
    // A "#!" script runs as its interpreter's argument, as with execve.
    std::string script = path;
    std::vector<std::string> args = mcexec::apply_shebang(path, opt.command, &path, &lerr);
    if (args.empty())
        die(lerr.message, lerr.status);
    mcexec::ElfImage exe, interp;
    if (!mcexec::load_elf(path, MCK_PIE_BASE, &exe, &lerr))
        die(lerr.message, lerr.status);
    std::vector<const mcexec::ElfImage*> images{&exe};
    if (!exe.interp.empty()) {
        if (!mcexec::load_elf(exe.interp, MCK_INTERP_BASE, &interp, &lerr))
            die(path + ": its dynamic loader " + lerr.message, 126);
        images.push_back(&interp);
    }

    // The instance and our share of it.
    std::string dev = "/dev/mcos" + std::to_string(opt.os_index);
    int osfd;
    if (opt.os_fd) {
        // Passed on by the program's execve (spawn.h), which may have dropped
        // the privileges that opened it, as a Linux program keeps its files.
        osfd = *opt.os_fd;
        fcntl(osfd, F_SETFD, FD_CLOEXEC);
    } else {
        osfd = open(dev.c_str(), O_RDWR | O_CLOEXEC);
        if (osfd < 0 && errno == EACCES)
            die(dev + ": permission denied (McKernel instance " + std::to_string(opt.os_index) +
                " belongs to another user)");
    }
    auto os = opt.os_fd ? ihk::Os::from_fd(osfd, opt.os_index) : ihk::Os::open(opt.os_index);
    if (!os)
        die("McKernel instance " + std::to_string(opt.os_index) + ": " + os.error().message);
    auto status = os->status();
    if (!status || *status != ihk::OsStatus::Running)
        die("McKernel instance " + std::to_string(opt.os_index) + " is not running (" +
            (status ? std::string(ihk::to_string(*status)) : status.error().message) +
            "); boot it with mcreboot.sh");
    mcexec_create create{};
    create.version = MCEXEC_ABI_VERSION;
    // Our share of the instance: -n/--local-rank, or what the launcher says (pmix/placement.h).
    std::string placement_error;
    if (opt.ranks && !opt.local_rank && getenv("MCEXEC_LOCAL_RANK") && !getenv("MCEXEC_LOCAL_SIZE")) {
        // -n with the rank alone in the environment (IHK's habit).
        const char* r = getenv("MCEXEC_LOCAL_RANK");
        char* end;
        unsigned long v = strtoul(r, &end, 10);
        if (!*r || *end || v > 4095)
            die(std::string("MCEXEC_LOCAL_RANK='") + r + "' is not a local rank");
        opt.local_rank = unsigned(v);
    }
    auto placed = mckpmix::placement_from_env([](const char* v) { return getenv(v); }, &placement_error);
    if (!placed && !placement_error.empty() && (opt.ranks == 0 || !opt.local_rank))
        die(placement_error);
    unsigned ranks = opt.ranks ? opt.ranks : placed ? placed->local_size : 1;
    if (opt.share_parsed) {
        // The share of the program that called execve, as it was.
        create.cpu_first = opt.share_parsed->cpu_first;
        create.cpu_count = opt.share_parsed->cpu_count;
        create.mem_limit = opt.share_parsed->mem_limit;
    } else if (ranks > 1) {
        unsigned rank;
        if (opt.local_rank)
            rank = *opt.local_rank;
        else if (placed)
            rank = placed->local_rank;
        else
            die("-n " + std::to_string(ranks) + ": cannot tell this process's local rank; pass --local-rank "
                                                "or set MCEXEC_LOCAL_RANK");
        if (rank >= ranks)
            die("local rank " + std::to_string(rank) + " is not below -n " + std::to_string(ranks));
        auto cpus = os->query_cpus();
        auto mem = os->query_mem();
        if (!cpus || !mem)
            die("cannot query instance " + std::to_string(opt.os_index));
        unsigned ncpus = unsigned(cpus->size()), share = ncpus / ranks;
        if (!share)
            die(std::to_string(ranks) + " processes per node need at least that many LWK CPUs; instance " +
                std::to_string(opt.os_index) + " has " + std::to_string(ncpus));
        uint64_t total = 0;
        for (const auto& e : *mem)
            total += e.size;
        create.cpu_first = rank * share;
        create.cpu_count = share;
        create.mem_limit = total / ranks;
    }
    create.realtime_ns = now_ns(CLOCK_REALTIME);
    create.monotonic_ns = now_ns(CLOCK_MONOTONIC);
    if (osfd < 0)
        die(dev + ": " + strerror(errno));
    osfd = move_high(osfd, 0);
    // The machine the program sees: its share (lwk_view_tree.h). Made before the
    // program's range is mapped here, as it starts a process.
    std::string view_error;
    auto view = mcexec::LwkView::create(*os, create.cpu_first, create.cpu_count, create.mem_limit, &view_error);
    if (!view)
        fprintf(stderr, "mcexec: warning: the program sees Linux's CPUs and memory: %s\n", view_error.c_str());
    // Its questions asked, the instance's second descriptor goes: only osfd
    // (reserved, out of the program's reach) stays open for the run.
    { ihk::Os done = std::move(*os); }
    // After execve the old program's LWK process may still be ending (its
    // descriptor closed with the old image): give it a moment.
    int create_ret;
    for (int tries = 0; (create_ret = make_lwk_process(osfd, &create, dumpable_at_exec)) < 0 &&
                        !opt.exec_path.empty() && (errno == EBUSY || errno == EEXIST) && tries < 500;
         tries++)
        usleep(10000);
    if (create_ret < 0) {
        if (errno == ENOTTY)
            die("mcctrl.ko is not loaded (mcreboot.sh loads it)");
        if (errno == EPROTO)
            die(release_mismatch(opt.os_index));
        die("cannot create the process on instance " + std::to_string(opt.os_index) + ": " + strerror(errno));
    }
    int pfd = move_high(create.fd, 1);
    if (opt.offload_spin) {
        mcexec_policy policy{};
        policy.lwk_spin_us = *opt.offload_spin;
        policy.linux_spin_us = *opt.offload_spin;
        if (ioctl(pfd, MCEXEC_POLICY, &policy) < 0)
            die("--offload-spin " + std::to_string(*opt.offload_spin) + ": " +
                (errno == ENOTTY ? std::string("mcctrl.ko is older than this mcexec") : strerror(errno)));
    }

    // The unified address space: the program's whole user range, mapped here.
    void* want = reinterpret_cast<void*>(MCK_USER_START);
    void* got = mmap(want, MCK_USER_END - MCK_USER_START, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
                     pfd, 0);
    if (got != want) {
        // Our own mappings are in the way: the legacy layout (`setarch -L`,
        // vm.legacy_va_layout) puts them from a third of the address space up.
        int e = errno;
        die(std::string("cannot map the program's address range in mcexec: ") + strerror(e) +
            (e == EEXIST ? " (mcexec's own memory is there: is the legacy address space layout on? "
                           "setarch -L, sysctl vm.legacy_va_layout)"
                         : ""));
    }
    // A guard above it: an offloaded call given a buffer that starts in the
    // program's range and runs past its end faults there (EFAULT) instead of
    // reaching mcexec's own memory. 1 TiB is far more than any one call moves.
    void* guard = mmap(reinterpret_cast<void*>(MCK_USER_END), GUARD_BYTES, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (guard != reinterpret_cast<void*>(MCK_USER_END))
        die(std::string("cannot reserve the guard above the program's address range: ") + strerror(errno));
    std::vector<std::string> env;
    for (char** e = environ; *e; e++)
        env.emplace_back(*e);
    mcexec::AuxInfo aux;
    aux.phdr = exe.phdr;
    aux.phent = exe.phent;
    aux.phnum = exe.phnum;
    aux.entry = exe.entry;
    aux.base = exe.interp.empty() ? 0 : interp.bias;
    aux.uid = getuid();
    aux.euid = geteuid();
    aux.gid = getgid();
    aux.egid = getegid();
    aux.hwcap = getauxval(AT_HWCAP);
    aux.hwcap2 = getauxval(AT_HWCAP2);
    aux.clktck = uint64_t(sysconf(_SC_CLK_TCK));
    aux.minsigstksz = getauxval(AT_MINSIGSTKSZ);
    aux.sysinfo_ehdr = MCK_VDSO_BASE; // the LWK maps its vDSO into every process it creates
    aux.random.resize(16);
    if (getrandom(aux.random.data(), 16, 0) != 16)
        die("getrandom failed");
    aux.platform = "x86_64";
    aux.execfn = script;
    mcexec::StackImage stack = mcexec::build_stack(MCK_STACK_TOP, args, env, aux);
    // Regions: the program, its loader, its stack. The stack's top is mapped
    // now: the top 2 MiB (one large page) if the program's soft RLIMIT_STACK
    // allows, and at least its arguments and 128 KiB more (as Linux's first
    // stack region); the LWK grows it on first touch below, up to the limit
    // the program has then (docs/lwk.md, "The stack"), so little is there
    // that a limit lowered later would not allow. Arguments and environment
    // as Linux takes them (program_arg_max).
    mck_rlimit program_limits[MCK_RLIMITS];
    mcexec::program_limits_to(program_limits);
    uint64_t stack_limit = program_limits[MCK_RLIMIT_STACK].cur;
    // (Passed on by an execve, they were counted there, by the caller's names.)
    if (opt.exec_path.empty() && mcexec::exec_strings_fit(mcexec::program_arg_max(), script, args, env))
        die("the arguments and environment take more than " + std::to_string(mcexec::program_arg_max()) +
                " bytes with their pointers (a quarter of RLIMIT_STACK), or one is longer than " +
                std::to_string(mcexec::MAX_ARG_STRLEN - 1),
            126);
    uint64_t stack_size = std::min<uint64_t>(stack_limit & ~uint64_t(4095), 2ull << 20);
    stack_size = std::max<uint64_t>(stack_size, ((stack.bytes.size() + 4095) & ~uint64_t(4095)) + (128ull << 10));
    std::vector<mcexec::Region> regions = mcexec::plan_regions(images);
    uint64_t stack_start = MCK_STACK_TOP - stack_size;
    regions.push_back(mcexec::Region{stack_start, stack_size, PROT_READ | PROT_WRITE});
    if (regions.size() > MCK_MAX_REGIONS)
        die(path + ": too many segments (" + std::to_string(regions.size()) + ")", 126);
    for (const auto& r : regions)
        if (r.start < MCK_USER_START || r.start + r.len > MCK_USER_END)
            die(path + ": it wants address 0x" + std::to_string(r.start) + ", outside the LWK's user range", 126);
    std::vector<mcexec_region> abi_regions;
    uint64_t need = 0;
    for (const auto& r : regions) {
        abi_regions.push_back(mcexec_region{r.start, r.len, r.prot, 0});
        need += r.len;
    }
    mcexec_setup setup{};
    setup.num_regions = uint32_t(abi_regions.size());
    setup.regions = reinterpret_cast<uint64_t>(abi_regions.data());
    setup.brk_start = exe.end;
    setup.stack_start = stack_start;
    setup.stack_max = stack_size;
    mcexec::program_limits_to(setup.rlimits);
    setup.ignored = ignored;
    setup.blocked = blocked;
    setup.pending = pending;
    setup.keeps = *keeps;
    if (ioctl(pfd, MCEXEC_SETUP, &setup) < 0) {
        if (errno == ENOMEM)
            die("instance " + std::to_string(opt.os_index) + " has too little memory for " + path + " (it needs " +
                std::to_string((need + (1 << 20) - 1) >> 20) + " MiB to start)");
        if (errno == EINVAL && (!opt.mempolicy.empty() || !opt.cpus.empty())) {
            std::string policy = opt.mempolicy.empty() ? "" : "--mempolicy '" + opt.mempolicy + "'";
            std::string cpus = opt.cpus.empty() ? "" : "--cpus '" + opt.cpus + "'";
            die("cannot set up " + path + " on the LWK: " + strerror(EINVAL) + " (" + policy +
                (policy.empty() || cpus.empty() ? "" : " or ") + cpus +
                ": no node or CPU of this share, or a policy set_mempolicy would refuse?)");
        }
        die("cannot set up " + path + " on the LWK: " + strerror(errno));
    }

    // Write the program and its loader straight into the LWK's memory.
    for (const mcexec::ElfImage* im : images) {
        for (const auto& s : im->segments) {
            uint64_t done = 0;
            while (done < s.filesz) {
                ssize_t n = pread(im->fd, reinterpret_cast<void*>(s.vaddr + done), s.filesz - done,
                                  off_t(s.offset + done));
                if (n <= 0)
                    die(im->path + ": cannot read it: " + (n < 0 ? strerror(errno) : "file shrank"), 126);
                done += uint64_t(n);
            }
        }
        close(im->fd);
    }
    memcpy(reinterpret_cast<void*>(stack.sp), stack.bytes.data(), stack.bytes.size());

    static mcexec::ProxyConfig config{pfd, opt.os_index, path, {pfd, path, {}}};
    config.forward.reserved.fds[0] = osfd;
    config.report.enabled = opt.report.has_value();
    config.report.file = opt.report.value_or("");
    config.report.json = opt.report_format == "json";
    config.report.cpu_first = create.cpu_first;
    if (opt.group.size) {
        config.report.enabled = true;
        config.report.json = true;
        config.report.group = opt.group;
        config.report.file = opt.group.dir + "/task-" + std::to_string(getpid()) + ".json";
    }
    config.forward.reserved.fds[1] = pfd;
    g_osfd = osfd;
    g_share = create;
    g_proxy = &config;
    mcexec::SpawnConfig spawn;
    spawn.os_index = opt.os_index;
    spawn.os_fd = osfd;
    spawn.cpu_first = create.cpu_first;
    spawn.cpu_count = create.cpu_count;
    spawn.mem_limit = create.mem_limit;
    char self[PATH_MAX];
    ssize_t self_len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    spawn.self = self_len > 0 ? std::string(self, size_t(self_len)) : std::string("/proc/self/exe");
    const char* on_linux = getenv("MCEXEC_LINUX_PROGRAMS");
    spawn.linux_programs = on_linux ? on_linux : "";
    spawn.become_child = become_fork_child;
    if (opt.offload_spin)
        spawn.policy_args = {"--offload-spin", std::to_string(*opt.offload_spin)};
    if (opt.report)
        spawn.report_args = {"--report=" + *opt.report, "--report-format", opt.report_format};
    if (!opt.report_group.empty())
        spawn.report_args = {"--report-group", opt.report_group};
    mcexec::spawn_init(spawn);
    if (view && view->set_program(path, args, env))
        config.forward.view = view.get();
    mcexec_start start{exe.interp.empty() ? exe.entry : interp.entry, stack.sp};
    if (ioctl(pfd, MCEXEC_START, &start) < 0)
        die("cannot start " + path + ": " + strerror(errno));
    mcexec::serve(config);
}
