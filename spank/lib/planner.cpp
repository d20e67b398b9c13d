// SPDX-License-Identifier: GPL-2.0
// Partition planning (planner.h).
#include "planner.h"

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <map>
#include <set>

namespace mckslurm {
namespace {

constexpr uint64_t GRANULE = 2ull << 20; // IHK reserves memory in 2 MiB blocks

ihk::Error fail(const std::string& message) { return ihk::make_error(EINVAL, message); }

ihk::Result<Topology> finish(hwloc_topology_t t, int err, const std::string& what)
{
    if (err || hwloc_topology_load(t)) {
        hwloc_topology_destroy(t);
        return ihk::make_error(EINVAL, "hwloc cannot load " + what);
    }
    return Topology(t);
}

struct Core {
    hwloc_obj_t obj;
    std::vector<uint32_t> pus; // OS numbers
    bool near_nic = false;
};

struct Numa {
    unsigned os_index;
    uint64_t memory;
    std::vector<Core> cores;
};

std::vector<Numa> numa_nodes(hwloc_topology_t t)
{
    std::vector<Numa> nodes;
    // The cpusets near network devices, where hwloc sees I/O.
    std::vector<hwloc_const_cpuset_t> nic_sets;
    for (hwloc_obj_t d = nullptr; (d = hwloc_get_next_osdev(t, d));)
        if (d->attr->osdev.type == HWLOC_OBJ_OSDEV_NETWORK || d->attr->osdev.type == HWLOC_OBJ_OSDEV_OPENFABRICS)
            if (hwloc_obj_t a = hwloc_get_non_io_ancestor_obj(t, d))
                nic_sets.push_back(a->cpuset);
    for (hwloc_obj_t n = nullptr; (n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, n));) {
        Numa numa{n->os_index, n->attr->numanode.local_memory, {}};
        for (hwloc_obj_t c = nullptr; (c = hwloc_get_next_obj_inside_cpuset_by_type(t, n->cpuset, HWLOC_OBJ_CORE, c));) {
            Core core{c, {}, false};
            unsigned pu;
            hwloc_bitmap_foreach_begin(pu, c->cpuset) core.pus.push_back(pu);
            hwloc_bitmap_foreach_end();
            for (auto s : nic_sets)
                core.near_nic |= hwloc_bitmap_isincluded(c->cpuset, s) && !hwloc_bitmap_isequal(s, hwloc_get_root_obj(t)->cpuset);
            numa.cores.push_back(core);
        }
        // Linux keeps the first cores in this order: near a NIC, then the lowest.
        std::stable_sort(numa.cores.begin(), numa.cores.end(),
                         [](const Core& a, const Core& b) { return a.near_nic > b.near_nic; });
        nodes.push_back(numa);
    }
    return nodes;
}

} // namespace

ihk::Result<Topology> topology_from_system()
{
    hwloc_topology_t t;
    hwloc_topology_init(&t);
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    return finish(t, 0, "this machine's topology");
}

ihk::Result<Topology> topology_from_xml(const std::string& path)
{
    hwloc_topology_t t;
    hwloc_topology_init(&t);
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    return finish(t, hwloc_topology_set_xml(t, path.c_str()), path);
}

ihk::Result<Topology> topology_from_synthetic(const std::string& description)
{
    hwloc_topology_t t;
    hwloc_topology_init(&t);
    return finish(t, hwloc_topology_set_synthetic(t, description.c_str()), "'" + description + "'");
}

ihk::Result<void> topology_save_xml(hwloc_topology* t, const std::string& path)
{
    if (hwloc_topology_export_xml(t, path.c_str(), 0))
        return ihk::make_error(errno, "cannot write the topology to " + path);
    return {};
}

