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
    std::string kmsg;                       // --mck-kmsg path template (%j job id, %N node)
};

// Each --mck* option; errors name the option, the value and what is expected.
ihk::Result<void> apply_mck(JobRequest& r, const std::string& spec); // --mck[=cpus=..:mem=..]
ihk::Result<void> apply_cpus(JobRequest& r, const std::string& value);
ihk::Result<void> apply_mem(JobRequest& r, const std::string& value);
ihk::Result<void> apply_ikc_map(JobRequest& r, const std::string& value);
ihk::Result<void> apply_kargs(JobRequest& r, const std::string& value, bool allow_test_args);
ihk::Result<void> apply_kmsg(JobRequest& r, const std::string& value);

// The kmsg file for @job on @node, relative paths under @workdir.
std::string kmsg_path(const std::string& tmpl, uint32_t job, const std::string& node, const std::string& workdir);

} // namespace mckslurm
