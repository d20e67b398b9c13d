// SPDX-License-Identifier: GPL-2.0
// The LWK's view of the machine: the share, the generated files and which
// paths are redirected (mcexec/src/lwk_view.h).
#include "lwk_view.h"

#include <gtest/gtest.h>

#include <map>

using namespace mcexec::view;

namespace {

// Four LWK CPUs, Linux's 2, 3, 6, 7 on two nodes, 2 threads per core (APIC id bit 0).
std::vector<InstanceCpu> four_cpus()
{
    return {{6, 6, 1}, {2, 2, 0}, {3, 3, 0}, {7, 7, 1}}; // not sorted: make_share sorts
}

const ApicLayout SMT2_4CORES{1, 3}; // 2 threads, 4 cores per package

std::map<std::string, Entry> by_path(const std::vector<Entry>& entries)
{
    std::map<std::string, Entry> m;
    for (const Entry& e : entries)
        m.emplace(e.path, e);
    return m;
}

const char* LINUX_CPUINFO = "processor\t: 0\n"
                            "vendor_id\t: GenuineIntel\n"
                            "model name\t: Test CPU @ 2.00GHz\n"
                            "physical id\t: 0\n"
                            "siblings\t: 8\n"
                            "core id\t\t: 0\n"
                            "cpu cores\t: 4\n"
                            "apicid\t\t: 0\n"
                            "initial apicid\t: 0\n"
                            "flags\t\t: fpu vme\n"
                            "\n"
                            "processor\t: 1\n"
                            "vendor_id\t: GenuineIntel\n"
                            "\n";

LinuxTexts linux_texts()
{
    LinuxTexts t;
    t.cpuinfo = LINUX_CPUINFO;
    t.meminfo = "MemTotal:        8000000 kB\nMemFree:         4000000 kB\nMemAvailable:    5000000 kB\n"
                "Cached:           100000 kB\nHugePages_Total:       4\nHugepagesize:       2048 kB\n";
    t.stat = "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 12345\nctxt 99\nbtime 1700000000\n";
    t.node_online = "0-1\n";
    t.distance = {"10 21\n", "21 10\n"};
    return t;
}

} // namespace

TEST(LwkViewShare, TakesItsSliceOfTheInstanceInLinuxOrder)
{
    Share all = make_share(four_cpus(), {{512 << 20, 0}, {256 << 20, 1}}, 0, 0, 0);
    ASSERT_EQ(all.cpus.size(), 4u);
    EXPECT_EQ(all.cpus[0].linux_cpu, 2u);
    EXPECT_EQ(all.cpus[3].linux_cpu, 7u);
    EXPECT_EQ(all.mem_total(), 768ull << 20);
    EXPECT_EQ(all.nodes(), (std::vector<int>{0, 1}));

    // Rank 1 of 2: CPUs 6 and 7, half the memory, each node halved.
    Share half = make_share(four_cpus(), {{512 << 20, 0}, {256 << 20, 1}}, 2, 2, 384 << 20);
    ASSERT_EQ(half.cpus.size(), 2u);
    EXPECT_EQ(half.cpus[0].linux_cpu, 6u);
    EXPECT_EQ(half.cpus[0].node, 1);
    ASSERT_EQ(half.mem.size(), 2u);
    EXPECT_EQ(half.mem[0].bytes, 256ull << 20);
    EXPECT_EQ(half.mem[1].bytes, 128ull << 20);

    // Extents of one node add up; a limit above the instance changes nothing.
    Share summed = make_share(four_cpus(), {{64 << 20, 0}, {64 << 20, 0}}, 0, 1, 1ull << 40);
    ASSERT_EQ(summed.mem.size(), 1u);
    EXPECT_EQ(summed.mem[0].bytes, 128ull << 20);
    EXPECT_EQ(summed.nodes(), (std::vector<int>{0}));
}

TEST(LwkViewShare, ApicIdsGiveCoresAndPackages)
{
    EXPECT_EQ(place(5, SMT2_4CORES).core, 2u);
    EXPECT_EQ(place(5, SMT2_4CORES).package, 0u);
    EXPECT_EQ(place(9, SMT2_4CORES).package, 1u);
    EXPECT_EQ(place(9, SMT2_4CORES).core, 0u);
    EXPECT_EQ(place(3, ApicLayout{0, 2}).core, 3u); // no SMT
    EXPECT_EQ(place(0xffffffff, ApicLayout{0, 40}).package, 0u); // no overflow on silly widths
}

