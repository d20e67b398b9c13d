// SPDX-License-Identifier: GPL-2.0
// Text and JSON renderings of query results.
#include "output.h"

#include <cstdio>
#include <iostream>

namespace ihk::tools {
namespace {

nlohmann::json os_json(int os_index) { return os_index < 0 ? nlohmann::json(nullptr) : nlohmann::json(os_index); }

std::string hex(uint64_t v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace

nlohmann::json to_json(const std::vector<CpuInfo>& cpus)
{
    auto details = nlohmann::json::array();
    for (const auto& c : cpus)
        details.push_back({{"cpu", c.cpu}, {"hw_id", c.hw_id}, {"numa_node", c.numa_node}, {"os", os_json(c.os_index)}});
    return {{"cpus", format_cpu_list(cpu_numbers(cpus))}, {"details", details}};
}

nlohmann::json to_json(const std::vector<MemExtent>& extents)
{
    auto per_node = nlohmann::json::array();
    for (const auto& c : mem_per_node(extents))
        per_node.push_back({{"numa_node", c.numa_node}, {"size", c.size}});
    auto ext = nlohmann::json::array();
    for (const auto& e : extents)
        ext.push_back({{"phys", hex(e.phys)}, {"size", e.size}, {"numa_node", e.numa_node}, {"os", os_json(e.os_index)}});
    return {{"mem", format_mem_chunks(mem_per_node(extents))}, {"per_node", per_node}, {"extents", ext}};
}

void print_cpus(const std::vector<CpuInfo>& cpus, bool json)
{
    if (json)
        std::cout << to_json(cpus).dump(2) << '\n';
    else
        std::cout << format_cpu_list(cpu_numbers(cpus)) << '\n';
}

void print_mem(const std::vector<MemExtent>& extents, bool json)
{
    if (json)
        std::cout << to_json(extents).dump(2) << '\n';
    else
        std::cout << format_mem_chunks(mem_per_node(extents)) << '\n';
}

void print_value(const std::string& key, const nlohmann::json& value, const std::string& text, bool json)
{
    if (json)
        std::cout << nlohmann::json{{key, value}}.dump(2) << '\n';
    else
        std::cout << text << '\n';
}

} // namespace ihk::tools
