// SPDX-License-Identifier: GPL-2.0
/*
 * The McKernel SPANK plugin: --mck and --mck-* for srun, sbatch and salloc.
 * Callbacks stay thin (as in pyxis): options are parsed and checked by
 * spank/lib at submit time; the prolog and epilog run the root helper
 * mck-slurm; each task of a job step is started through mcexec by replacing
 * its program with the mck-task wrapper (Slurm 22.05 has no
 * spank_prepend_task_argv). docs/slurm-admin.md, docs/slurm-user.md.
 *
 * plugstack.conf:  required /usr/lib/.../mckernel_spank.so [config=/etc/mckernel/slurm.conf]
 */
#include "options.h"
#include "request.h"
#include "site_config.h"

extern "C" {
#include <slurm/slurm.h>
#include <slurm/spank.h>
}

#include <algorithm>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
extern const char plugin_name[] = "mckernel";
extern const char plugin_type[] = "spank";
extern const unsigned int plugin_version = SLURM_VERSION_NUMBER;
extern const unsigned int spank_plugin_version = 1;
}

namespace {

using namespace mckslurm;

#define MCK_SPANK_OPTION(val, ...) val,
enum Opt { NO_OPT, MCK_SPANK_OPTIONS(MCK_SPANK_OPTION) };
#undef MCK_SPANK_OPTION

std::string g_config_path = MCK_SITE_CONFIG;
SiteConfig g_site = default_site_config();
JobRequest g_req;
std::string g_raw[KMSG + 1]; // option values as given, for the helper
bool g_given[KMSG + 1];

int on_option(int val, const char* optarg, int remote);

#define MCK_SPANK_OPTION(val, name, arginfo, has_arg, usage) \
    {const_cast<char*>(name), const_cast<char*>(arginfo), const_cast<char*>(usage), has_arg, val, on_option},
spank_option g_options[] = {MCK_SPANK_OPTIONS(MCK_SPANK_OPTION)};
#undef MCK_SPANK_OPTION

int on_option(int val, const char* optarg, int)
{
    // Slurm hands an absent optional argument to the prolog as "(null)".
    std::string v = optarg && strcmp(optarg, "(null)") != 0 ? optarg : "";
    ihk::Result<void> r;
    switch (val) {
    case MCK: r = apply_mck(g_req, v); break;
    case CPUS: r = apply_cpus(g_req, v); break;
    case MEM: r = apply_mem(g_req, v); break;
    case IKC: r = apply_ikc_map(g_req, v); break;
    case KARGS: r = apply_kargs(g_req, v, g_site.allow_test_kargs); break;
    case KMSG: r = apply_kmsg(g_req, v); break;
    default: return -1;
    }
    if (!r) {
        slurm_error("mckernel: %s", r.error().message.c_str());
        return -1;
    }
    g_raw[val] = v;
    g_given[val] = true;
    return 0;
}

// In the job's prolog and epilog the options come back through getopt.
void reload_options(spank_t sp)
{
    for (auto& o : g_options) {
        char* arg = nullptr;
        if (spank_option_getopt(sp, &o, &arg) == ESPANK_SUCCESS)
            on_option(o.val, arg, 1);
    }
}

std::string cmdline()
{
    std::ifstream f("/proc/self/cmdline", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    std::replace(s.begin(), s.end(), '\0', ' ');
    return " " + s + " ";
}

// The partition a submission goes to, from srun/sbatch's own command line and environment.
std::string partition_of(const std::string& cl)
{
    std::istringstream in(cl);
    std::string w, prev;
    while (in >> w) {
        if (prev == "-p" || prev == "--partition")
            return w;
        if (w.rfind("--partition=", 0) == 0)
            return w.substr(12);
        if (w.rfind("-p", 0) == 0 && w.size() > 2)
            return w.substr(2);
        prev = w;
    }
    for (const char* var : {"SLURM_JOB_PARTITION", "SBATCH_PARTITION", "SLURM_PARTITION", "SALLOC_PARTITION"})
        if (const char* p = getenv(var))
            return p;
    return "";
}

// --mck needs the whole node: an exclusive partition, or --exclusive. libslurm is
// there in srun, sbatch and salloc; we look it up so the plugin loads anywhere.
int check_exclusive()
{
    std::string cl = cmdline();
    if (cl.find(" --exclusive") != std::string::npos || getenv("SLURM_EXCLUSIVE"))
        return 0;
    using load_fn = int (*)(time_t, partition_info_msg_t**, uint16_t);
    using free_fn = void (*)(partition_info_msg_t*);
    auto load = reinterpret_cast<load_fn>(dlsym(RTLD_DEFAULT, "slurm_load_partitions"));
    auto release = reinterpret_cast<free_fn>(dlsym(RTLD_DEFAULT, "slurm_free_partition_info_msg"));
    partition_info_msg_t* msg = nullptr;
    if (!load || !release || load(0, &msg, SHOW_ALL) != 0 || !msg)
        return 0; // cannot tell here; the prolog still checks what it can
    std::string want = partition_of(cl);
    int ret = 0;
    for (uint32_t i = 0; i < msg->record_count; i++) {
        partition_info_t& p = msg->partition_array[i];
        bool match = want.empty() ? (p.flags & PART_FLAG_DEFAULT) : want == p.name;
        if (match && p.max_share != 0) {
            slurm_error("mckernel: --mck needs whole nodes: partition %s is not exclusive (OverSubscribe=EXCLUSIVE); "
                        "add --exclusive or use an exclusive partition",
                        p.name);
            ret = -1;
        }
    }
    release(msg);
    return ret;
}

// What can be told at submit time about the size of a request: against the
// largest node of the partition (its configured CPUs and memory). The node's
// own check (mck-slurm prolog, from its topology) is exact.
int check_size()
{
    using load_fn = int (*)(time_t, node_info_msg_t**, uint16_t);
    using free_fn = void (*)(node_info_msg_t*);
    auto load = reinterpret_cast<load_fn>(dlsym(RTLD_DEFAULT, "slurm_load_node"));
    auto release = reinterpret_cast<free_fn>(dlsym(RTLD_DEFAULT, "slurm_free_node_info_msg"));
    node_info_msg_t* msg = nullptr;
    if (!load || !release || load(0, &msg, SHOW_ALL) != 0 || !msg)
        return 0;
    std::string part = partition_of(cmdline());
    uint32_t max_cpus = 0;
    uint64_t max_mem = 0;
    for (uint32_t i = 0; i < msg->record_count; i++) {
        const node_info_t& n = msg->node_array[i];
        std::string parts = n.partitions ? std::string(",") + n.partitions + "," : "";
        if (!part.empty() && parts.find("," + part + ",") == std::string::npos)
            continue;
        max_cpus = std::max<uint32_t>(max_cpus, n.cpus);
        max_mem = std::max<uint64_t>(max_mem, n.real_memory << 20);
    }
    release(msg);
    if (!max_cpus)
        return 0;
    std::string why;
    if (g_req.cores && *g_req.cores >= max_cpus)
        why = "--mck-cpus=" + std::to_string(*g_req.cores) + ": the largest node has " + std::to_string(max_cpus) +
              " CPUs, and Linux keeps at least one";
    for (uint32_t c : g_req.cpu_list)
        if (c >= max_cpus && why.empty())
            why = "--mck-cpus: CPU " + std::to_string(c) + " does not exist (the largest node has CPUs 0-" +
                  std::to_string(max_cpus - 1) + ")";
    uint64_t mem = g_req.mem_total.value_or(0);
    for (const auto& c : g_req.mem_per_numa)
        mem += c.size;
    if (max_mem && mem >= max_mem && why.empty())
        why = "--mck-mem: " + ihk::format_size(mem) + " is not below the largest node's memory (" +
              ihk::format_size(max_mem) + ")";
    if (why.empty())
        return 0;
    slurm_error("mckernel: %s", why.c_str());
    return -1;
}

int run_helper(const std::vector<std::string>& args)
{
    std::vector<char*> argv;
    std::string exe = g_site.bin_dir + "/mck-slurm";
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        execv(exe.c_str(), argv.data());
        fprintf(stderr, "cannot run %s: %s\n", exe.c_str(), strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
        out.append(buf, size_t(n));
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    std::istringstream lines(out);
    std::string line;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    while (std::getline(lines, line))
        code == 0 ? slurm_info("mckernel: %s", line.c_str()) : slurm_error("mckernel: %s", line.c_str());
    return code;
}

// plugstack.conf arguments and the site configuration. Slurm calls init in
// every context but the job prolog and epilog, which get the arguments themselves.
int configure(int ac, char** av)
{
    for (int i = 0; i < ac; i++) {
        std::string a = av[i];
        if (a.rfind("config=", 0) == 0) {
            g_config_path = a.substr(7);
        } else {
            slurm_error("mckernel: plugstack.conf: unknown argument '%s' (expected config=PATH)", av[i]);
            return -1;
        }
    }
    if (access(g_config_path.c_str(), R_OK) != 0 && g_config_path != MCK_SITE_CONFIG) {
        slurm_error("mckernel: plugstack.conf: config=%s: %s", g_config_path.c_str(), strerror(errno));
        return -1;
    }
    auto site = load_site_config(g_config_path);
    if (!site) {
        slurm_error("mckernel: %s", site.error().message.c_str());
        return -1;
    }
    g_site = *site;
    return 0;
}

bool batch_or_special_step(uint32_t step)
{
    return step == SLURM_BATCH_SCRIPT || step == SLURM_EXTERN_CONT || step == SLURM_INTERACTIVE_STEP;
}

} // namespace

extern "C" {

int slurm_spank_init(spank_t sp, int ac, char** av)
{
    if (configure(ac, av) != 0)
        return -1;
    for (auto& o : g_options)
        if (spank_option_register(sp, &o) != ESPANK_SUCCESS)
            return -1;
    return 0;
}

// srun/sbatch/salloc, after their options: refuse mistakes here, never on the node.
int slurm_spank_init_post_opt(spank_t sp, int, char**)
{
    spank_context_t ctx = spank_context();
    if (ctx != S_CTX_LOCAL && ctx != S_CTX_ALLOCATOR)
        return 0;
    bool any_sub = false;
    for (int o = CPUS; o <= KMSG; o++)
        any_sub |= g_given[o];
    if (!g_req.enabled) {
        if (any_sub) {
            slurm_error("mckernel: --mck-cpus, --mck-mem, --mck-ikc-map, --mck-kargs and --mck-kmsg need --mck");
            return -1;
        }
        return 0;
    }
    std::string cl = cmdline();
    if (ctx == S_CTX_LOCAL && cl.find(" --multi-prog") != std::string::npos) {
        slurm_error("mckernel: --mck cannot wrap --multi-prog steps; start each program through mcexec yourself");
        return -1;
    }
    if (check_exclusive() != 0 || check_size() != 0)
        return -1;
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)))
        spank_job_control_setenv(sp, "MCK_WORKDIR", cwd, 1);
    return 0;
}

