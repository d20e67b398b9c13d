// SPDX-License-Identifier: GPL-2.0
// The LWK's view of the machine: the generated files and the redirected
// paths (lwk_view.h). No system calls here.
#include "lwk_view.h"

#include <mcexec/abi.h>

#include <ihk/parse.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace mcexec::view {
namespace {

constexpr uint64_t PAGE = 4096;

std::vector<std::string> split(std::string_view s, char sep)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t at = s.find(sep, start);
        out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return out;
        start = at + 1;
    }
}

std::string trim(std::string_view s)
{
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// "0-2,5" -> {0, 1, 2, 5}; nothing for text that is not a list.
std::vector<int> parse_list(std::string_view text)
{
    std::vector<int> out;
    std::string t = trim(text);
    while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
        t.pop_back();
    if (t.empty())
        return out;
    for (const std::string& part : split(t, ',')) {
        int a, b;
        char extra;
        if (sscanf(part.c_str(), "%d-%d%c", &a, &b, &extra) == 2 && a <= b && b - a < 65536) {
            for (int i = a; i <= b; i++)
                out.push_back(i);
        } else if (sscanf(part.c_str(), "%d%c", &a, &extra) == 1) {
            out.push_back(a);
        } else {
            return {};
        }
    }
    return out;
}

std::vector<unsigned> all_below(unsigned n)
{
    std::vector<unsigned> v(n);
    for (unsigned i = 0; i < n; i++)
        v[i] = i;
    return v;
}

// Replace the last number of @line (right-aligned in its field, as Linux
// prints it) by @value.
std::string with_number(const std::string& line, uint64_t value)
{
    size_t end = line.find_last_of("0123456789");
    if (end == std::string::npos)
        return line;
    size_t start = end;
    while (start > 0 && isdigit(static_cast<unsigned char>(line[start - 1])))
        start--;
    size_t field = start;
    while (field > 0 && line[field - 1] == ' ')
        field--;
    if (field > 0 && line[field - 1] != ':')
        field = start; // no padding to reuse
    std::string v = std::to_string(value);
    size_t width = std::max(end + 1 - field, v.size() + (field < start ? 1 : 0));
    std::string padded = std::string(width - v.size(), ' ') + v;
    return line.substr(0, field) + padded + line.substr(end + 1);
}

std::string key_of(const std::string& line)
{
    size_t colon = line.find(':');
    return colon == std::string::npos ? std::string() : trim(line.substr(0, colon));
}

// Width, in bits, of a mask Linux printed ("00000000,00000003": 64).
unsigned mask_width(const std::string& text)
{
    std::vector<std::string> groups = split(trim(text), ',');
    return unsigned((groups.size() - 1) * 32 + groups.front().size() * 4);
}

struct CpuSets {
    std::vector<Placement> at;
    std::vector<std::vector<unsigned>> core, package;
};

CpuSets cpu_sets(const Share& share, ApicLayout layout)
{
    CpuSets s;
    unsigned n = unsigned(share.cpus.size());
    for (const Cpu& c : share.cpus)
        s.at.push_back(place(c.apic_id, layout));
    s.core.resize(n);
    s.package.resize(n);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++) {
            if (s.at[j].package != s.at[i].package)
                continue;
            s.package[i].push_back(j);
            if (s.at[j].core == s.at[i].core)
                s.core[i].push_back(j);
        }
    return s;
}

} // namespace

uint64_t Share::mem_total() const
{
    uint64_t t = 0;
    for (const NodeMem& m : mem)
        t += m.bytes;
    return t;
}

std::vector<int> Share::nodes() const
{
    std::set<int> s;
    for (const Cpu& c : cpus)
        s.insert(c.node);
    for (const NodeMem& m : mem)
        s.insert(m.node);
    return {s.begin(), s.end()};
}

Share make_share(const std::vector<InstanceCpu>& cpus, const std::vector<InstanceMem>& mem, uint32_t cpu_first,
                 uint32_t cpu_count, uint64_t mem_limit)
{
    Share share;
    std::vector<InstanceCpu> sorted = cpus;
    std::sort(sorted.begin(), sorted.end(),
              [](const InstanceCpu& a, const InstanceCpu& b) { return a.linux_cpu < b.linux_cpu; });
    uint64_t first = cpu_first, end = cpu_count ? uint64_t(cpu_first) + cpu_count : sorted.size();
    for (uint64_t i = first; i < end && i < sorted.size(); i++)
        share.cpus.push_back(Cpu{sorted[i].linux_cpu, sorted[i].apic_id, sorted[i].node});
    std::map<int, uint64_t> per_node;
    uint64_t total = 0;
    for (const InstanceMem& m : mem) {
        per_node[m.node] += m.bytes;
        total += m.bytes;
    }
    for (const auto& [node, bytes] : per_node) {
        uint64_t b = bytes;
        if (mem_limit && mem_limit < total)
            b = uint64_t((unsigned __int128)bytes * mem_limit / total) & ~(PAGE - 1);
        if (b)
            share.mem.push_back(NodeMem{node, b});
    }
    return share;
}

