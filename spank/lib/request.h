// SPDX-License-Identifier: GPL-2.0
// What a job asks for with --mck and --mck-* (docs/slurm-user.md), parsed and
// checked for syntax; checked against the node by the planner (planner.h).
// The SPANK plugin validates with these at submit time and again in the prolog.
#pragma once

#include <ihk/parse.h>
#include <ihk/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mckslurm {

struct JobRequest {
    bool enabled = false;
    std::optional<uint32_t> cores;          // --mck-cpus=N: cores per node
    std::vector<uint32_t> cpu_list;         // --mck-cpus=LIST: these CPUs
    std::optional<uint64_t> mem_total;      // --mck-mem=SIZE per node
    std::vector<ihk::MemChunk> mem_per_numa;// --mck-mem=SIZE@NUMA,...
    std::string ikc_map;                    // --mck-ikc-map
    std::string kargs;                      // --mck-kargs
    std::string kmsg;                       // --mck-kmsg path template (%j, %N, %A, %a)
};

// What the site allows beyond the syntax (site_config.h).
struct RequestPolicy {
    bool allow_test_kargs = false; // McKernel's test_* kernel arguments
};

// Each --mck* option; errors name the option, the value and what is expected.
// Each has the signature of options.h's Validator, so the option table names them.
ihk::Result<void> apply_mck(JobRequest& r, const std::string& spec, const RequestPolicy& = {}); // --mck[=cpus=..:mem=..]
ihk::Result<void> apply_cpus(JobRequest& r, const std::string& value, const RequestPolicy& = {});
ihk::Result<void> apply_mem(JobRequest& r, const std::string& value, const RequestPolicy& = {});
ihk::Result<void> apply_ikc_map(JobRequest& r, const std::string& value, const RequestPolicy& = {});
ihk::Result<void> apply_kargs(JobRequest& r, const std::string& value, const RequestPolicy& = {});
inline ihk::Result<void> apply_kargs(JobRequest& r, const std::string& value, bool allow_test_args)
{
    return apply_kargs(r, value, RequestPolicy{allow_test_args});
}
ihk::Result<void> apply_kmsg(JobRequest& r, const std::string& value, const RequestPolicy& = {});

// Which job a kmsg file is for.
struct KmsgJob {
    uint32_t job = 0;
    uint32_t array_job = 0;  // %A: the array's job id (the job id if not an array element)
    uint32_t array_task = 0; // %a: the index in the array (0 if not an array element)
    std::string node;        // %N
    std::string workdir;     // relative paths are under it
};
std::string kmsg_path(const std::string& tmpl, const KmsgJob& job);
inline std::string kmsg_path(const std::string& tmpl, uint32_t job, const std::string& node, const std::string& workdir)
{
    return kmsg_path(tmpl, KmsgJob{job, job, 0, node, workdir});
}

} // namespace mckslurm