TEST(LwkViewFormat, ListsAndMasksAsLinuxPrintsThem)
{
    EXPECT_EQ(list_string({}), "");
    EXPECT_EQ(list_string({0}), "0");
    EXPECT_EQ(list_string({0, 1, 2, 5, 7, 8}), "0-2,5,7-8");
    EXPECT_EQ(mask_string({0, 1}, 2), "3");
    EXPECT_EQ(mask_string({0, 1, 2, 3}, 4), "f");
    EXPECT_EQ(mask_string({0}, 64), "00000000,00000001");
    EXPECT_EQ(mask_string({32, 39}, 40), "81,00000000");
    EXPECT_EQ(mask_string({4}, 6), "10");
    EXPECT_EQ(mask_string({70}, 6), "00"); // beyond the width: not shown
}

TEST(LwkViewFiles, CpuinfoHasOneRenumberedEntryPerCpu)
{
    Share s = make_share(four_cpus(), {{1 << 30, 0}}, 0, 0, 0);
    std::string info = cpuinfo(LINUX_CPUINFO, s, SMT2_4CORES);
    EXPECT_EQ(info.find("processor\t: 1\nvendor_id"), info.find("processor\t: 1\n"));
    size_t entries = 0;
    for (size_t at = 0; (at = info.find("processor\t:", at)) != std::string::npos; at++)
        entries++;
    EXPECT_EQ(entries, 4u);
    // LWK CPU 2 is Linux's 6: APIC id 6, core 3, package 0; 4 siblings, 2 cores in the share.
    size_t third = info.find("processor\t: 2\n");
    ASSERT_NE(third, std::string::npos);
    std::string entry = info.substr(third, info.find("\n\n", third) - third);
    EXPECT_NE(entry.find("core id\t\t: 3\n"), std::string::npos) << entry;
    EXPECT_NE(entry.find("apicid\t\t: 6\n"), std::string::npos) << entry;
    EXPECT_NE(entry.find("initial apicid\t: 6\n"), std::string::npos) << entry;
    EXPECT_NE(entry.find("siblings\t: 4\n"), std::string::npos) << entry;
    EXPECT_NE(entry.find("cpu cores\t: 2\n"), std::string::npos) << entry;
    EXPECT_NE(entry.find("model name\t: Test CPU @ 2.00GHz\n"), std::string::npos) << entry;
    EXPECT_EQ(info.find("processor\t: 4"), std::string::npos);
}

// sysinfo agrees with /proc/meminfo (glibc's _SC_PHYS_PAGES reads it); the
// rest is Linux's.
TEST(LwkViewFiles, SysinfoIsTheSharesMemory)
{
    struct sysinfo linux_info {};
    linux_info.uptime = 1234;
    linux_info.loads[0] = 65536;
    linux_info.totalram = linux_info.freeram = 4000000;
    linux_info.totalswap = linux_info.freeswap = 1000;
    linux_info.sharedram = linux_info.bufferram = 77;
    linux_info.procs = 99;
    linux_info.mem_unit = 4096;
    struct sysinfo s = lwk_sysinfo(linux_info, 512ull << 20);
    EXPECT_EQ(s.totalram, 512ull << 20);
    EXPECT_EQ(s.freeram, 512ull << 20);
    EXPECT_EQ(s.mem_unit, 1u);
    EXPECT_EQ(s.totalswap + s.freeswap + s.sharedram + s.bufferram + s.totalhigh + s.freehigh, 0u);
    EXPECT_EQ(s.uptime, 1234);
    EXPECT_EQ(s.loads[0], 65536u);
    EXPECT_EQ(s.procs, 99);
}