Placement place(uint32_t apic_id, ApicLayout layout)
{
    unsigned pkg = std::min(layout.pkg_bits, 32u), smt = std::min(layout.smt_bits, pkg);
    uint64_t low = apic_id & ((1ull << pkg) - 1);
    return Placement{uint32_t(uint64_t(apic_id) >> pkg), uint32_t(low >> smt)};
}

std::string list_string(const std::vector<unsigned>& sorted)
{
    return ihk::format_cpu_list({sorted.begin(), sorted.end()}); // Linux's "0-3,8" lists
}

std::string mask_string(const std::vector<unsigned>& bits, unsigned nbits)
{
    if (nbits == 0)
        nbits = 1;
    unsigned groups = (nbits + 31) / 32;
    std::vector<uint32_t> words(groups);
    for (unsigned b : bits)
        if (b < nbits)
            words[b / 32] |= 1u << (b % 32);
    std::string out;
    char buf[16];
    for (unsigned g = groups; g-- > 0;) {
        unsigned width = g == groups - 1 && nbits % 32 ? (nbits % 32 + 3) / 4 : 8;
        snprintf(buf, sizeof(buf), "%0*x", int(width), words[g]);
        if (!out.empty())
            out += ',';
        out += buf;
    }
    return out;
}

std::string cpuinfo(const std::string& linux_cpuinfo, const Share& share, ApicLayout layout)
{
    // Linux's first entry: the lines up to the first empty one.
    std::vector<std::string> model;
    for (const std::string& line : split(linux_cpuinfo, '\n')) {
        if (line.empty()) {
            if (!model.empty())
                break;
            continue;
        }
        model.push_back(line);
    }
    CpuSets sets = cpu_sets(share, layout);
    std::string out;
    for (unsigned i = 0; i < share.cpus.size(); i++) {
        std::set<uint32_t> cores;
        for (unsigned j : sets.package[i])
            cores.insert(sets.at[j].core);
        for (const std::string& line : model) {
            std::string key = key_of(line);
            size_t colon = line.find(':');
            std::string head = colon == std::string::npos ? line : line.substr(0, colon + 1);
            uint64_t v;
            if (key == "processor")
                v = i;
            else if (key == "physical id")
                v = sets.at[i].package;
            else if (key == "siblings")
                v = sets.package[i].size();
            else if (key == "core id")
                v = sets.at[i].core;
            else if (key == "cpu cores")
                v = cores.size();
            else if (key == "apicid" || key == "initial apicid")
                v = share.cpus[i].apic_id;
            else {
                out += line + '\n';
                continue;
            }
            out += head + ' ' + std::to_string(v) + '\n';
        }
        out += '\n';
    }
    return out;
}

std::string meminfo(const std::string& linux_meminfo, uint64_t total, uint64_t free)
{
    std::string out;
    for (const std::string& line : split(linux_meminfo, '\n')) {
        if (line.empty())
            continue;
        std::string key = key_of(line);
        if (key == "MemTotal")
            out += with_number(line, total >> 10);
        else if (key == "MemFree" || key == "MemAvailable")
            out += with_number(line, (free < total ? free : total) >> 10);
        else if (key == "Hugepagesize")
            out += line;
        else
            out += with_number(line, 0);
        out += '\n';
    }
    return out;
}

