// SPDX-License-Identifier: GPL-2.0
/*
 * The McKernel SPANK plugin's whole Slurm-facing surface: its identity and the
 * slurm_spank_* callbacks, each dispatching on spank_context() to plain code
 * (plugin.h) inside guarded(), so no exception reaches Slurm. exports.map keeps
 * every other symbol local. docs/slurm-admin.md, docs/slurm-user.md.
 *
 * plugstack.conf:  required /usr/lib/.../mckernel_spank.so [config=/etc/mckernel/slurm.conf]
 */
#include "guard.h"
#include "plugin.h"

extern "C" {
#include <slurm/slurm_version.h>
}

using namespace mckspank;

extern "C" {

extern const char plugin_name[] = "mckernel";
extern const char plugin_type[] = "spank";
extern const unsigned int plugin_version = SLURM_VERSION_NUMBER;
extern const unsigned int spank_plugin_version = 1;
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(25, 5, 0)
// A failing init in slurmstepd fails the job, not the node (25.05+): the plugin's
// init fails only on a bad plugstack.conf or site configuration, which every job
// would meet; the prolog still fails the node when the node is in trouble.
int slurm_spank_init_failure_mode = ESPANK_JOB_FAILURE;
#endif

int slurm_spank_init(spank_t sp, int ac, char** av)
{
    return guarded("init", [&] {
        if (configure(ac, av) != 0)
            return -1;
        switch (spank_context()) {
        case S_CTX_SLURMD:
            log_versions(sp);
            return 0;
        case S_CTX_LOCAL:
        case S_CTX_ALLOCATOR:
            if (import_environment() != 0)
                return -1;
            return register_options(sp);
        case S_CTX_REMOTE:
            return register_options(sp);
        default:
            return 0;
        }
    });
}

int slurm_spank_init_post_opt(spank_t sp, int, char**)
{
    return guarded("init_post_opt", [&] {
        switch (spank_context()) {
        case S_CTX_LOCAL:
        case S_CTX_ALLOCATOR:
            return check_submission(sp);
        default:
            return 0;
        }
    });
}

int slurm_spank_job_prolog(spank_t sp, int ac, char** av)
{
    return guarded("job_prolog", [&] { return job_prolog(sp, ac, av); });
}

int slurm_spank_job_epilog(spank_t sp, int ac, char** av)
{
    return guarded("job_epilog", [&] { return job_epilog(sp, ac, av); });
}

int slurm_spank_task_init_privileged(spank_t sp, int ac, char** av)
{
    return guarded("task_init_privileged", [&] { return task_privileged(sp, ac, av); });
}

int slurm_spank_task_init(spank_t sp, int, char**)
{
    return guarded("task_init", [&] { return task_wrap(sp); });
}

} // extern "C"
