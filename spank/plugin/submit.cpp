// SPDX-License-Identifier: GPL-2.0
// srun, sbatch and salloc (local and allocator contexts), as the user: options
// from SLURM_MCK* variables, and every check that can refuse a mistake before
// anything reaches a node (a failing prolog would drain it).
//
// What the submission asks of Slurm (partition, --exclusive, --multi-prog) comes
// from the command's parsed options through libslurm's slurm_option_get() and
// slurm_option_isset(), the interface cli_filter plugins use, on the command's
// own option structure; never from its command line, which the program's own
// arguments are part of.
#include "plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include <slurm/slurm.h>
}

namespace mckspank {

using namespace mckslurm;

int import_environment()
{
    State& st = state();
    for (const auto& e : options_from_env(getenv)) {
        // Slurm's own spelling of the option's variable: srun, sbatch and salloc read
        // it after their own variables and before the command line, and run it
        // through the option's callback, so the value is checked and forwarded
        // to the job exactly like the option, and the command line still wins.
        std::string slurm_var = slurm_option_env_name(*e.spec, PLUGIN_NAME);
        if (getenv(slurm_var.c_str()))
            continue; // set by hand: Slurm's variable wins
        if (setenv(slurm_var.c_str(), e.value.c_str(), 1) != 0) {
            slurm_error("mckernel: %s: %s", option_env_name(*e.spec).c_str(), strerror(errno));
            return -1;
        }
        st.from_env[int(e.spec->id)] = e.value;
        st.slurm_env_set[int(e.spec->id)] = slurm_var;
    }
    return 0;
}

namespace {

// The launcher's parsed options (slurm_opt_t), opaque to us. Only srun, sbatch
// and salloc define "opt" as their slurm_opt_t; elsewhere we cannot tell.
class LauncherOptions {
public:
    LauncherOptions()
    {
        std::string prog = program_invocation_short_name;
        if (prog != "srun" && prog != "sbatch" && prog != "salloc")
            return;
        m_opt = dlsym(RTLD_DEFAULT, "opt");
        m_get = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "slurm_option_get"));
        m_isset = reinterpret_cast<isset_fn>(dlsym(RTLD_DEFAULT, "slurm_option_isset"));
        m_free = reinterpret_cast<free_fn>(dlsym(RTLD_DEFAULT, "slurm_xfree_ptr"));
    }
    bool available() const { return m_opt && m_get && m_isset; }
    bool isset(const char* name) const { return available() && m_isset(m_opt, name); }
    std::string get(const char* name) const
    {
        if (!available())
            return "";
        char* v = m_get(m_opt, name);
        std::string s = v ? v : "";
        if (v && m_free)
            m_free(v);
        return s;
    }

private:
    using get_fn = char* (*)(void*, const char*);
    using isset_fn = bool (*)(void*, const char*);
    using free_fn = void (*)(void*);
    void* m_opt = nullptr;
    get_fn m_get = nullptr;
    isset_fn m_isset = nullptr;
    free_fn m_free = nullptr;
};

// --mck needs the whole node: an exclusive partition, or --exclusive.
int check_exclusive(const LauncherOptions& lo)
{
    if (!lo.available()) {
        slurm_verbose("mckernel: %s: cannot read its options; the node checks what it can", program_invocation_short_name);
        return 0;
    }
    if (lo.isset("exclusive") && lo.get("exclusive") == "exclusive")
        return 0;
    using load_fn = int (*)(time_t, partition_info_msg_t**, uint16_t);
    using free_fn = void (*)(partition_info_msg_t*);
    auto load = reinterpret_cast<load_fn>(dlsym(RTLD_DEFAULT, "slurm_load_partitions"));
    auto release = reinterpret_cast<free_fn>(dlsym(RTLD_DEFAULT, "slurm_free_partition_info_msg"));
    partition_info_msg_t* msg = nullptr;
    if (!load || !release || load(0, &msg, SHOW_ALL) != 0 || !msg)
        return 0; // cannot tell here
    std::string want = lo.get("partition");
    int ret = 0;
    for (uint32_t i = 0; i < msg->record_count; i++) {
        partition_info_t& p = msg->partition_array[i];
        bool match = want.empty() ? (p.flags & PART_FLAG_DEFAULT) : ("," + want + ",").find(std::string(",") + p.name + ",") != std::string::npos;
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
int check_size(const LauncherOptions& lo)
{
    const JobRequest& req = state().req;
    using load_fn = int (*)(time_t, node_info_msg_t**, uint16_t);
    using free_fn = void (*)(node_info_msg_t*);
    auto load = reinterpret_cast<load_fn>(dlsym(RTLD_DEFAULT, "slurm_load_node"));
    auto release = reinterpret_cast<free_fn>(dlsym(RTLD_DEFAULT, "slurm_free_node_info_msg"));
    node_info_msg_t* msg = nullptr;
    if (!load || !release || load(0, &msg, SHOW_ALL) != 0 || !msg)
        return 0;
    std::string part = lo.get("partition");
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
    if (req.cores && *req.cores >= max_cpus)
        why = "--mck-cpus=" + std::to_string(*req.cores) + ": the largest node has " + std::to_string(max_cpus) +
              " CPUs, and Linux keeps at least one";
    for (uint32_t c : req.cpu_list)
        if (c >= max_cpus && why.empty())
            why = "--mck-cpus: CPU " + std::to_string(c) + " does not exist (the largest node has CPUs 0-" +
                  std::to_string(max_cpus - 1) + ")";
    uint64_t mem = req.mem_total.value_or(0);
    for (const auto& c : req.mem_per_numa)
        mem += c.size;
    if (max_mem && mem >= max_mem && why.empty())
        why = "--mck-mem: " + ihk::format_size(mem) + " is not below the largest node's memory (" +
              ihk::format_size(max_mem) + ")";
    if (why.empty())
        return 0;
    slurm_error("mckernel: %s", why.c_str());
    return -1;
}

} // namespace

int check_submission(spank_t sp)
{
    State& st = state();
    // Slurm has read the variables we set; the job's environment gets the user's own.
    for (auto& var : st.slurm_env_set)
        if (!var.empty()) {
            unsetenv(var.c_str());
            var.clear();
        }
    if (!st.req.enabled) {
        if (st.given.any_besides_mck()) {
            slurm_error("mckernel: --mck-cpus, --mck-mem, --mck-ikc-map, --mck-kargs and --mck-kmsg need --mck "
                        "(or SLURM_MCK=1)");
            return -1;
        }
        return 0;
    }
    LauncherOptions lo;
    if (spank_context() == S_CTX_LOCAL && lo.isset("multi-prog")) {
        slurm_error("mckernel: --mck cannot wrap --multi-prog steps; start each program through mcexec yourself");
        return -1;
    }
    // A step inside an allocation: the allocation was checked when it was made; if
    // it has no LWK, the step's tasks are refused on the node (task.cpp).
    bool step_in_allocation = spank_context() == S_CTX_LOCAL && getenv("SLURM_JOB_ID");
    if (!step_in_allocation && (check_exclusive(lo) != 0 || check_size(lo) != 0))
        return -1;
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)))
        spank_job_control_setenv(sp, "MCK_WORKDIR", cwd, 1);
    return 0;
}

} // namespace mckspank
