// SPDX-License-Identifier: GPL-2.0
// What the root helper tells Slurm, so admins see it in Slurm's own tools: what
// a job's LWK got on each node (the job's AdminComment: scontrol show job,
// sacct -o AdminComment) and why a node was drained (scontrol show node,
// Reason=). Through the site's scontrol, bounded in time; a failure is logged
// by the caller, never fatal for the job.
#pragma once

#include "site_config.h"

#include <ihk/result.h>

#include <cstdint>
#include <optional>
#include <string>

namespace mckslurm {

// @current AdminComment with this node's entry ("mck@NODE: ...") replaced by
// @entry; other nodes' entries and anything else are kept, joined by " | ".
std::string merge_admin_comment(const std::string& current, const std::string& node, const std::string& entry);
// The AdminComment out of "scontrol show job" output ("" if none).
std::string admin_comment_of(const std::string& show_job);

// The job array's id and index out of "scontrol show job" output; nullopt if the job is no array element.
struct ArrayIds {
    uint32_t job = 0, task = 0;
};
std::optional<ArrayIds> array_ids_of(const std::string& show_job);
// The same from slurmctld (the prolog's environment need not have them).
ihk::Result<std::optional<ArrayIds>> job_array_ids(const SiteConfig& site, uint32_t job);

ihk::Result<void> record_job_comment(const SiteConfig& site, uint32_t job, const std::string& node, const std::string& entry);
ihk::Result<void> drain_node(const SiteConfig& site, const std::string& node, const std::string& reason);

} // namespace mckslurm