TEST(LwkViewFiles, MeminfoStatAndStatusDescribeTheShare)
{
    LinuxTexts t = linux_texts();
    std::string m = meminfo(t.meminfo, 512ull << 20, 100ull << 20);
    EXPECT_NE(m.find("MemTotal:         524288 kB\n"), std::string::npos) << m;
    EXPECT_NE(m.find("MemFree:          102400 kB\n"), std::string::npos) << m;
    EXPECT_NE(m.find("MemAvailable:     102400 kB\n"), std::string::npos) << m;
    // Never more free than there is.
    EXPECT_NE(meminfo(t.meminfo, 512ull << 20, 600ull << 20).find("MemFree:          524288 kB\n"), std::string::npos);
    EXPECT_NE(m.find("Cached:                0 kB\n"), std::string::npos) << m;
    EXPECT_NE(m.find("HugePages_Total:       0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("Hugepagesize:       2048 kB\n"), std::string::npos) << m;

    std::string st = stat(t.stat, 2);
    EXPECT_EQ(st.substr(0, st.find("intr")),
              "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n");
    EXPECT_NE(st.find("btime 1700000000\n"), std::string::npos);

    Share s = make_share(four_cpus(), {{1 << 30, 1}}, 0, 3, 0);
    std::string status_in = "Name:\tmcexec\nPid:\t42\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n"
                            "Mems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n";
    std::string out = status(status_in, s, "a.out");
    EXPECT_EQ(out, "Name:\ta.out\nPid:\t42\nCpus_allowed:\t7\nCpus_allowed_list:\t0-2\n"
                   "Mems_allowed:\t00000000,00000002\nMems_allowed_list:\t1\n");
}

TEST(LwkViewFiles, SysfsTreeOfTheShare)
{
    // The second half: Linux CPUs 6 and 7 (one core, two threads) on node 1, memory on both nodes.
    Share s = make_share(four_cpus(), {{512 << 20, 0}, {256 << 20, 1}}, 2, 2, 0);
    auto e = by_path(machine_entries(s, SMT2_4CORES, linux_texts()));
    auto content = [&](const std::string& p) {
        auto it = e.find(p);
        return it == e.end() ? std::string("<missing>") : it->second.content;
    };
    EXPECT_EQ(content("sys/devices/system/cpu/online"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/cpu/possible"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/cpu/present"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/cpu/cpu1/online"), "1\n");
    EXPECT_EQ(e.count("sys/devices/system/cpu/cpu2"), 0u);
    EXPECT_EQ(content("sys/devices/system/cpu/cpu1/topology/core_id"), "3\n");
    EXPECT_EQ(content("sys/devices/system/cpu/cpu1/topology/thread_siblings_list"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/cpu/cpu1/topology/core_cpus"), "3\n");
    EXPECT_EQ(content("sys/devices/system/cpu/cpu0/topology/package_cpus_list"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/cpu/cpu0/node1"), "../../node/node1");
    EXPECT_EQ(e.at("sys/devices/system/cpu/cpu0/node1").kind, Entry::Link);

    EXPECT_EQ(content("sys/devices/system/node/online"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/node/has_cpu"), "1\n");
    EXPECT_EQ(content("sys/devices/system/node/has_memory"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/node/node0/cpulist"), "\n");
    EXPECT_EQ(content("sys/devices/system/node/node0/cpumap"), "0\n");
    EXPECT_EQ(content("sys/devices/system/node/node1/cpulist"), "0-1\n");
    EXPECT_EQ(content("sys/devices/system/node/node1/distance"), "21 10\n");
    EXPECT_NE(content("sys/devices/system/node/node0/meminfo").find("Node 0 MemTotal:         524288 kB\n"),
              std::string::npos)
        << content("sys/devices/system/node/node0/meminfo");
    EXPECT_EQ(content("sys/devices/system/node/node1/cpu0"), "../../cpu/cpu0");
    EXPECT_EQ(content("sys/bus/cpu/devices/cpu1"), "../../../devices/system/cpu/cpu1");
    EXPECT_EQ(content("sys/bus/node/devices/node1"), "../../../devices/system/node/node1");
    EXPECT_NE(content("proc/meminfo").find("MemTotal:         786432 kB"), std::string::npos);

    // Every entry's parent directory comes before it.
    std::vector<Entry> list = machine_entries(s, SMT2_4CORES, linux_texts());
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < list.size(); i++) {
        std::string parent = list[i].path.substr(0, list[i].path.rfind('/'));
        if (list[i].path.find('/') != std::string::npos) {
            ASSERT_TRUE(seen.count(parent)) << list[i].path;
            EXPECT_EQ(list[seen[parent]].kind, Entry::Dir) << list[i].path;
        }
        seen[list[i].path] = i;
    }
}

TEST(LwkViewFiles, DistancesWithoutLinuxsRowsAreTheDefaults)
{
    Share s = make_share(four_cpus(), {{512 << 20, 0}}, 0, 0, 0);
    LinuxTexts t = linux_texts();
    t.node_online.clear();
    t.distance.clear();
    auto e = by_path(machine_entries(s, SMT2_4CORES, t));
    EXPECT_EQ(e.at("sys/devices/system/node/node0/distance").content, "10 20\n");
}

TEST(LwkViewFiles, TheProgramsOwnFiles)
{
    auto e = by_path(program_entries({"./a.out", "x y"}, {"A=1", "B="}, comm_of("/usr/bin/a-very-long-program-name")));
    EXPECT_EQ(e.at("proc/self/cmdline").content, std::string("./a.out\0x y\0", 12));
    EXPECT_EQ(e.at("proc/self/environ").content, std::string("A=1\0B=\0", 7));
    EXPECT_EQ(e.at("proc/self/comm").content, "a-very-long-pro\n");
    EXPECT_EQ(e.at("proc/self").kind, Entry::Dir);
}

// /proc/self/limits: the four limits the LWK keeps are the program's, in
// Linux's columns; the others are Linux's lines as they are.
TEST(LwkViewFiles, LimitsAreTheProgramsWhereTheLwkKeepsThem)
{
    const std::string linux_limits =
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max cpu time              unlimited            unlimited            seconds   \n"
        "Max file size             unlimited            unlimited            bytes     \n"
        "Max data size             unlimited            unlimited            bytes     \n"
        "Max stack size            8388608              unlimited            bytes     \n"
        "Max open files            1024                 524288               files     \n"
        "Max address space         unlimited            unlimited            bytes     \n";
    mck_rlimit program[MCK_RLIMITS] = {{200ull << 20, ~0ull}, {~0ull, ~0ull}, {~0ull, ~0ull}, {5, 10}};
    EXPECT_EQ(limits(linux_limits, program),
              "Limit                     Soft Limit           Hard Limit           Units     \n"
              "Max cpu time              5                    10                   seconds   \n"
              "Max file size             unlimited            unlimited            bytes     \n"
              "Max data size             unlimited            unlimited            bytes     \n"
              "Max stack size            unlimited            unlimited            bytes     \n"
              "Max open files            1024                 524288               files     \n"
              "Max address space         209715200            unlimited            bytes     \n");
}

TEST(LwkViewPaths, NormalizesLexically)
{
    EXPECT_EQ(normalize("/"), "/");
    EXPECT_EQ(normalize("//sys///devices/./system/cpu/"), "/sys/devices/system/cpu");
    EXPECT_EQ(normalize("/sys/devices/system/cpu/cpu0/../online"), "/sys/devices/system/cpu/online");
    EXPECT_EQ(normalize("/../../proc/./cpuinfo"), "/proc/cpuinfo");
    EXPECT_EQ(normalize("/a/b/../../.."), "/");
    EXPECT_EQ(normalize("/a/..b/.c"), "/a/..b/.c");
}

TEST(LwkViewPaths, TheMachinesFilesGoToTheTree)
{
    auto tree = [](const char* p) {
        Target t = map_path(p, 100);
        return t.kind == Redirect::Tree ? t.rel : std::string("<") + p + ">";
    };
    EXPECT_EQ(tree("/proc/cpuinfo"), "proc/cpuinfo");
    EXPECT_EQ(tree("/proc/stat"), "proc/stat");
    // /proc/meminfo: its placeholder in the tree, its free memory the LWK's when opened.
    EXPECT_EQ(map_path("/proc/meminfo", 100).kind, Redirect::Meminfo);
    EXPECT_EQ(map_path("/proc/meminfo", 100).rel, "proc/meminfo");
    EXPECT_EQ(tree("/sys/devices/system/cpu"), "sys/devices/system/cpu");
    EXPECT_EQ(tree("/sys/devices/system/cpu/online"), "sys/devices/system/cpu/online");
    EXPECT_EQ(tree("/sys/devices/system/cpu/cpu7/topology/core_id"), "sys/devices/system/cpu/cpu7/topology/core_id");
    EXPECT_EQ(tree("/sys/devices/system/node/node0/meminfo"), "sys/devices/system/node/node0/meminfo");
    EXPECT_EQ(tree("/sys/bus/cpu/devices/cpu0"), "sys/bus/cpu/devices/cpu0");
    EXPECT_EQ(tree("/sys/bus/node/devices"), "sys/bus/node/devices");
    // Not the machine's: Linux's.
    for (const char* p : {"/", "/proc", "/proc/cpuinfo2", "/proc/stat/x", "/sys", "/sys/devices/system",
                          "/sys/devices/system/cpufreq", "/sys/devices/system/cpu0", "/sys/bus/cpu",
                          "/sys/bus/cpu/drivers", "/etc/passwd", "/proc/vmstat", "/proc/1/cmdline"})
        EXPECT_EQ(map_path(p, 100).kind, Redirect::None) << p;
}

TEST(LwkViewPaths, TheProcessesOwnProcFiles)
{
    for (const char* p : {"/proc/self/status", "/proc/100/status", "/proc/thread-self/status",
                          "/proc/self/task/100/status", "/proc/100/task/4194304/status"}) {
        Target t = map_path(p, 100);
        EXPECT_EQ(t.kind, Redirect::Status) << p;
        EXPECT_EQ(t.rel, "proc/self/status") << p;
    }
    EXPECT_EQ(map_path("/proc/self/cmdline", 100).rel, "proc/self/cmdline");
    EXPECT_EQ(map_path("/proc/100/environ", 100).rel, "proc/self/environ");
    EXPECT_EQ(map_path("/proc/thread-self/comm", 100).rel, "proc/self/comm");
    EXPECT_EQ(map_path("/proc/self/exe", 100).kind, Redirect::Exe);
    EXPECT_EQ(map_path("/proc/100/exe", 100).kind, Redirect::Exe);
    EXPECT_EQ(map_path("/proc/self/limits", 100).kind, Redirect::Limits);
    EXPECT_EQ(map_path("/proc/thread-self/limits", 100).kind, Redirect::Limits);
    EXPECT_EQ(map_path("/proc/101/limits", 100).kind, Redirect::None); // another process's mcexec: Linux's
    // Another process's, other files, and malformed task paths stay Linux's.
    // The listing of its threads; not another process's (Linux's, its mcexec's threads).
    EXPECT_EQ(map_path("/proc/self/task", 100).kind, Redirect::TaskDir);
    EXPECT_EQ(map_path("/proc/100/task", 100).kind, Redirect::TaskDir);
    for (const char* p : {"/proc/101/cmdline", "/proc/101/fd/3", "/proc/self/fd/3", "/proc/101/task",
                          "/proc/thread-self/task", "/proc/self/task/100", "/proc/self/task/abc/status", "/proc/self/task/100/fd/1",
                          "/proc/thread-self/task/1/status", "/proc/self/status/x", "/proc/self", "/proc/0/status",
                          "/proc/99999999/stat", "/proc/4194305/stat", "/proc/10/task/x/stat"})
        EXPECT_EQ(map_path(p, 100).kind, Redirect::None) << p;
}

TEST(LwkViewPaths, MapsStatStatmOfTheLwkProcess)
{
    Target t = map_path("/proc/self/maps", 100);
    EXPECT_EQ(t.kind, Redirect::Maps);
    EXPECT_EQ(t.rel, "proc/self/maps");
    EXPECT_EQ(t.pid, 0u);
    EXPECT_EQ(map_path("/proc/100/statm", 100).kind, Redirect::Statm);
    t = map_path("/proc/thread-self/stat", 100);
    EXPECT_EQ(t.kind, Redirect::Stat);
    EXPECT_TRUE(t.thread_self);
    t = map_path("/proc/self/task/4194304/stat", 100);
    EXPECT_EQ(t.kind, Redirect::Stat);
    EXPECT_EQ(t.tid, 4194304u);
    EXPECT_FALSE(t.thread_self);
    // Another process's: McKernel decides whether it is one of its own.
    t = map_path("/proc/10/stat", 100);
    EXPECT_EQ(t.kind, Redirect::Stat);
    EXPECT_EQ(t.pid, 10u);
    t = map_path("/proc/10/task/11/status", 100);
    EXPECT_EQ(t.kind, Redirect::Status);
    EXPECT_EQ(t.pid, 10u);
    EXPECT_EQ(t.tid, 11u);
}
