// SPDX-License-Identifier: GPL-2.0
// mcexec --report's formats (mcexec/src/report.h).
#include "report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <sys/wait.h>

namespace {

std::unique_ptr<mck_proc_stats> sample()
{
    auto s = std::make_unique<mck_proc_stats>();
    *s = {};
    s->version = MCK_STATS_VERSION;
    s->ncpus = 2;
    s->tsc_khz = 1000000; // 1 GHz: 1000 ticks per us
    s->start_tsc = 0;
    s->end_tsc = 5000000; // 5 ms
    s->threads = 3;
    s->page_faults = 0;
    s->ctx_switches = 7;
    s->peak_rss = 4 << 20;
    s->page_table_bytes = 5 * 4096;
    s->offload[102] = {1000, 20000000, 90000}; // getuid: 20 ms in all, max 90 us
    s->offload[MCK_STATS_OTHER] = {2, 2000, 1500};
    s->local[39] = 5;                          // getpid
    s->stage_calls = 1000;
    s->stage_tsc[MCK_STAGE_SEND] = 4000000;
    s->cpu_irqs[1] = 9;
    s->cpu_syscalls[0] = 1007;
    s->offload_latency[14] = 990; // 16-32 us
    s->offload_latency[16] = 10;  // 64-128 us
    s->offload_latency[17] = 2;   // 128-256 us
    return s;
}

TEST(Report, SyscallNames)
{
    EXPECT_EQ(mcexec::syscall_name(0), "read");
    EXPECT_EQ(mcexec::syscall_name(102), "getuid");
    EXPECT_EQ(mcexec::syscall_name(MCK_STATS_OTHER), "other");
    EXPECT_EQ(mcexec::syscall_name(500), "nr_500");
}

TEST(Report, JsonHasTheNumbers)
{
    auto s = sample();
    mcexec::ReportInfo info{"/bin/a \"quoted\"\n", 42, 0, 3 << 8, 2};
    std::string j = mcexec::report_json(*s, info);
    EXPECT_NE(j.find("\"program\": \"/bin/a \\\"quoted\\\"\\n\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"exit\": {\"status\": 3}"), std::string::npos);
    EXPECT_NE(j.find("{\"nr\": 102, \"name\": \"getuid\", \"count\": 1000, \"total_us\": 20000.0, \"max_us\": 90.0}"),
              std::string::npos)
        << j;
    EXPECT_NE(j.find("{\"nr\": 39, \"name\": \"getpid\", \"count\": 5}"), std::string::npos);
    EXPECT_NE(j.find("{\"cpu\": 1, \"lwk_cpu\": 3, \"interrupts\": 9, \"syscalls\": 0}"), std::string::npos);
    EXPECT_NE(j.find("\"threads\": 3"), std::string::npos);
    EXPECT_NE(j.find("\"page_table_bytes\": 20480"), std::string::npos);
    EXPECT_NE(j.find("\"elapsed_us\": 5000.0"), std::string::npos);
    EXPECT_NE(j.find("\"send\": 4000.0"), std::string::npos);
}

// A path that is not UTF-8 (any byte but / and NUL may be in a name) keeps the
// report JSON: the byte becomes U+FFFD.
TEST(Report, JsonOfAPathThatIsNotUtf8)
{
    auto s = sample();
    mcexec::ReportInfo info{"/tmp/caf\xe9/app", 42, 0, 0, 2};
    nlohmann::json j = nlohmann::json::parse(mcexec::report_json(*s, info));
    EXPECT_EQ(j["program"], "/tmp/caf\xef\xbf\xbd/app");
}

TEST(Report, JsonHasTheLatencyHistogram)
{
    auto s = sample();
    s->offload_latency[MCK_LATENCY_BUCKETS - 1] = 7;
    std::string j = mcexec::report_json(*s, {"a", 1, 0, 0, 0});
    std::string want = "\"offload_latency_log2_ns\": [";
    for (uint32_t i = 0; i < MCK_LATENCY_BUCKETS; i++)
        want += (i ? ", " : "") + std::to_string(i == 14 ? 990 : i == 16 ? 10 : i == 17 ? 2 : i == 39 ? 7 : 0);
    EXPECT_NE(j.find(want + "]"), std::string::npos) << j;
    EXPECT_NE(j.find("\"version\": 2,"), std::string::npos);
}

TEST(Report, TextHasOneLatencyLine)
{
    auto s = sample();
    std::string t = mcexec::report_text(*s, {"a", 1, 0, 0, 0});
    // 990 of 1002 below 2^15 ns, 1000 below 2^17 ns (99.8%), all below 2^18 ns.
    EXPECT_NE(t.find("  offload latency: half under 32 us, 99% under 131 us, all under 262 us\n"), std::string::npos)
        << t;
    s->offload_latency[MCK_LATENCY_BUCKETS - 1] = 1;
    t = mcexec::report_text(*s, {"a", 1, 0, 0, 0});
    EXPECT_NE(t.find("all 549 s or more\n"), std::string::npos) << t;
    *s = {};
    t = mcexec::report_text(*s, {"a", 1, 0, 0, 0});
    EXPECT_EQ(t.find("offload latency"), std::string::npos) << t; // no calls, no line
}

TEST(Report, JsonOfASignalledProgram)
{
    auto s = sample();
    std::string j = mcexec::report_json(*s, {"a", 1, 0, SIGKILL, 0});
    EXPECT_NE(j.find("\"exit\": {\"signal\": 9}"), std::string::npos);
}

TEST(Report, TextIsShort)
{
    auto s = sample();
    std::string t = mcexec::report_text(*s, {"a", 1, 0, 0, 0});
    EXPECT_NE(t.find("1002 offloaded"), std::string::npos) << t;
    EXPECT_NE(t.find("getuid"), std::string::npos);
    EXPECT_NE(t.find("5 local"), std::string::npos);
    EXPECT_LT(std::count(t.begin(), t.end(), '\n'), 20);
}

TEST(Report, CpuCountIsBounded)
{
    auto s = sample();
    s->ncpus = 100000; // the LWK's block is not trusted blindly
    std::string j = mcexec::report_json(*s, {"a", 1, 0, 0, 0});
    EXPECT_EQ(j.find("\"cpu\": 64,"), std::string::npos);
    EXPECT_NE(j.find("\"cpu\": 63,"), std::string::npos);
}

} // namespace