std::string limits(const std::string& linux_limits, const mck_rlimit (&program)[MCK_RLIMITS])
{
    // fs/proc/base.c: proc_pid_limits(); the names the LWK's limits have there.
    static const char* const NAMES[MCK_RLIMITS] = {"Max address space", "Max data size", "Max stack size",
                                                   "Max cpu time"};
    auto value = [](uint64_t v) { return v == ~0ull ? std::string("unlimited") : std::to_string(v); };
    std::string out;
    for (const std::string& line : split(linux_limits, '\n')) {
        if (line.empty())
            continue;
        int which = -1;
        for (int i = 0; i < MCK_RLIMITS; i++)
            if (line.compare(0, strlen(NAMES[i]), NAMES[i]) == 0 && line.size() > 25 && line[strlen(NAMES[i])] == ' ')
                which = i;
        if (which < 0) {
            out += line + '\n';
            continue;
        }
        std::string units = line.size() > 68 ? line.substr(68) : std::string(); // after "%-25s %-20s %-20s "
        char buf[160];
        snprintf(buf, sizeof(buf), "%-25s %-20s %-20s %s", NAMES[which], value(program[which].cur).c_str(),
                 value(program[which].max).c_str(), units.c_str());
        out += std::string(buf) + '\n';
    }
    return out;
}

struct sysinfo lwk_sysinfo(const struct sysinfo& linux, uint64_t total)
{
    struct sysinfo out = linux;
    out.totalram = out.freeram = total;
    out.sharedram = out.bufferram = 0;
    out.totalswap = out.freeswap = 0;
    out.totalhigh = out.freehigh = 0;
    out.mem_unit = 1;
    return out;
}

std::string stat(const std::string& linux_stat, unsigned ncpus)
{
    const std::string zeros = " 0 0 0 0 0 0 0 0 0 0\n";
    std::string out = "cpu " + zeros;
    for (unsigned i = 0; i < ncpus; i++)
        out += "cpu" + std::to_string(i) + zeros;
    for (const std::string& line : split(linux_stat, '\n'))
        if (!line.empty() && line.compare(0, 3, "cpu") != 0)
            out += line + '\n';
    return out;
}

std::string node_meminfo(int node, uint64_t bytes)
{
    std::string out;
    char buf[96];
    uint64_t kb = bytes >> 10;
    const std::pair<const char*, uint64_t> rows[] = {
        {"MemTotal:", kb}, {"MemFree:", kb}, {"MemUsed:", 0}, {"Active:", 0}, {"Inactive:", 0},
        {"FilePages:", 0}, {"AnonPages:", 0}, {"Shmem:", 0},  {"KernelStack:", 0}, {"PageTables:", 0},
    };
    for (const auto& [name, v] : rows) {
        snprintf(buf, sizeof(buf), "Node %d %-15s %8llu kB\n", node, name, static_cast<unsigned long long>(v));
        out += buf;
    }
    for (const char* name : {"HugePages_Total:", "HugePages_Free:", "HugePages_Surp:"}) {
        snprintf(buf, sizeof(buf), "Node %d %-16s %5d\n", node, name, 0);
        out += buf;
    }
    return out;
}

std::string status(const std::string& linux_status, const Share& share, const std::string& comm)
{
    std::vector<unsigned> cpus = all_below(unsigned(share.cpus.size()));
    std::vector<unsigned> nodes;
    for (const NodeMem& m : share.mem)
        nodes.push_back(unsigned(m.node));
    std::string out;
    for (const std::string& line : split(linux_status, '\n')) {
        if (line.empty())
            continue;
        std::string key = key_of(line);
        std::string value = line.substr(line.find(':') + 1);
        if (key == "Name")
            out += "Name:\t" + comm;
        else if (key == "Cpus_allowed")
            out += "Cpus_allowed:\t" + mask_string(cpus, std::max(mask_width(value), unsigned(cpus.size())));
        else if (key == "Cpus_allowed_list")
            out += "Cpus_allowed_list:\t" + list_string(cpus);
        else if (key == "Mems_allowed")
            out += "Mems_allowed:\t" + mask_string(nodes, std::max(mask_width(value), nodes.empty() ? 1u : nodes.back() + 1));
        else if (key == "Mems_allowed_list")
            out += "Mems_allowed_list:\t" + list_string(nodes);
        else
            out += line;
        out += '\n';
    }
    return out;
}