int slurm_spank_job_prolog(spank_t sp, int ac, char** av)
{
    if (configure(ac, av) != 0)
        return -1;
    reload_options(sp);
    if (!g_req.enabled)
        return 0;
    uint32_t job = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS || spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS ||
        spank_get_item(sp, S_JOB_GID, &gid) != ESPANK_SUCCESS) {
        slurm_error("mckernel: prolog: no job id, uid or gid");
        return -1;
    }
    const char* node = getenv("SLURMD_NODENAME");
    const char* workdir = getenv("SPANK_MCK_WORKDIR");
    std::vector<std::string> args{"--config", g_config_path, "prolog", "--job", std::to_string(job), "--uid",
                                  std::to_string(uid), "--gid", std::to_string(gid), "--node", node ? node : "node",
                                  "--workdir", workdir ? workdir : "/tmp"};
    const char* names[] = {nullptr, nullptr, "--cpus", "--mem", "--ikc-map", "--kargs", "--kmsg"};
    for (int o = CPUS; o <= KMSG; o++)
        if (g_given[o]) {
            args.push_back(names[o]);
            args.push_back(g_raw[o]);
        }
    if (g_given[MCK] && !g_raw[MCK].empty()) {
        // --mck=cpus=..:mem=..: the helper takes them as its own options.
        if (g_req.cores || !g_req.cpu_list.empty()) {
            args.push_back("--cpus");
            args.push_back(g_req.cores ? std::to_string(*g_req.cores) : ihk::format_cpu_list(g_req.cpu_list));
        }
        if (g_req.mem_total || !g_req.mem_per_numa.empty()) {
            args.push_back("--mem");
            args.push_back(g_req.mem_total ? std::to_string(*g_req.mem_total) : ihk::format_mem_chunks(g_req.mem_per_numa));
        }
    }
    // 2: the request does not fit this node. The job fails in its tasks; the node stays up.
    int code = run_helper(args);
    return code == 0 || code == 2 ? 0 : -1;
}

