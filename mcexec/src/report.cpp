// SPDX-License-Identifier: GPL-2.0
// Formatting the LWK's per-process statistics (report.h).
#include "report.h"

#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <cstdarg>
#include <cinttypes>
#include <cstdio>
#include <vector>

namespace mcexec {
namespace {

struct Name {
    uint64_t nr;
    const char* name;
};

constexpr Name NAMES[] = {
#define SHAPE(nr, name, kinds) {nr, #name},
#include "syscall_shapes.inc"
#undef SHAPE
};

double tsc_us(const mck_proc_stats& s, uint64_t tsc) { return s.tsc_khz ? double(tsc) * 1000.0 / double(s.tsc_khz) : 0; }

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

// A JSON string. The program's path may hold any byte: one that is not UTF-8
// becomes U+FFFD, so the report stays JSON that the job's summary can read.
std::string json_string(const std::string& v)
{
    return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

uint64_t total_offloads(const mck_proc_stats& s)
{
    uint64_t n = 0;
    for (const auto& c : s.offload)
        n += c.count;
    return n;
}

uint64_t sum(const mck_u64* v, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += v[i];
    return t;
}

const char* STAGE_NAMES[MCK_STAGES] = {"send", "pickup", "call", "resume"};

// 2^@log2 ns for people: "512 ns", "64 us", "4 ms", "2 s" (rounded down to whole units).
std::string pow2_ns(uint32_t log2)
{
    uint64_t ns = uint64_t(1) << log2;
    if (ns < 1000)
        return fmt("%" PRIu64 " ns", ns);
    if (ns < 1000000)
        return fmt("%" PRIu64 " us", ns / 1000);
    if (ns < 1000000000)
        return fmt("%" PRIu64 " ms", ns / 1000000);
    return fmt("%" PRIu64 " s", ns / 1000000000);
}

// One line from the latency histogram: the bucket edges under which half, 99%
// and all of the calls stay (a histogram has no finer answer). Empty without calls.
std::string latency_line(const mck_proc_stats& s)
{
    uint64_t n = sum(s.offload_latency, MCK_LATENCY_BUCKETS);
    if (!n)
        return "";
    uint32_t half = 0, p99 = 0, last = 0;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < MCK_LATENCY_BUCKETS; i++) {
        if (!s.offload_latency[i])
            continue;
        if (seen * 2 < n && (seen + s.offload_latency[i]) * 2 >= n)
            half = i;
        if (seen * 100 < n * 99 && (seen + s.offload_latency[i]) * 100 >= n * 99)
            p99 = i;
        seen += s.offload_latency[i];
        last = i;
    }
    // The last bucket is open-ended: its calls are "at least", not "under".
    auto edge = [](uint32_t b) {
        return b + 1 < MCK_LATENCY_BUCKETS ? "under " + pow2_ns(b + 1) : pow2_ns(b) + " or more";
    };
    return fmt("  offload latency: half %s, 99%% %s, all %s\n", edge(half).c_str(), edge(p99).c_str(),
               edge(last).c_str());
}

std::string exit_string(int status)
{
    if (WIFSIGNALED(status))
        return fmt("signal %d", WTERMSIG(status));
    return fmt("status %d", WEXITSTATUS(status));
}

} // namespace

std::string syscall_name(uint64_t nr)
{
    if (nr == MCK_STATS_OTHER)
        return "other";
    for (const auto& n : NAMES)
        if (n.nr == nr)
            return n.name;
    return fmt("nr_%" PRIu64, nr);
}

std::string report_text(const mck_proc_stats& s, const ReportInfo& info)
{
    std::string o;
    double run_ms = s.end_tsc > s.start_tsc ? tsc_us(s, s.end_tsc - s.start_tsc) / 1000 : 0;
    uint64_t offloads = total_offloads(s), locals = sum(s.local, MCK_STATS_NR);
    uint32_t ncpus = std::min<uint32_t>(s.ncpus, MCK_STATS_CPUS);
    o += fmt("mcexec report: %s (pid %u) on McKernel instance %d, %s, %.1f ms\n", info.program.c_str(), info.pid,
             info.os_index, exit_string(info.exit_status).c_str(), run_ms);
    o += fmt("  threads %" PRIu64 ", page faults %" PRIu64 ", context switches %" PRIu64
             ", peak RSS %.1f MiB, page tables %" PRIu64 " KiB\n",
             s.threads, s.page_faults, s.ctx_switches, double(s.peak_rss) / (1 << 20), s.page_table_bytes >> 10);
    o += fmt("  time: user %.1f ms, kernel %.1f ms, waiting for Linux %.1f ms\n", tsc_us(s, s.user_tsc) / 1000,
             tsc_us(s, s.kernel_tsc) / 1000, tsc_us(s, s.offload_wait_tsc) / 1000);
    o += fmt("  system calls: %" PRIu64 " local, %" PRIu64 " offloaded (%" PRIu64 " answered while spinning)\n",
             locals, offloads, s.offload_spun);
    if (s.stage_calls) {
        o += "  offload stages, mean us:";
        for (int i = 0; i < MCK_STAGES; i++)
            o += fmt(" %s %.1f", STAGE_NAMES[i], tsc_us(s, s.stage_tsc[i]) / double(s.stage_calls));
        o += "\n";
    }
    o += latency_line(s);
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < MCK_STATS_NR; i++)
        if (s.offload[i].count)
            order.push_back(i);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return s.offload[a].total_tsc > s.offload[b].total_tsc; });
    if (!order.empty())
        o += fmt("  %-20s %10s %12s %12s %12s\n", "offloaded", "calls", "total ms", "mean us", "max us");
    for (size_t k = 0; k < order.size() && k < 10; k++) {
        const mck_call_stat& c = s.offload[order[k]];
        o += fmt("  %-20s %10" PRIu64 " %12.2f %12.1f %12.1f\n", syscall_name(order[k]).c_str(), c.count,
                 tsc_us(s, c.total_tsc) / 1000, tsc_us(s, c.total_tsc) / double(c.count), tsc_us(s, c.max_tsc));
    }
    if (order.size() > 10)
        o += fmt("  (%zu more in the JSON report)\n", order.size() - 10);
    o += "  LWK CPU (of the share):";
    for (uint32_t c = 0; c < ncpus; c++)
        o += fmt(" %u: %" PRIu64 " interrupts, %" PRIu64 " syscalls;", c, s.cpu_irqs[c], s.cpu_syscalls[c]);
    o += "\n";
    return o;
}