ihk::Result<Plan> plan_partition(hwloc_topology* topo, const SiteConfig& site, const JobRequest& req)
{
    std::vector<Numa> nodes = numa_nodes(topo);
    if (nodes.empty())
        return fail("hwloc finds no NUMA node on this machine");
    // Split every NUMA node's cores: the first linux_cores_per_numa stay with Linux.
    std::set<uint32_t> linux_cpus, all_cpus;
    std::vector<std::vector<const Core*>> lwk_cores(nodes.size());
    for (size_t i = 0; i < nodes.size(); i++) {
        for (size_t k = 0; k < nodes[i].cores.size(); k++) {
            const Core& c = nodes[i].cores[k];
            bool has_cpu0 = std::find(c.pus.begin(), c.pus.end(), 0u) != c.pus.end();
            all_cpus.insert(c.pus.begin(), c.pus.end());
            if (k < site.linux_cores_per_numa || has_cpu0)
                linux_cpus.insert(c.pus.begin(), c.pus.end());
            else
                lwk_cores[i].push_back(&c);
        }
    }
    size_t available = 0;
    for (const auto& l : lwk_cores)
        available += l.size();

    Plan plan;
    plan.ikc_map = req.ikc_map;
    std::map<unsigned, uint32_t> cores_on_node; // NUMA os index -> LWK cores there
    auto numa_of_cpu = [&](uint32_t cpu) -> int {
        for (const auto& n : nodes)
            for (const auto& c : n.cores)
                if (std::find(c.pus.begin(), c.pus.end(), cpu) != c.pus.end())
                    return int(n.os_index);
        return -1;
    };
    if (!req.cpu_list.empty()) {
        for (uint32_t cpu : req.cpu_list) {
            if (!all_cpus.count(cpu))
                return fail("--mck-cpus: CPU " + std::to_string(cpu) + " does not exist on this node (it has " +
                            ihk::format_cpu_list({all_cpus.begin(), all_cpus.end()}) + ")");
            if (linux_cpus.count(cpu))
                return fail("--mck-cpus: CPU " + std::to_string(cpu) + " stays with Linux on this node (" +
                            ihk::format_cpu_list({linux_cpus.begin(), linux_cpus.end()}) + " do)");
            cores_on_node[unsigned(numa_of_cpu(cpu))]++;
        }
        plan.cpus = req.cpu_list;
    } else {
        uint32_t want = req.cores ? *req.cores : site.default_cores ? site.default_cores : uint32_t(available);
        // Name what asked: the job's option, or the site's default (which the user cannot change).
        std::string who = req.cores ? "--mck-cpus: " : site.default_cores ? "the site's default_cores: " : "--mck: ";
        if (available == 0)
            return fail(who + "this node gives the LWK no cores (of " + std::to_string(all_cpus.size()) + " CPUs, " +
                        std::to_string(site.linux_cores_per_numa) + " core(s) per NUMA node stay with Linux)");
        if (want > available)
            return fail(who + std::to_string(want) + " cores asked for; this node gives the LWK at most " +
                        std::to_string(available) + " (of " + std::to_string(all_cpus.size()) + " CPUs, " +
                        std::to_string(site.linux_cores_per_numa) + " core(s) per NUMA node stay with Linux)");
        // Round robin over the NUMA nodes, so the LWK's cores spread evenly.
        std::vector<size_t> next(nodes.size(), 0);
        for (uint32_t taken = 0; taken < want;) {
            for (size_t i = 0; i < nodes.size() && taken < want; i++) {
                if (next[i] >= lwk_cores[i].size())
                    continue;
                const Core* c = lwk_cores[i][next[i]++];
                plan.cpus.insert(plan.cpus.end(), c->pus.begin(), c->pus.end());
                cores_on_node[nodes[i].os_index]++;
                taken++;
            }
        }
        std::sort(plan.cpus.begin(), plan.cpus.end());
    }
    // The IKC map is checked here, where the job can still be refused, not by
    // IHK in the prolog, whose failure would drain the node.
    if (!req.ikc_map.empty()) {
        auto map = ihk::parse_ikc_map(req.ikc_map);
        if (!map)
            return fail("--mck-ikc-map: " + map.error().message);
        std::set<uint32_t> lwk(plan.cpus.begin(), plan.cpus.end()), kept;
        std::set_difference(all_cpus.begin(), all_cpus.end(), lwk.begin(), lwk.end(), std::inserter(kept, kept.end()));
        for (const auto& pair : *map) {
            if (!lwk.count(pair.lwk_cpu))
                return fail("--mck-ikc-map: CPU " + std::to_string(pair.lwk_cpu) + " is not one of the LWK's (" +
                            ihk::format_cpu_list(plan.cpus) + ")");
            if (!kept.count(pair.linux_cpu))
                return fail("--mck-ikc-map: CPU " + std::to_string(pair.linux_cpu) +
                            " is not one Linux keeps on this node (" +
                            ihk::format_cpu_list({kept.begin(), kept.end()}) + ")");
        }
    }

    auto cap_of = [&](const Numa& n) { return n.memory * site.mem_cap_percent / 100 / GRANULE * GRANULE; };
    auto node_by_index = [&](int idx) -> const Numa* {
        for (const auto& n : nodes)
            if (int(n.os_index) == idx)
                return &n;
        return nullptr;
    };
    if (!req.mem_per_numa.empty()) {
        std::map<int, uint64_t> on_node; // what the chunks so far put on each node: the cap is per node
        for (const auto& c : req.mem_per_numa) {
            const Numa* n = node_by_index(c.numa_node);
            if (!n)
                return fail("--mck-mem: NUMA node " + std::to_string(c.numa_node) + " does not exist on this node");
            uint64_t size = c.size / GRANULE * GRANULE;
            if (size == 0)
                return fail("--mck-mem: " + ihk::format_size(c.size) + " on NUMA node " + std::to_string(c.numa_node) +
                            " is less than the " + ihk::format_size(GRANULE) + " the LWK's memory comes in");
            uint64_t& sum = on_node[c.numa_node];
            sum += size;
            if (sum > cap_of(*n))
                return fail("--mck-mem: " + ihk::format_size(sum) + " on NUMA node " + std::to_string(c.numa_node) +
                            " is more than the LWK may have there (" + ihk::format_size(cap_of(*n)) + ")");
            plan.mem.push_back(ihk::MemChunk{size, c.numa_node});
        }
        return plan;
    }
    // A total (asked for or the site's default) spread like the cores.
    uint32_t total_cores = 0;
    uint64_t node_mem = 0;
    for (auto& [idx, n] : cores_on_node) {
        total_cores += n;
        node_mem += node_by_index(int(idx))->memory;
    }
    uint64_t total = req.mem_total ? *req.mem_total
                     : site.default_mem_bytes ? site.default_mem_bytes
                                              : node_mem * site.default_mem_percent / 100;
    for (auto& [idx, n] : cores_on_node) {
        const Numa* numa = node_by_index(int(idx));
        uint64_t share = total * n / total_cores / GRANULE * GRANULE;
        if (share == 0)
            share = GRANULE;
        if (share > cap_of(*numa))
            return fail("--mck-mem: " + ihk::format_size(total) + " spread over the LWK's NUMA nodes puts " +
                        ihk::format_size(share) + " on node " + std::to_string(idx) + ", more than the LWK may have there (" +
                        ihk::format_size(cap_of(*numa)) + ")");
        plan.mem.push_back(ihk::MemChunk{share, int(idx)});
    }
    return plan;
}

} // namespace mckslurm