int slurm_spank_job_epilog(spank_t sp, int ac, char** av)
{
    if (configure(ac, av) != 0)
        return -1;
    reload_options(sp);
    if (!g_req.enabled)
        return 0;
    uint32_t job = 0;
    if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS)
        return -1;
    return run_helper({"--config", g_config_path, "epilog", "--job", std::to_string(job)}) == 0 ? 0 : -1;
}

// Per task, as root: a job whose request the prolog refused fails here, with the reason.
int slurm_spank_task_init_privileged(spank_t sp, int ac, char** av)
{
    if (!g_req.enabled)
        return 0;
    if (configure(ac, av) != 0)
        return -1;
    uint32_t job = 0;
    if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS)
        return -1;
    std::ifstream f(g_site.state_dir + "/job-" + std::to_string(job) + ".refused");
    std::string why;
    if (f && std::getline(f, why)) {
        slurm_error("mckernel: job %u: %s", job, why.c_str());
        return -1;
    }
    // Only root may raise the hard limit; mcexec raises the soft one to it
    // after Slurm applied srun's (site key memlock, docs/slurm-admin.md).
    if (g_site.memlock_unlimited) {
        struct rlimit unlimited {RLIM_INFINITY, RLIM_INFINITY};
        if (setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0)
            slurm_error("mckernel: job %u: cannot lift RLIMIT_MEMLOCK: %s", job, strerror(errno));
    }
    return 0;
}

