// SPDX-License-Identifier: GPL-2.0
// Merging process reports (report_merge.h).
#include "report_merge.h"

#include <mcexec/abi.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>

namespace mcexec {
namespace {

using nlohmann::json;

struct CallTotal {
    uint64_t count = 0;
    double total_us = 0, max_us = 0;
};

// Throws json::exception when @r is not shaped as a process report.
void check_format(const json& r)
{
    if (!r.is_object() || r.at("format").get<std::string>() != "mckernel-process-report")
        throw std::invalid_argument("not an mcexec process report");
}

using Latency = std::array<uint64_t, MCK_LATENCY_BUCKETS>;

// The report's offload latency histogram, or nothing when it has none (mcexec
// before report version 2). One that is there but not the histogram mcexec
// writes (another length, a negative or fractional or non-number entry) throws:
// the report is then left out, as for any other bad field.
std::optional<Latency> latency_of(const json& r)
{
    auto it = r.find("offload_latency_log2_ns");
    if (it == r.end())
        return std::nullopt;
    if (!it->is_array() || it->size() != MCK_LATENCY_BUCKETS)
        throw std::invalid_argument("offload_latency_log2_ns: not an array of " +
                                    std::to_string(MCK_LATENCY_BUCKETS) + " counts");
    Latency l{};
    for (size_t i = 0; i < l.size(); i++) {
        if (!(*it)[i].is_number_unsigned())
            throw std::invalid_argument("offload_latency_log2_ns: entry " + std::to_string(i) + " is not a count");
        l[i] = (*it)[i].get<uint64_t>();
    }
    return l;
}

std::string with_commas(uint64_t v)
{
    std::string digits = std::to_string(v), out;
    for (size_t i = 0; i < digits.size(); i++) {
        if (i && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

} // namespace

MergedReports merge_reports(const std::vector<std::string>& reports)
{
    MergedReports out;
    std::map<std::string, CallTotal> offloaded;
    std::map<std::string, uint64_t> local;
    uint64_t tasks = 0, threads = 0, faults = 0, switches = 0, interrupts = 0, syscalls = 0, peak_rss = 0;
    uint64_t failed = 0, offloads = 0;
    double user_us = 0, kernel_us = 0, wait_us = 0, elapsed_us = 0;
    Latency latency{};
    uint64_t latency_tasks = 0;
    json programs = json::array();
    for (size_t i = 0; i < reports.size(); i++) {
        try {
            json r = json::parse(reports[i]);
            check_format(r);
            // Read everything first: a report is counted whole or not at all.
            uint64_t t = r.at("threads").get<uint64_t>(), pf = r.at("page_faults").get<uint64_t>(),
                     cs = r.at("context_switches").get<uint64_t>(), rss = r.at("peak_rss_bytes").get<uint64_t>();
            double u = r.at("time_us").at("user").get<double>(), k = r.at("time_us").at("kernel").get<double>(),
                   w = r.at("time_us").at("offload_wait").get<double>(), e = r.at("elapsed_us").get<double>();
            uint64_t irq = 0, sc = 0;
            for (const auto& c : r.at("cpus")) {
                irq += c.at("interrupts").get<uint64_t>();
                sc += c.at("syscalls").get<uint64_t>();
            }
            std::vector<std::pair<std::string, CallTotal>> calls;
            for (const auto& c : r.at("offloaded"))
                calls.push_back({c.at("name").get<std::string>(),
                                 {c.at("count").get<uint64_t>(), c.at("total_us").get<double>(),
                                  c.at("max_us").get<double>()}});
            std::vector<std::pair<std::string, uint64_t>> locals;
            for (const auto& c : r.at("local"))
                locals.push_back({c.at("name").get<std::string>(), c.at("count").get<uint64_t>()});
            std::optional<Latency> lat = latency_of(r);
            const json& ex = r.at("exit");
            bool ok = ex.contains("status") && ex.at("status").get<int>() == 0;

            tasks++;
            threads += t;
            faults += pf;
            switches += cs;
            peak_rss = std::max(peak_rss, rss);
            user_us += u;
            kernel_us += k;
            wait_us += w;
            elapsed_us = std::max(elapsed_us, e);
            interrupts += irq;
            syscalls += sc;
            failed += ok ? 0 : 1;
            for (const auto& [name, c] : calls) {
                CallTotal& m = offloaded[name];
                m.count += c.count;
                m.total_us += c.total_us;
                m.max_us = std::max(m.max_us, c.max_us);
                offloads += c.count;
            }
            for (const auto& [name, n] : locals)
                local[name] += n;
            if (lat) {
                for (size_t b = 0; b < latency.size(); b++)
                    latency[b] += (*lat)[b];
                latency_tasks++;
            }
            programs.push_back({{"program", r.at("program")}, {"pid", r.at("pid")}, {"exit", ex}});
        } catch (const std::exception& e) {
            out.errors.push_back("report " + std::to_string(i + 1) + ": " + e.what());
        }
    }
    json off = json::array(), loc = json::array();
    for (const auto& [name, c] : offloaded)
        off.push_back({{"name", name}, {"count", c.count}, {"total_us", c.total_us}, {"max_us", c.max_us}});
    std::stable_sort(off.begin(), off.end(),
                     [](const json& a, const json& b) { return a["count"].get<uint64_t>() > b["count"].get<uint64_t>(); });
    for (const auto& [name, n] : local)
        loc.push_back({{"name", name}, {"count", n}});
    out.report = {{"format", "mckernel-group-report"},
                  {"version", 1},
                  {"tasks", tasks},
                  {"tasks_failed", failed},
                  {"threads", threads},
                  {"offloads", offloads},
                  {"page_faults", faults},
                  {"context_switches", switches},
                  {"interrupts", interrupts},
                  {"syscalls", syscalls},
                  {"peak_rss_bytes", peak_rss},
                  {"elapsed_us", elapsed_us},
                  {"time_us", {{"user", user_us}, {"kernel", kernel_us}, {"offload_wait", wait_us}}},
                  {"offloaded", off},
                  {"local", loc},
                  {"programs", programs}};
    // Only when some task had one; offload_latency_tasks says how many (older
    // mcexec's reports count in offloads but not here).
    if (latency_tasks) {
        out.report["offload_latency_log2_ns"] = latency;
        out.report["offload_latency_tasks"] = latency_tasks;
    }
    return out;
}

std::string summary_line(const json& m)
{
    uint64_t tasks = m.value("tasks", uint64_t(0)), offloads = m.value("offloads", uint64_t(0));
    uint64_t io = 0;
    for (const auto& c : m.value("offloaded", json::array())) {
        std::string n = c.value("name", "");
        if (n == "read" || n == "write" || n == "pread64" || n == "pwrite64" || n == "readv" || n == "writev")
            io += c.value("count", uint64_t(0));
    }
    std::string line = "mck: " + with_commas(tasks) + (tasks == 1 ? " task, " : " tasks, ") + with_commas(offloads) +
                       (offloads == 1 ? " offload" : " offloads");
    if (offloads) {
        char pct[32];
        std::snprintf(pct, sizeof(pct), " (%.0f%% read/write)", 100.0 * double(io) / double(offloads));
        line += pct;
    }
    uint64_t faults = m.value("page_faults", uint64_t(0)), irqs = m.value("interrupts", uint64_t(0));
    line += ", " + with_commas(faults) + (faults == 1 ? " page fault, " : " page faults, ") + with_commas(irqs) +
            (irqs == 1 ? " interrupt or exception" : " interrupts and exceptions") + " on LWK CPUs";
    if (uint64_t f = m.value("tasks_failed", uint64_t(0)))
        line += ", " + with_commas(f) + " failed";
    return line;
}

} // namespace mcexec
