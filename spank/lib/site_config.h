// SPDX-License-Identifier: GPL-2.0
// The site's configuration (conf/mckernel-slurm.conf, docs/slurm-admin.md):
// "key = value" lines, '#' comments. Every key is checked when it is read;
// an unknown key or a bad value is an error naming the file, line and key.
#pragma once

#include <ihk/result.h>

#include <cstdint>
#include <string>

namespace mckslurm {

struct SiteConfig {
    uint32_t linux_cores_per_numa = 1; // cores each NUMA node keeps for Linux
    uint32_t default_cores = 0;        // cores per node for --mck without --mck-cpus; 0: all the LWK may have
    uint32_t default_mem_percent = 50; // memory for --mck without --mck-mem, of the NUMA nodes used
    uint64_t default_mem_bytes = 0;    // ... or this much per node, if set
    uint32_t mem_cap_percent = 90;     // the most of any NUMA node's memory the LWK may get
    bool allow_test_kargs = false;     // McKernel's test_* kernel arguments (test clusters only)
    std::string kmsg = "mck-kmsg-%j-%N.log"; // default --mck-kmsg
    // The per-job report of each node (as kmsg: %j %N %A %a, relative to the
    // working directory, written as the user); empty ("none"): no reports.
    std::string report = "mck-report-%j-%N.json";
    std::string state_dir = "/run/mckernel-slurm";
    std::string bin_dir;               // mcexec, mck-task, mck-slurm
    std::string module_dir;            // ihk.ko, ihk-smp-x86.ko, mcctrl.ko; empty: modprobe by name
    std::string image;                 // mckernel.img
    uint32_t boot_timeout_s = 60;
    // --mck tasks get an unlimited RLIMIT_MEMLOCK (their shared file mappings pin
    // Linux pages, charged to it; docs/slurm-admin.md); false: Slurm's as is.
    bool memlock_unlimited = true;
    // What the helper tells Slurm (the job's AdminComment, a drained node's reason)
    // goes through this scontrol; empty ("none"): only slurmd's log.
    std::string scontrol = "/usr/bin/scontrol";
};

// Defaults for @bin_dir, @module_dir and @image come from the build.
SiteConfig default_site_config();
ihk::Result<SiteConfig> parse_site_config(const std::string& text, const std::string& origin);
// A missing file means the defaults if it is the installed one (MCK_SITE_CONFIG);
// any other path must name a readable file.
ihk::Result<SiteConfig> load_site_config(const std::string& path);

} // namespace mckslurm