std::vector<Entry> machine_entries(const Share& share, ApicLayout layout, const LinuxTexts& t)
{
    std::vector<Entry> e;
    auto dir = [&](std::string p) { e.push_back(Entry{Entry::Dir, std::move(p), {}}); };
    auto file = [&](std::string p, std::string c) { e.push_back(Entry{Entry::File, std::move(p), std::move(c)}); };
    auto link = [&](std::string p, std::string to) { e.push_back(Entry{Entry::Link, std::move(p), std::move(to)}); };
    unsigned n = unsigned(share.cpus.size());
    std::vector<unsigned> cpus = all_below(n);
    std::vector<int> nodes = share.nodes();
    std::vector<unsigned> node_ids(nodes.begin(), nodes.end());
    CpuSets sets = cpu_sets(share, layout);

    dir("proc");
    file("proc/cpuinfo", cpuinfo(t.cpuinfo, share, layout));
    file("proc/meminfo", meminfo(t.meminfo, share.mem_total(), share.mem_total()));
    file("proc/stat", stat(t.stat, n));

    dir("sys");
    dir("sys/devices");
    dir("sys/devices/system");
    const std::string cpu = "sys/devices/system/cpu/";
    dir("sys/devices/system/cpu");
    for (const char* name : {"online", "possible", "present"})
        file(cpu + name, list_string(cpus) + '\n');
    file(cpu + "offline", "\n");
    file(cpu + "isolated", "\n");
    for (unsigned i = 0; i < n; i++) {
        std::string c = cpu + "cpu" + std::to_string(i);
        const Placement& p = sets.at[i];
        dir(c);
        file(c + "/online", "1\n");
        link(c + "/node" + std::to_string(share.cpus[i].node), "../../node/node" + std::to_string(share.cpus[i].node));
        dir(c + "/topology");
        std::string top = c + "/topology/";
        file(top + "physical_package_id", std::to_string(p.package) + '\n');
        file(top + "die_id", "0\n");
        file(top + "core_id", std::to_string(p.core) + '\n');
        file(top + "cluster_id", std::to_string(p.core) + '\n');
        const std::pair<const char*, const std::vector<unsigned>*> sibling_sets[] = {
            {"thread_siblings", &sets.core[i]}, {"core_cpus", &sets.core[i]},    {"cluster_cpus", &sets.core[i]},
            {"core_siblings", &sets.package[i]}, {"die_cpus", &sets.package[i]}, {"package_cpus", &sets.package[i]},
        };
        for (const auto& [name, set] : sibling_sets) {
            file(top + name, mask_string(*set, n) + '\n');
            file(top + name + "_list", list_string(*set) + '\n');
        }
    }

    const std::string node = "sys/devices/system/node/";
    dir("sys/devices/system/node");
    std::vector<unsigned> with_mem;
    for (const NodeMem& m : share.mem)
        with_mem.push_back(unsigned(m.node));
    for (const char* name : {"online", "possible", "has_cpu"}) {
        std::set<unsigned> s;
        if (std::string(name) == "has_cpu")
            for (const Cpu& c : share.cpus)
                s.insert(unsigned(c.node));
        else
            s.insert(node_ids.begin(), node_ids.end());
        file(node + name, list_string({s.begin(), s.end()}) + '\n');
    }
    file(node + "has_memory", list_string(with_mem) + '\n');
    file(node + "has_normal_memory", list_string(with_mem) + '\n');
    // Linux's distances: the row of each of its online nodes, a column per online node.
    std::vector<int> linux_nodes = parse_list(t.node_online);
    auto distance = [&](int from, int to) {
        auto row = std::find(linux_nodes.begin(), linux_nodes.end(), from);
        auto col = std::find(linux_nodes.begin(), linux_nodes.end(), to);
        if (row != linux_nodes.end() && col != linux_nodes.end() && size_t(row - linux_nodes.begin()) < t.distance.size()) {
            std::istringstream in(t.distance[size_t(row - linux_nodes.begin())]);
            std::vector<int> values{std::istream_iterator<int>(in), std::istream_iterator<int>()};
            if (size_t(col - linux_nodes.begin()) < values.size())
                return values[size_t(col - linux_nodes.begin())];
        }
        return from == to ? 10 : 20;
    };
    for (int k : nodes) {
        std::string d = node + "node" + std::to_string(k);
        std::vector<unsigned> here;
        for (unsigned i = 0; i < n; i++)
            if (share.cpus[i].node == k)
                here.push_back(i);
        uint64_t bytes = 0;
        for (const NodeMem& m : share.mem)
            if (m.node == k)
                bytes = m.bytes;
        dir(d);
        file(d + "/cpumap", mask_string(here, n) + '\n');
        file(d + "/cpulist", list_string(here) + '\n');
        file(d + "/meminfo", node_meminfo(k, bytes));
        std::string row;
        for (int to : nodes)
            row += (row.empty() ? "" : " ") + std::to_string(distance(k, to));
        file(d + "/distance", row + '\n');
        for (unsigned i : here)
            link(d + "/cpu" + std::to_string(i), "../../cpu/cpu" + std::to_string(i));
    }

    dir("sys/bus");
    dir("sys/bus/cpu");
    dir("sys/bus/cpu/devices");
    for (unsigned i = 0; i < n; i++)
        link("sys/bus/cpu/devices/cpu" + std::to_string(i), "../../../devices/system/cpu/cpu" + std::to_string(i));
    dir("sys/bus/node");
    dir("sys/bus/node/devices");
    for (int k : nodes)
        link("sys/bus/node/devices/node" + std::to_string(k), "../../../devices/system/node/node" + std::to_string(k));
    return e;
}

