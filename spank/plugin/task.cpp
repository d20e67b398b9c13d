// SPDX-License-Identifier: GPL-2.0
// slurmstepd (remote context): each task of a job step of a job with an LWK
// on this node runs through mck-task, i.e. mcexec. Whether the job has one is
// the node's fact (the helper's state file), not the step's options, so steps
// of a --mck allocation run on the LWK even when the options did not reach them
// (srun inside sbatch --export=NONE), and a --mck step in an allocation without
// one is refused with the reason instead of failing in mcexec.
#include "plugin.h"

extern "C" {
#include <slurm/slurm.h>
}

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace mckspank {

using namespace mckslurm;

namespace {

bool batch_or_special_step(uint32_t step)
{
    return step == SLURM_BATCH_SCRIPT || step == SLURM_EXTERN_CONT || step == SLURM_INTERACTIVE_STEP;
}

std::string state_file(uint32_t job, const char* suffix)
{
    return state().site.state_dir + "/job-" + std::to_string(job) + suffix;
}

} // namespace

// Per task, as root (the state directory is root's), before Slurm drops privileges.
int task_privileged(spank_t sp, int, char**)
{
    State& st = state();
    uint32_t job = 0, step = 0;
    if (spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS || spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS) {
        if (!st.req.enabled)
            return 0;
        slurm_error("mckernel: Slurm gave no job or step id");
        return -1;
    }
    std::ifstream refused(state_file(job, ".refused"));
    std::string why;
    if (refused && std::getline(refused, why)) {
        slurm_error("mckernel: job %u: %s", job, why.c_str());
        return -1;
    }
    bool has_lwk = access(state_file(job, ".json").c_str(), F_OK) == 0;
    if (!has_lwk) {
        if (!st.req.enabled)
            return 0;
        slurm_error("mckernel: job %u has no McKernel on this node: --mck on a job step needs an allocation made "
                    "with --mck (salloc --mck, sbatch --mck, or srun --mck outside an allocation)",
                    job);
        return -1;
    }
    // Only root may raise the hard limit; mcexec raises the soft one to it
    // after Slurm applied srun's (site key memlock, docs/slurm-admin.md). The
    // batch script too: mpirun there forks ranks through mcexec.
    if (st.site.memlock_unlimited) {
        struct rlimit unlimited {RLIM_INFINITY, RLIM_INFINITY};
        if (setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0)
            slurm_error("mckernel: job %u: cannot lift RLIMIT_MEMLOCK: %s", job, strerror(errno));
    }
    if (batch_or_special_step(step))
        return 0; // the batch script, salloc's shell and the extern step stay on Linux
    st.wrap_tasks = true;
    // The helper made the job's report directory (the user's, 0700) unless the site
    // turned reports off: each step's tasks gather their reports in a directory of
    // their own there (mcexec --report-group).
    std::string reports = report_gather_dir(st.site, job);
    if (access(reports.c_str(), F_OK) == 0)
        st.report_dir = reports + "/step-" + std::to_string(step);
    return 0;
}

// Per task, as the user, just before Slurm execs the task: start it through mcexec.
int task_wrap(spank_t sp)
{
    State& st = state();
    if (!st.wrap_tasks)
        return 0;
    uint32_t ntasks = 0;
    int local = 0, argc = 0;
    char** argv = nullptr;
    if (spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks) != ESPANK_SUCCESS ||
        spank_get_item(sp, S_TASK_ID, &local) != ESPANK_SUCCESS ||
        spank_get_item(sp, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS || argc < 1 || !argv || !argv[0]) {
        slurm_error("mckernel: cannot read the task's command");
        return -1;
    }
    // Open MPI's daemons (mpirun across nodes) stay on Linux: they fork the ranks,
    // which the fork agent starts through mcexec (docs/slurm-user.md).
    const char* slash = strrchr(argv[0], '/');
    std::string base = slash ? slash + 1 : argv[0];
    if (base == "orted" || base == "prted")
        return 0;
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(23, 11, 0)
    // Slurm 23.11+ puts our words before the task's own: mcexec -n N --local-rank R -- program args.
    std::string mcexec = st.site.bin_dir + "/mcexec", n = std::to_string(ntasks), r = std::to_string(local);
    std::string group = n + ":" + st.report_dir;
    std::vector<const char*> prefix{mcexec.c_str(), "-n", n.c_str(), "--local-rank", r.c_str()};
    if (!st.report_dir.empty()) {
        prefix.push_back("--report-group");
        prefix.push_back(group.c_str());
    }
    prefix.push_back("--");
    if (spank_prepend_task_argv(sp, int(prefix.size()), prefix.data()) != ESPANK_SUCCESS) {
        slurm_error("mckernel: cannot put mcexec before the task's command");
        return -1;
    }
    return 0;
#else
    spank_setenv(sp, "MCK_TASK_PROGRAM", argv[0], 1);
    spank_setenv(sp, "MCK_RANKS_PER_NODE", std::to_string(ntasks).c_str(), 1);
    spank_setenv(sp, "MCK_LOCAL_RANK", std::to_string(local).c_str(), 1);
    spank_setenv(sp, "MCK_MCEXEC", (st.site.bin_dir + "/mcexec").c_str(), 1);
    if (!st.report_dir.empty())
        spank_setenv(sp, "MCK_REPORT_GROUP", (std::to_string(ntasks) + ":" + st.report_dir).c_str(), 1);
    // Slurm 22.05 has no spank_prepend_task_argv: it execs argv[0] of this very
    // array, so argv[0] becomes the wrapper (the task's own process, which execs next).
    static std::string wrapper = st.site.bin_dir + "/mck-task";
    argv[0] = wrapper.data();
    return 0;
#endif
}

} // namespace mckspank
