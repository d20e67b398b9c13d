// SPDX-License-Identifier: GPL-2.0
// Text and JSON renderings of query results.
#include "output.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace ihk::tools {
namespace {

// Indented JSON. Text from the LWK (its log, a kernel argument) may hold any
// byte: one that is not UTF-8 is printed as U+FFFD, where dump() would throw.
std::string dump(const nlohmann::json& j) { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

nlohmann::json os_json(int os_index) { return os_index < 0 ? nlohmann::json(nullptr) : nlohmann::json(os_index); }

std::string hex(uint64_t v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string_view cpu_state_name(uint32_t state)
{
    switch (state) {
    case 0:
        return "kernel";
    case 1:
        return "idle";
    case 2:
        return "user";
    default:
        return "?";
    }
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
        std::cout << dump(to_json(cpus)) << '\n';
    else
        std::cout << format_cpu_list(cpu_numbers(cpus)) << '\n';
}

void print_mem(const std::vector<MemExtent>& extents, bool json)
{
    if (json)
        std::cout << dump(to_json(extents)) << '\n';
    else
        std::cout << format_mem_chunks(mem_per_node(extents)) << '\n';
}

nlohmann::json to_json(const Os::Usage& u)
{
    auto cpus = nlohmann::json::array();
    for (const auto& c : u.cpus)
        cpus.push_back({{"linux_cpu", c.linux_cpu},
                        {"state", cpu_state_name(c.state)},
                        {"user_ns", c.user_ns},
                        {"kernel_ns", c.kernel_ns},
                        {"idle_ns", c.idle_ns},
                        {"kernel_entries", c.kernel_entries},
                        {"syscalls", c.syscalls},
                        {"exceptions", c.exceptions},
                        {"interrupts", c.interrupts}});
    return {{"uptime_ns", u.uptime_ns},
            {"mem_total", u.mem_total},
            {"mem_used", u.mem_used},
            {"mem_peak", u.mem_peak},
            {"processes", u.processes},
            {"processes_peak", u.processes_peak},
            {"processes_started", u.processes_started},
            {"threads", u.threads},
            {"threads_peak", u.threads_peak},
            {"offloads", u.offloads},
            {"page_faults", u.page_faults},
            {"page_tables", u.page_tables},
            {"page_tables_peak", u.page_tables_peak},
            {"cpus", cpus}};
}

std::string format_usage(const Os::Usage& u)
{
    auto mib = [](uint64_t b) { return std::to_string(b >> 20) + " MiB"; };
    auto sec = [](uint64_t ns) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.3f", double(ns) / 1e9);
        return std::string(buf);
    };
    std::ostringstream o;
    o << "uptime       " << sec(u.uptime_ns) << " s\n"
      << "memory       " << mib(u.mem_used) << " used of " << mib(u.mem_total) << ", at most " << mib(u.mem_peak)
      << "\n"
      << "processes    " << u.processes << " now, " << u.processes_peak << " at most, " << u.processes_started
      << " started\n"
      << "threads      " << u.threads << " now, " << u.threads_peak << " at most\n"
      << "offloads     " << u.offloads << "\n"
      << "page faults  " << u.page_faults << "\n"
      << "page tables  " << (u.page_tables >> 10) << " KiB now, at most " << (u.page_tables_peak >> 10) << " KiB\n";
    char line[200];
    std::snprintf(line, sizeof(line), "%-5s %-6s %12s %12s %12s %12s %12s %12s\n", "cpu", "state", "user s",
                  "kernel s", "idle s", "syscalls", "exceptions", "interrupts");
    o << line;
    auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    for (const auto& c : u.cpus) {
        std::snprintf(line, sizeof(line), "%-5u %-6s %12s %12s %12s %12llu %12llu %12llu\n", c.linux_cpu,
                      std::string(cpu_state_name(c.state)).c_str(), sec(c.user_ns).c_str(), sec(c.kernel_ns).c_str(),
                      sec(c.idle_ns).c_str(), n(c.syscalls), n(c.exceptions), n(c.interrupts));
        o << line;
    }
    std::string s = o.str();
    s.pop_back(); // print_value adds the last newline
    return s;
}

void print_value(const std::string& key, const nlohmann::json& value, const std::string& text, bool json)
{
    if (json)
        std::cout << dump(nlohmann::json{{key, value}}) << '\n';
    else
        std::cout << text << '\n';
}

} // namespace ihk::tools