std::vector<Entry> program_entries(const std::vector<std::string>& args, const std::vector<std::string>& env,
                                   const std::string& comm)
{
    auto joined = [](const std::vector<std::string>& v) {
        std::string s;
        for (const std::string& a : v)
            s.append(a).push_back('\0');
        return s;
    };
    return {
        {Entry::Dir, "proc/self", {}},
        {Entry::File, "proc/self/cmdline", joined(args)},
        {Entry::File, "proc/self/environ", joined(env)},
        {Entry::File, "proc/self/comm", comm + '\n'},
        {Entry::File, "proc/self/status", {}},
        {Entry::File, "proc/self/maps", {}},
        {Entry::File, "proc/self/stat", {}},
        {Entry::File, "proc/self/statm", {}},
    };
}

std::string comm_of(const std::string& path)
{
    size_t slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    return base.substr(0, 15);
}

std::string normalize(std::string_view path)
{
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos)
            j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (c == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!c.empty() && c != ".") {
            parts.push_back(c);
        }
        i = j + 1;
    }
    std::string out;
    for (std::string_view c : parts)
        out.append("/").append(c);
    return out.empty() ? "/" : out;
}

Target map_path(std::string_view p, int self_pid)
{
    auto under = [&](std::string_view prefix) {
        return p == prefix || (p.size() > prefix.size() && p.substr(0, prefix.size()) == prefix && p[prefix.size()] == '/');
    };
    for (std::string_view prefix : {"/sys/devices/system/cpu", "/sys/devices/system/node", "/sys/bus/cpu/devices",
                                    "/sys/bus/node/devices"})
        if (under(prefix))
            return {Redirect::Tree, std::string(p.substr(1))};
    if (p == "/proc/meminfo")
        return {Redirect::Meminfo, "proc/meminfo"};
    if (p == "/proc/cpuinfo" || p == "/proc/stat")
        return {Redirect::Tree, std::string(p.substr(1))};
    if (!under("/proc"))
        return {};
    std::vector<std::string> c = split(p.substr(1), '/');
    if (c.size() < 3)
        return {};
    const std::string& who = c[1];
    // Its listing names the program's threads (a tid's files are below).
    if (c.size() == 3 && c[2] == "task" && (who == "self" || who == std::to_string(self_pid)))
        return {Redirect::TaskDir, "task"};
    uint32_t other = 0; // another process's /proc/<pid>: perhaps an LWK process (McKernel knows)
    if (who != "self" && who != "thread-self" && who != std::to_string(self_pid)) {
        if (who.empty() || who.size() > 7 || who.find_first_not_of("0123456789") != std::string::npos)
            return {};
        other = uint32_t(std::stoul(who));
        if (!other || other > MCK_PROC_FILE_MAX_PID)
            return {};
    }
    size_t leaf = 2;
    uint64_t tid = 0;
    if (c[2] == "task" && who != "thread-self") {
        if (c.size() != 5 || c[3].empty() || c[3].size() > 9 || c[3].find_first_not_of("0123456789") != std::string::npos)
            return {};
        tid = std::stoull(c[3]);
        leaf = 4;
    }
    if (c.size() != leaf + 1)
        return {};
    const std::string& name = c[leaf];
    bool thread_self = who == "thread-self";
    if (name == "status")
        return {Redirect::Status, "proc/self/status", tid, thread_self, other};
    if (name == "maps")
        return {Redirect::Maps, "proc/self/maps", tid, thread_self, other};
    if (name == "stat")
        return {Redirect::Stat, "proc/self/stat", tid, thread_self, other};
    if (name == "statm")
        return {Redirect::Statm, "proc/self/statm", tid, thread_self, other};
    if (other)
        return {};
    if (name == "limits")
        return {Redirect::Limits, {}};
    if (name == "cmdline" || name == "environ" || name == "comm")
        return {Redirect::Tree, "proc/self/" + name};
    if (name == "exe")
        return {Redirect::Exe, {}};
    return {};
}

} // namespace mcexec::view
