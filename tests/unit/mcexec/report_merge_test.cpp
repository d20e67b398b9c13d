// SPDX-License-Identifier: GPL-2.0
// Merging mcexec reports (mcexec/src/report_merge.h) and --report-group's value.
#include "report.h"
#include "report_group.h"
#include "report_merge.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>
#include <sys/wait.h>

namespace {

// A process report as mcexec writes it: @getuid offloaded getuid calls, @writes
// offloaded writes, @faults page faults, @irqs interrupts on its first CPU.
std::string report(uint64_t getuid, uint64_t writes, uint64_t faults, uint64_t irqs, int status = 0)
{
    auto s = std::make_unique<mck_proc_stats>();
    *s = {};
    s->version = MCK_STATS_VERSION;
    s->ncpus = 1;
    s->tsc_khz = 1000000;
    s->end_tsc = 1000000; // 1 ms
    s->threads = 2;
    s->page_faults = faults;
    s->peak_rss = faults << 12;
    if (getuid)
        s->offload[102] = {getuid, getuid * 1000, 5000};
    if (writes)
        s->offload[1] = {writes, writes * 2000, 9000};
    s->offload_latency[9] = getuid;  // 1 us: 512-1023 ns
    s->offload_latency[10] = writes; // 2 us: 1024-2047 ns
    s->local[39] = 1;
    s->cpu_irqs[0] = irqs;
    s->cpu_syscalls[0] = getuid + writes + 1;
    return mcexec::report_json(*s, mcexec::ReportInfo{"/bin/task", 100, 0, status << 8, 0});
}

TEST(ReportMerge, SumsTheTasks)
{
    auto m = mcexec::merge_reports({report(100, 0, 10, 1), report(0, 300, 20, 2, 3), report(600, 0, 0, 0)});
    EXPECT_TRUE(m.errors.empty());
    const auto& r = m.report;
    EXPECT_EQ(r["format"], "mckernel-group-report");
    EXPECT_EQ(r["tasks"], 3u);
    EXPECT_EQ(r["tasks_failed"], 1u);
    EXPECT_EQ(r["offloads"], 1000u);
    EXPECT_EQ(r["page_faults"], 30u);
    EXPECT_EQ(r["interrupts"], 3u);
    EXPECT_EQ(r["threads"], 6u);
    EXPECT_EQ(r["peak_rss_bytes"], 20u << 12);
    // Offloaded calls by name, the most frequent first, with sums and the largest maximum.
    ASSERT_EQ(r["offloaded"].size(), 2u);
    EXPECT_EQ(r["offloaded"][0]["name"], "getuid");
    EXPECT_EQ(r["offloaded"][0]["count"], 700u);
    EXPECT_DOUBLE_EQ(r["offloaded"][0]["total_us"].get<double>(), 700.0);
    EXPECT_DOUBLE_EQ(r["offloaded"][0]["max_us"].get<double>(), 5.0);
    EXPECT_EQ(r["offloaded"][1]["name"], "write");
    EXPECT_EQ(r["local"][0]["count"], 3u);
    EXPECT_EQ(r["programs"].size(), 3u);
}

TEST(ReportMerge, SumsTheLatencyHistograms)
{
    auto m = mcexec::merge_reports({report(100, 0, 0, 0), report(0, 300, 0, 0), report(600, 5, 0, 0)});
    ASSERT_TRUE(m.errors.empty());
    const auto& h = m.report["offload_latency_log2_ns"];
    ASSERT_EQ(h.size(), size_t(MCK_LATENCY_BUCKETS));
    EXPECT_EQ(h[9], 700u);
    EXPECT_EQ(h[10], 305u);
    EXPECT_EQ(h[0], 0u);
    EXPECT_EQ(m.report["offload_latency_tasks"], 3u);
}

// A report from before version 2 has no histogram: it still counts, and adds nothing to it.
std::string without_latency(std::string r)
{
    size_t at = r.find("  \"offload_latency_log2_ns\"");
    size_t end = r.find('\n', at);
    return r.erase(at, end - at + 1);
}

TEST(ReportMerge, ReportsWithoutAHistogramCount)
{
    std::string old = without_latency(report(50, 0, 0, 0));
    ASSERT_EQ(old.find("offload_latency"), std::string::npos);
    auto m = mcexec::merge_reports({old, report(100, 0, 0, 0)});
    EXPECT_TRUE(m.errors.empty());
    EXPECT_EQ(m.report["tasks"], 2u);
    EXPECT_EQ(m.report["offloads"], 150u);
    EXPECT_EQ(m.report["offload_latency_log2_ns"][9], 100u);
    EXPECT_EQ(m.report["offload_latency_tasks"], 1u);
    auto only_old = mcexec::merge_reports({old});
    EXPECT_EQ(only_old.report["tasks"], 1u);
    EXPECT_FALSE(only_old.report.contains("offload_latency_log2_ns"));
}

TEST(ReportMerge, HostileHistogramsAreLeftOut)
{
    std::string good = report(10, 0, 0, 0);
    std::string line = "\"offload_latency_log2_ns\": [";
    auto with = [&](const std::string& value) {
        std::string r = good;
        size_t at = r.find(line);
        return r.replace(at, r.find(']', at) + 1 - at, "\"offload_latency_log2_ns\": " + value);
    };
    std::string zeros39, zeros41;
    for (int i = 0; i < 39; i++)
        zeros39 += "0, ";
    zeros41 = zeros39 + "0, 0, ";
    std::vector<std::string> bad = {
        with("[" + zeros39.substr(0, zeros39.size() - 2) + "]"),  // 39 entries
        with("[" + zeros41.substr(0, zeros41.size() - 2) + "]"),  // 41
        with("[" + zeros39 + "-1]"),                              // negative
        with("[" + zeros39 + "1.5]"),                             // not a count
        with("[" + zeros39 + "\"7\"]"),                           // a string
        with("[" + zeros39 + "null]"),
        with("{\"9\": 10}"),
        with("\"many\""),
        with("[]"),
    };
    ASSERT_NE(bad[0], good);
    ASSERT_EQ(mcexec::merge_reports({with("[" + zeros39 + "10]")}).errors.size(), 0u); // the helper makes good ones
    std::vector<std::string> all = bad;
    all.push_back(good);
    auto m = mcexec::merge_reports(all);
    EXPECT_EQ(m.errors.size(), bad.size());
    EXPECT_EQ(m.report["tasks"], 1u);
    EXPECT_EQ(m.report["offloads"], 10u);
    EXPECT_EQ(m.report["offload_latency_log2_ns"][9], 10u);
    for (const auto& e : m.errors)
        EXPECT_NE(e.find("offload_latency_log2_ns"), std::string::npos) << e;
}

TEST(ReportMerge, SummaryLine)
{
    auto m = mcexec::merge_reports({report(100, 9900, 0, 0), report(0, 2345, 7, 3)});
    EXPECT_EQ(mcexec::summary_line(m.report),
              "mck: 2 tasks, 12,345 offloads (99% read/write), 7 page faults, 3 interrupts and exceptions on LWK CPUs");
    auto one = mcexec::merge_reports({report(0, 0, 0, 0, 1)});
    EXPECT_EQ(mcexec::summary_line(one.report),
              "mck: 1 task, 0 offloads, 0 page faults, 0 interrupts and exceptions on LWK CPUs, 1 failed");
    auto singular = mcexec::merge_reports({report(1, 0, 1, 1)});
    EXPECT_EQ(mcexec::summary_line(singular.report),
              "mck: 1 task, 1 offload (0% read/write), 1 page fault, 1 interrupt or exception on LWK CPUs");
}

// A task's report is the user's file: anything may be in it.
TEST(ReportMerge, HostileInputsAreLeftOut)
{
    std::string good = report(10, 0, 0, 0);
    std::string wrong_type = good;
    wrong_type.replace(wrong_type.find("\"threads\": 2"), 12, "\"threads\": \"x\"");
    auto m = mcexec::merge_reports({"", "{", "[1,2]", "{\"format\": \"mckernel-process-report\"}",
                                    "{\"format\": 7}", wrong_type, std::string(100000, '['), good});
    EXPECT_EQ(m.report["tasks"], 1u);
    EXPECT_EQ(m.report["offloads"], 10u);
    EXPECT_EQ(m.errors.size(), 7u);
    auto none = mcexec::merge_reports({});
    EXPECT_EQ(none.report["tasks"], 0u);
    EXPECT_EQ(mcexec::summary_line(none.report),
              "mck: 0 tasks, 0 offloads, 0 page faults, 0 interrupts and exceptions on LWK CPUs");
}

TEST(ReportGroup, Parse)
{
    auto g = mcexec::parse_report_group("4:/run/x/step-0");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->size, 4u);
    EXPECT_EQ(g->dir, "/run/x/step-0");
    EXPECT_EQ(mcexec::parse_report_group("4096:d")->size, 4096u);
    EXPECT_EQ(mcexec::parse_report_group("1:a:b")->dir, "a:b");
    for (const char* bad : {"", "4", "4:", ":d", "0:d", "4097:d", "-1:d", "x:d", "99999:d", " 4:d"})
        EXPECT_FALSE(mcexec::parse_report_group(bad)) << bad;
}

// A task's report enters the group whole: while it is written it has another
// name, which the group neither counts nor reads.
TEST(ReportGroup, ATaskReportAppearsWhole)
{
    char tmpl[] = "/tmp/mck-report-group-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    std::string dir = tmpl, text = report(10, 0, 0, 0);
    {
        std::ofstream half(dir + "/task-1.json.part"); // another task, still writing
        half << text.substr(0, text.size() / 2);
    }
    EXPECT_TRUE(mcexec::read_group_reports(dir).empty());
    ASSERT_TRUE(mcexec::write_task_report(dir + "/task-2.json", text));
    auto texts = mcexec::read_group_reports(dir);
    ASSERT_EQ(texts.size(), 1u);
    EXPECT_EQ(texts[0], text);
    EXPECT_FALSE(std::ifstream(dir + "/task-2.json.part").good()); // nothing left aside
    // Where it cannot be written: false, errno set, nothing left behind.
    errno = 0;
    EXPECT_FALSE(mcexec::write_task_report(dir + "/no-such-dir/task-3.json", text));
    EXPECT_EQ(errno, ENOENT);
    std::filesystem::remove_all(dir);
}

} // namespace