std::string report_json(const mck_proc_stats& s, const ReportInfo& info)
{
    uint32_t ncpus = std::min<uint32_t>(s.ncpus, MCK_STATS_CPUS);
    std::string o = "{\n";
    o += fmt("  \"format\": \"mckernel-process-report\",\n  \"version\": %u,\n", unsigned(MCK_STATS_VERSION));
    o += "  \"program\": " + json_string(info.program) + ",\n";
    o += fmt("  \"pid\": %u,\n  \"os_index\": %d,\n", info.pid, info.os_index);
    if (WIFSIGNALED(info.exit_status))
        o += fmt("  \"exit\": {\"signal\": %d},\n", WTERMSIG(info.exit_status));
    else
        o += fmt("  \"exit\": {\"status\": %d},\n", WEXITSTATUS(info.exit_status));
    o += fmt("  \"elapsed_us\": %.1f,\n", s.end_tsc > s.start_tsc ? tsc_us(s, s.end_tsc - s.start_tsc) : 0.0);
    o += fmt("  \"threads\": %" PRIu64 ",\n  \"page_faults\": %" PRIu64 ",\n  \"context_switches\": %" PRIu64
             ",\n  \"peak_rss_bytes\": %" PRIu64 ",\n  \"page_table_bytes\": %" PRIu64 ",\n",
             s.threads, s.page_faults, s.ctx_switches, s.peak_rss, s.page_table_bytes);
    o += fmt("  \"time_us\": {\"user\": %.1f, \"kernel\": %.1f, \"offload_wait\": %.1f},\n", tsc_us(s, s.user_tsc),
             tsc_us(s, s.kernel_tsc), tsc_us(s, s.offload_wait_tsc));
    o += fmt("  \"offload_spun\": %" PRIu64 ",\n", s.offload_spun);
    o += fmt("  \"offload_stages_us\": {\"calls\": %" PRIu64, s.stage_calls);
    for (int i = 0; i < MCK_STAGES; i++)
        o += fmt(", \"%s\": %.1f", STAGE_NAMES[i], tsc_us(s, s.stage_tsc[i]));
    o += "},\n  \"offload_latency_log2_ns\": [";
    for (uint32_t i = 0; i < MCK_LATENCY_BUCKETS; i++)
        o += fmt("%s%" PRIu64, i ? ", " : "", s.offload_latency[i]);
    o += "],\n  \"cpus\": [";
    for (uint32_t c = 0; c < ncpus; c++)
        o += fmt("%s\n    {\"cpu\": %u, \"lwk_cpu\": %u, \"interrupts\": %" PRIu64 ", \"syscalls\": %" PRIu64 "}",
                 c ? "," : "", c, info.cpu_first + c, s.cpu_irqs[c], s.cpu_syscalls[c]);
    o += "\n  ],\n  \"offloaded\": [";
    bool first = true;
    for (uint32_t i = 0; i < MCK_STATS_NR; i++) {
        const mck_call_stat& c = s.offload[i];
        if (!c.count)
            continue;
        o += fmt("%s\n    {\"nr\": %u, \"name\": %s, \"count\": %" PRIu64 ", \"total_us\": %.1f, \"max_us\": %.1f}",
                 first ? "" : ",", i, json_string(syscall_name(i)).c_str(), c.count, tsc_us(s, c.total_tsc),
                 tsc_us(s, c.max_tsc));
        first = false;
    }
    o += "\n  ],\n  \"local\": [";
    first = true;
    for (uint32_t i = 0; i < MCK_STATS_NR; i++) {
        if (!s.local[i])
            continue;
        o += fmt("%s\n    {\"nr\": %u, \"name\": %s, \"count\": %" PRIu64 "}", first ? "" : ",", i,
                 json_string(syscall_name(i)).c_str(), s.local[i]);
        first = false;
    }
    o += "\n  ]\n}\n";
    return o;
}

std::optional<ReportGroup> parse_report_group(const std::string& value)
{
    size_t colon = value.find(':');
    if (colon == std::string::npos || colon == 0 || colon > 4 || colon + 1 == value.size())
        return std::nullopt;
    uint32_t n = 0;
    for (size_t i = 0; i < colon; i++) {
        if (value[i] < '0' || value[i] > '9')
            return std::nullopt;
        n = n * 10 + uint32_t(value[i] - '0');
    }
    if (n < 1 || n > 4096)
        return std::nullopt;
    return ReportGroup{n, value.substr(colon + 1)};
}

} // namespace mcexec