// Per task, as the user, just before Slurm execs the task: start it through mcexec.
int slurm_spank_task_init(spank_t sp, int, char**)
{
    if (!g_req.enabled)
        return 0;
    uint32_t step = 0, ntasks = 0;
    int local = 0, argc = 0;
    char** argv = nullptr;
    if (spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS || batch_or_special_step(step))
        return 0; // the batch script, salloc's shell and the extern step stay on Linux
    if (spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks) != ESPANK_SUCCESS ||
        spank_get_item(sp, S_TASK_ID, &local) != ESPANK_SUCCESS ||
        spank_get_item(sp, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS || argc < 1) {
        slurm_error("mckernel: cannot read the task's command");
        return -1;
    }
    // Open MPI's daemons (mpirun across nodes) stay on Linux: they fork the ranks,
    // which the fork agent starts through mcexec (docs/slurm-user.md).
    std::string base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (base == "orted" || base == "prted")
        return 0;
    spank_setenv(sp, "MCK_TASK_PROGRAM", argv[0], 1);
    spank_setenv(sp, "MCK_RANKS_PER_NODE", std::to_string(ntasks).c_str(), 1);
    spank_setenv(sp, "MCK_LOCAL_RANK", std::to_string(local).c_str(), 1);
    spank_setenv(sp, "MCK_MCEXEC", (g_site.bin_dir + "/mcexec").c_str(), 1);
    static std::string wrapper = g_site.bin_dir + "/mck-task";
    argv[0] = strdup(wrapper.c_str()); // Slurm execs argv[0] of this very array
    return 0;
}

} // extern "C"
