// SPDX-License-Identifier: GPL-2.0
// slurmd's job prolog and epilog (job script context, as root): hand the job's
// options to the root helper mck-slurm, which boots or tears down the LWK.
// The helper runs with a deadline. A failure here drains the node, so what
// the user asked for is never judged here: the helper refuses a request that
// does not fit (exit 2) and the job fails in its tasks instead.
#include "plugin.h"
#include "subprocess.h"

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace mckspank {

using namespace mckslurm;

namespace {

// The options come back from Slurm's job environment. Their values are not
// judged here but passed on as given; the helper validates them again.
OptionValues options_of_job(spank_t sp)
{
    OptionValues values;
    int i = 0;
    for (const auto& o : option_table()) {
        spank_option so{const_cast<char*>(o.name), const_cast<char*>(o.arginfo), const_cast<char*>(o.usage),
                        o.has_arg, int(o.id), nullptr};
        char* arg = nullptr;
        if (spank_option_getopt(sp, &so, &arg) == ESPANK_SUCCESS)
            values[i] = arg && strcmp(arg, "(null)") != 0 ? arg : "";
        i++;
    }
    return values;
}

// The helper's deadline: the LWK's boot and teardown are bounded by
// boot_timeout; the rest (module loading, memory, the log) takes seconds.
std::chrono::milliseconds helper_deadline()
{
    return std::chrono::seconds(2 * state().site.boot_timeout_s + 60);
}

int run_helper(const std::vector<std::string>& args)
{
    State& st = state();
    std::vector<std::string> argv{st.site.bin_dir + "/mck-slurm", "--config", st.config_path};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = run_with_timeout(argv, helper_deadline());
    std::istringstream lines(r.output);
    std::string line;
    while (std::getline(lines, line))
        r.code == 0 ? slurm_info("mckernel: %s", line.c_str()) : slurm_error("mckernel: %s", line.c_str());
    if (r.timed_out) {
        slurm_error("mckernel: %s %s did not finish within %lld s and was killed", argv[0].c_str(), args[0].c_str(),
                    static_cast<long long>(helper_deadline().count() / 1000));
        return 1;
    }
    return r.code < 0 ? 1 : r.code;
}

std::string env_or(const char* name, const char* fallback)
{
    const char* v = getenv(name);
    return v && *v ? v : fallback;
}

} // namespace

int job_prolog(spank_t sp, int ac, char** av)
{
    if (configure(ac, av) != 0)
        return -1;
    auto values = options_of_job(sp);
    if (!values[int(OptionId::MCK)])
        return 0;
    uint32_t job = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS || spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS ||
        spank_get_item(sp, S_JOB_GID, &gid) != ESPANK_SUCCESS) {
        slurm_error("mckernel: prolog: Slurm gave no job id, uid or gid");
        return -1;
    }
    std::vector<std::string> args{"prolog", "--job", std::to_string(job), "--uid", std::to_string(uid), "--gid",
                                  std::to_string(gid), "--node", env_or("SLURMD_NODENAME", "node"), "--workdir",
                                  env_or("SPANK_MCK_WORKDIR", "/tmp")};
    // Job arrays: slurmd gives the prolog the array's ids in its environment.
    if (const char* a = getenv("SLURM_ARRAY_JOB_ID"); a && *a) {
        args.insert(args.end(), {"--array-job", a, "--array-task", env_or("SLURM_ARRAY_TASK_ID", "0")});
    }
    auto opts = helper_args(values);
    args.insert(args.end(), opts.begin(), opts.end());
    // 2: the request does not fit this node. The job fails in its tasks; the node stays up.
    int code = run_helper(args);
    return code == 0 || code == 2 ? 0 : -1;
}

int job_epilog(spank_t sp, int ac, char** av)
{
    if (configure(ac, av) != 0)
        return -1;
    if (!options_of_job(sp)[int(OptionId::MCK)])
        return 0;
    uint32_t job = 0;
    if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS) {
        slurm_error("mckernel: epilog: Slurm gave no job id");
        return -1;
    }
    return run_helper({"epilog", "--job", std::to_string(job), "--node", env_or("SLURMD_NODENAME", "node")}) == 0 ? 0 : -1;
}

} // namespace mckspank
