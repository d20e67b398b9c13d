// SPDX-License-Identifier: GPL-2.0
// What the root helper does to a node (through libihk): boot a planned
// partition for a job and hand it to the job's user, record it in a state
// file (written atomically), collect its log, tear everything down and check
// the node is as it was.
#pragma once

#include "planner.h"
#include "site_config.h"

#include <ihk/result.h>

#include <string>
#include <sys/types.h>
#include <functional>
#include <vector>

namespace mckslurm {

struct JobState {
    uint32_t job = 0;
    uint32_t uid = 0, gid = 0;
    int os = -1;
    std::string cpus;     // cpu list
    std::string mem;      // mem spec
    std::string kmsg;     // where the log goes
    std::string report;   // where the job's report goes ("" none)
    std::string online;   // /sys/devices/system/cpu/online before the boot
};

std::string state_path(const SiteConfig& site, uint32_t job);
// Where the job's tasks gather their reports (mcexec --report-group): a directory
// of the user's in state_dir.reports (root's, 0711), outside the root-only state_dir.
std::string report_gather_dir(const SiteConfig& site, uint32_t job);
ihk::Result<void> write_state(const SiteConfig& site, const JobState& s);
ihk::Result<JobState> read_state(const std::string& path);
std::vector<std::string> list_states(const SiteConfig& site);
// Is @s UTF-8 text? The state file (JSON) holds only such paths.
bool is_utf8(const std::string& s);

std::string online_cpus(); // /sys/devices/system/cpu/online

// Load the modules if needed, reserve, create, assign, load, boot, and give
// /dev/mcosN to @uid:@gid. On failure everything is undone. Returns the OS index.
ihk::Result<int> boot_partition(const SiteConfig& site, const Plan& plan, const std::string& kargs, uid_t uid, gid_t gid);
// The instance's log into @path, written as @uid:@gid, never through a symlink.
ihk::Result<void> save_kmsg(int os, const std::string& path, uid_t uid, gid_t gid);
// Run @fn in a child that is @uid:@gid and nothing more (no supplementary groups),
// so the user's permissions decide what it may touch, never root's. Returns the
// child's exit status (@fn's value), RUN_AS_NO_IDENTITY if it could not become the
// user, -1 if it could not be started or did not exit.
constexpr int RUN_AS_NO_IDENTITY = 3;
int run_as_user(uid_t uid, gid_t gid, const std::function<int()>& fn);
// Shut down and destroy every instance, release every CPU and all memory, unload the modules.
ihk::Result<void> teardown_node();
// CPUs online as @online says, no reserved CPU or memory, no instance, modules gone.
ihk::Result<void> verify_clean(const std::string& online);

} // namespace mckslurm
