// SPDX-License-Identifier: GPL-2.0
// The per-job report of a node: the tasks' mcexec reports (mcexec --report-group,
// one directory per step in the job's gather directory) merged into one JSON
// file next to the LWK log, written as the job's user. docs/slurm-user.md.
#pragma once

#include <ihk/result.h>

#include <string>
#include <sys/types.h>

namespace mckslurm {

// Prolog: the job's gather directory, the user's own (0700), in a root-owned
// parent (0711) that users may pass through but not list.
ihk::Result<void> make_report_gather_dir(const std::string& dir, uid_t uid, gid_t gid);

// Epilog: merge every step's task reports in @dir into @path as @uid:@gid (the
// user's permissions decide; never through a symbolic link). Nothing is written
// when no task left a report. The user's files are read only by that child.
ihk::Result<void> save_job_report(const std::string& dir, const std::string& path, uid_t uid, gid_t gid);

// Remove a job's gather directory: emptied by a child that is its owner (root
// never walks a tree the user can change under it), then removed.
void remove_report_gather_dir(const std::string& dir);
// Every job's gather directory in @parent (state_dir.reports; reconcile).
void remove_report_gather_dirs(const std::string& parent);

} // namespace mckslurm
