// SPDX-License-Identifier: GPL-2.0
// mcexec --report's formats (mcexec/src/report.h).
#include "report.h"

#include <gtest/gtest.h>

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
    EXPECT_NE(j.find("\"program\": \"/bin/a \\\"quoted\\\"\\u000a\""), std::string::npos) << j;
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
