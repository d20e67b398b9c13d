// SPDX-License-Identifier: GPL-2.0
// Planning a node's LWK partition with hwloc: whole cores and memory per NUMA
// node. Each NUMA node keeps linux_cores_per_numa cores for Linux (those
// nearest a network device first, and always the core of CPU 0); the LWK gets
// cores from the rest, spread over the NUMA nodes, and memory on the NUMA
// nodes of its cores, at most mem_cap of each. Plan from a topology saved
// while every CPU was online: hwloc does not see offline CPUs.
#pragma once

#include "request.h"
#include "site_config.h"

#include <hwloc.h>
#include <ihk/parse.h>
#include <ihk/result.h>

#include <memory>
#include <string>
#include <vector>

namespace mckslurm {

struct Plan {
    std::vector<uint32_t> cpus;          // OS CPU numbers for the LWK
    std::vector<ihk::MemChunk> mem;      // per NUMA node
    std::string ikc_map;                 // empty: IHK's default (a Linux CPU on the same node)
};

// An owned hwloc topology.
struct TopologyDeleter {
    void operator()(hwloc_topology* t) const { hwloc_topology_destroy(t); }
};
using Topology = std::unique_ptr<hwloc_topology, TopologyDeleter>;

ihk::Result<Topology> topology_from_system();              // this machine, with I/O devices
ihk::Result<Topology> topology_from_xml(const std::string& path);
ihk::Result<Topology> topology_from_synthetic(const std::string& description); // tests
ihk::Result<void> topology_save_xml(hwloc_topology* t, const std::string& path);

ihk::Result<Plan> plan_partition(hwloc_topology* topo, const SiteConfig& site, const JobRequest& req);

} // namespace mckslurm
