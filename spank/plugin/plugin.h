// SPDX-License-Identifier: GPL-2.0
// The plugin's state and its work per SPANK context. mckernel_spank.cpp only
// dispatches Slurm's callbacks to these; each lives in the file of its context:
//   submit.cpp       srun, sbatch, salloc (local and allocator): options, environment, checks
//   job_script.cpp   slurmd's job prolog and epilog: the root helper mck-slurm
//   task.cpp         slurmstepd (remote): each task through mck-task and mcexec
//   state.cpp        the plugstack arguments, the site configuration, the options as given
// Every function here may throw; the dispatcher's guarded() turns that into a
// logged SPANK error.
#pragma once

extern "C" {
#include <slurm/slurm_version.h>
#include <slurm/spank.h>
}

#include "node.h"
#include "options.h"
#include "request.h"
#include "site_config.h"

#include <array>
#include <optional>
#include <string>

namespace mckspank {

inline constexpr const char* PLUGIN_NAME = "mckernel";

struct State {
    std::string config_path = MCK_SITE_CONFIG;
    mckslurm::SiteConfig site = mckslurm::default_site_config();
    mckslurm::JobRequest req;
    mckslurm::GivenOptions given;
    // Values this process took from SLURM_MCK* (submit side), to name the variable in errors.
    std::array<std::optional<std::string>, mckslurm::OPTION_COUNT> from_env;
    // Slurm's own variables we set for them, removed again after option parsing.
    std::array<std::string, mckslurm::OPTION_COUNT> slurm_env_set;
    bool wrap_tasks = false; // remote: this job has an LWK on this node
    std::string report_dir;  // remote: where the step's tasks put their reports ("" for none)
};
State& state();

// plugstack.conf arguments, then the site configuration; -1 after logging why.
int configure(int ac, char** av);
mckslurm::RequestPolicy policy();

// Slurm's callback for every option of the table (struct spank_option.cb).
int on_option(int val, const char* optarg, int remote);
int register_options(spank_t sp);

// Contexts.
void log_versions(spank_t sp);          // slurmd: init
int import_environment();               // srun/sbatch/salloc: init, before Slurm parses options
int check_submission(spank_t sp);       // srun/sbatch/salloc: init_post_opt
int job_prolog(spank_t sp, int ac, char** av);
int job_epilog(spank_t sp, int ac, char** av);
int task_privileged(spank_t sp, int ac, char** av);
int task_wrap(spank_t sp);

} // namespace mckspank
