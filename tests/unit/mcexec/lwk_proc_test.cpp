// SPDX-License-Identifier: GPL-2.0
// The program's /proc/self/{maps,stat,statm,status} from an LWK snapshot
// (mcexec/src/lwk_proc.h).
#include "lwk_proc.h"

#include <gtest/gtest.h>

#include <sys/sysmacros.h>

#include <cstring>
#include <sstream>

using namespace mcexec::view;

namespace {

// A process 100 with threads 100 (sleeping) and 4194305 (running), 1 GHz TSC.
Snapshot sample()
{
    Snapshot s;
    s.head.version = MCK_SNAPSHOT_VERSION;
    s.head.pid = 100;
    s.head.tsc_khz = 1000000;
    s.head.brk_start = 0x601000;
    s.head.mem_used = 40 << 12;
    s.head.mem_peak = 50 << 12;
    s.head.minflt = 7;
    s.head.ended_run_tsc = 1000000000; // 1 s: 100 ticks
    s.threads.push_back({100, 'S', 1, 0, 3000000000, 2000000000, 5, 9, 2});
    s.threads.push_back({4194305, 'R', 3, 0, 500000000, 500000000, 2, 1, 1});
    s.vmas.push_back({0x400000, 0x401000, MCK_PROT_READ | MCK_PROT_EXEC, MCK_SNAP_VMA_FILE, 0});
    s.vmas.push_back({0x601000, 0x622000, MCK_PROT_READ | MCK_PROT_WRITE, MCK_SNAP_VMA_HEAP, 0});
    s.vmas.push_back({0x7f0000000000, 0x7f0000002000, MCK_PROT_READ | MCK_PROT_WRITE, MCK_SNAP_VMA_SHARED, 0});
    s.vmas.push_back({MCK_VVAR_BASE, MCK_VVAR_BASE + 0x1000, MCK_PROT_READ, 0, 0});
    s.vmas.push_back({MCK_VDSO_BASE, MCK_VDSO_BASE + 0x2000, MCK_PROT_READ | MCK_PROT_EXEC, 0, 0});
    s.vmas.push_back({0x3fffe0000000, 0x3ffff0000000, MCK_PROT_READ | MCK_PROT_WRITE, MCK_SNAP_VMA_STACK, 0});
    s.head.nthreads = s.head.threads_total = uint32_t(s.threads.size());
    s.head.nvmas = s.head.vmas_total = uint32_t(s.vmas.size());
    return s;
}

std::vector<uint8_t> bytes_of(const Snapshot& s)
{
    std::vector<uint8_t> b(sizeof(s.head) + s.threads.size() * sizeof(mck_snap_thread) +
                           s.vmas.size() * sizeof(mck_snap_vma));
    memcpy(b.data(), &s.head, sizeof(s.head));
    memcpy(b.data() + sizeof(s.head), s.threads.data(), s.threads.size() * sizeof(mck_snap_thread));
    memcpy(b.data() + sizeof(s.head) + s.threads.size() * sizeof(mck_snap_thread), s.vmas.data(),
           s.vmas.size() * sizeof(mck_snap_vma));
    return b;
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

std::vector<std::string> words(const std::string& line)
{
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

// mcexec's own stat on Linux 6.1: 52 fields, a comm with a space and a parenthesis.
const char* LINUX_STAT =
    "100 (mc exec)) S 99 100 99 34816 100 4194304 300 0 0 0 12 34 0 0 20 0 9 0 5000 999999 2222 "
    "18446744073709551615 94000 95000 140000 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 96000 97000 98000 "
    "141000 141100 141100 141200 0\n";

} // namespace

TEST(LwkProc, ParsesWhatTheLwkWrites)
{
    Snapshot s = sample();
    std::vector<uint8_t> b = bytes_of(s);
    Snapshot out;
    ASSERT_TRUE(parse_snapshot(b.data(), b.size(), &out));
    EXPECT_EQ(out.head.pid, 100u);
    ASSERT_EQ(out.threads.size(), 2u);
    EXPECT_EQ(out.threads[1].tid, 4194305u);
    ASSERT_EQ(out.vmas.size(), 6u);
    EXPECT_EQ(out.vmas[5].flags, uint32_t(MCK_SNAP_VMA_STACK));
}

TEST(LwkProc, RefusesCountsPastTheBytes)
{
    Snapshot s = sample();
    std::vector<uint8_t> b = bytes_of(s);
    Snapshot out;
    EXPECT_FALSE(parse_snapshot(b.data(), b.size() - 1, &out));
    EXPECT_FALSE(parse_snapshot(b.data(), sizeof(mck_proc_snapshot) - 1, &out));
    s.head.nvmas = 0xffffffff; // the program may scribble on its copy
    b = bytes_of(sample());
    memcpy(b.data(), &s.head, sizeof(s.head));
    EXPECT_FALSE(parse_snapshot(b.data(), b.size(), &out));
    s = sample();
    s.head.version = 99;
    memcpy(b.data(), &s.head, sizeof(s.head));
    EXPECT_FALSE(parse_snapshot(b.data(), b.size(), &out));
}

TEST(LwkProc, MapsInLinuxFormat)
{
    std::vector<MappedFile> files{{0x400000, 0x401000, 0x1000, makedev(8, 1), 1234, "/usr/bin/prog"}};
    std::vector<std::string> l = lines(maps(sample(), files));
    ASSERT_EQ(l.size(), 6u);
    // Names start at column 73, as fs/proc/task_mmu.c pads them.
    auto named = [](std::string prefix, const char* name) { return prefix + std::string(73 - prefix.size(), ' ') + name; };
    EXPECT_EQ(l[0], named("00400000-00401000 r-xp 00001000 08:01 1234 ", "/usr/bin/prog"));
    EXPECT_EQ(l[0].find('/'), 73u);
    EXPECT_EQ(l[1], named("00601000-00622000 rw-p 00000000 00:00 0 ", "[heap]"));
    EXPECT_EQ(l[2], "7f0000000000-7f0000002000 rw-s 00000000 00:00 0 "); // no name: the trailing blank stays
    EXPECT_EQ(l[3], named("3f0000000000-3f0000001000 r--p 00000000 00:00 0 ", "[vvar]"));
    EXPECT_EQ(l[4], named("3f0000001000-3f0000003000 r-xp 00000000 00:00 0 ", "[vdso]"));
    EXPECT_EQ(l[5], named("3fffe0000000-3ffff0000000 rw-p 00000000 00:00 0 ", "[stack]"));
}

TEST(LwkProc, MapsNamesFilesTheProgramMapped)
{
    Snapshot s = sample();
    s.vmas = {
        {0x7e0000000000, 0x7e0000003000, MCK_PROT_READ | MCK_PROT_EXEC, MCK_SNAP_VMA_FILE, 0},
        {0x7e0000003000, 0x7e0000004000, MCK_PROT_READ | MCK_PROT_WRITE, 0, 0}, // anonymous now
        {0x7f0000000000, 0x7f0000002000, MCK_PROT_READ, MCK_SNAP_VMA_FILE | MCK_SNAP_VMA_SHARED, 0x555500001000},
        {0x7f1000000000, 0x7f1000001000, MCK_PROT_READ, MCK_SNAP_VMA_FILE, 0}, // moved: not noted
    };
    s.head.nvmas = uint32_t(s.vmas.size());
    std::vector<MappedFile> files{
        {0x7e0000000000, 0x7e0000004000, 0x2000, makedev(8, 1), 7, "/lib/libc.so.6", MappedFile::Private},
        {0x555500000000, 0x555500004000, 0x10000, makedev(0, 5), 9, "/dev/shm/x (deleted)", MappedFile::Shared},
    };
    std::vector<std::string> l = lines(maps(s, files));
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(l[0].substr(0, 48), "7e0000000000-7e0000003000 r-xp 00002000 08:01 7 ");
    EXPECT_EQ(l[0].substr(73), "/lib/libc.so.6");
    EXPECT_EQ(l[1], "7e0000003000-7e0000004000 rw-p 00000000 00:00 0 "); // not a file mapping: no name
    EXPECT_EQ(l[2].substr(0, 48), "7f0000000000-7f0000002000 r--s 00011000 00:05 9 ");
    EXPECT_EQ(l[2].substr(73), "/dev/shm/x (deleted)");
    EXPECT_EQ(l[3], "7f1000000000-7f1000001000 r--p 00000000 00:00 0 ");
}

TEST(LwkProc, StatOfTheProcess)
{
    std::string out = stat(sample(), LINUX_STAT, 0, "prog");
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back(), '\n');
    ASSERT_EQ(out.compare(0, 11, "100 (prog) "), 0) << out;
    std::vector<std::string> f = words(out.substr(out.rfind(')') + 2));
    ASSERT_EQ(f.size(), 50u); // fields 3..52
    auto field = [&](int k) { return f[size_t(k - 3)]; };
    EXPECT_EQ(field(3), "S");     // the main thread's
    EXPECT_EQ(field(4), "99");    // ppid, pgrp, session: Linux's (mcexec's)
    EXPECT_EQ(field(5), "100");
    EXPECT_EQ(field(10), "7");    // minflt
    EXPECT_EQ(field(14), "350");  // utime: 2 + 0.5 s of the threads, 1 s of ended ones
    EXPECT_EQ(field(15), "100");  // stime: 3.5 s run - 2.5 s user
    EXPECT_EQ(field(20), "2");    // num_threads
    EXPECT_EQ(field(22), "5000"); // starttime: Linux's
    uint64_t vsize = 0x1000 + 0x21000 + 0x2000 + 0x1000 + 0x2000 + 0x10000000;
    EXPECT_EQ(field(23), std::to_string(vsize));
    EXPECT_EQ(field(24), "40");   // rss pages
    EXPECT_EQ(field(26), std::to_string(0x400000));
    EXPECT_EQ(field(28), std::to_string(0x3ffff0000000));
    EXPECT_EQ(field(39), "1");    // processor
    EXPECT_EQ(field(47), std::to_string(0x601000)); // start_brk
    EXPECT_EQ(field(52), "0");
}

TEST(LwkProc, StatOfOneThread)
{
    std::string out = stat(sample(), LINUX_STAT, 4194305, "prog");
    ASSERT_EQ(out.compare(0, 15, "4194305 (prog) "), 0) << out;
    std::vector<std::string> f = words(out.substr(out.rfind(')') + 2));
    ASSERT_EQ(f.size(), 50u);
    EXPECT_EQ(f[0], "R");
    EXPECT_EQ(f[14 - 3], "50");
    EXPECT_EQ(f[15 - 3], "0");
    EXPECT_EQ(f[20 - 3], "2");
    EXPECT_EQ(f[39 - 3], "3");
    EXPECT_TRUE(stat(sample(), LINUX_STAT, 12345, "prog").empty()); // no such thread
    EXPECT_TRUE(stat(sample(), "garbage", 0, "prog").empty());
}

TEST(LwkProc, MainThreadGoneIsZombie)
{
    Snapshot s = sample();
    s.threads.erase(s.threads.begin());
    std::string out = stat(s, LINUX_STAT, 0, "prog");
    EXPECT_EQ(words(out.substr(out.rfind(')') + 2))[0], "Z");
}

TEST(LwkProc, Statm)
{
    // size resident shared text lib data dt
    uint64_t size = (0x1000 + 0x21000 + 0x2000 + 0x1000 + 0x2000 + 0x10000000) / 4096;
    uint64_t data = (0x21000 + 0x10000000) / 4096; // heap (private, writable) and the stack
    EXPECT_EQ(statm(sample()), std::to_string(size) + " 40 2 1 0 " + std::to_string(data) + " 0\n");
}

TEST(LwkProc, Status)
{
    std::string linux_status = "Name:\tprog\nState:\tR (running)\nTgid:\t100\nPid:\t100\nPPid:\t99\n"
                               "VmPeak:\t  999999 kB\nVmSize:\t  999999 kB\nVmHWM:\t    1 kB\nVmRSS:\t    1 kB\n"
                               "VmData:\t 1 kB\nVmStk:\t 1 kB\nVmExe:\t 1 kB\nVmSwap:\t 1 kB\nThreads:\t9\n"
                               "SigQ:\t0/100\nvoluntary_ctxt_switches:\t77\nnonvoluntary_ctxt_switches:\t88\n";
    std::vector<std::string> l = lines(status(sample(), linux_status, 0));
    ASSERT_EQ(l.size(), 17u);
    EXPECT_EQ(l[0], "Name:\tprog");
    EXPECT_EQ(l[1], "State:\tS (sleeping)");
    EXPECT_EQ(l[3], "Pid:\t100");
    EXPECT_EQ(l[4], "PPid:\t99");
    EXPECT_EQ(l[6], "VmSize:\t  262300 kB");
    EXPECT_EQ(l[7], "VmHWM:\t     200 kB");
    EXPECT_EQ(l[8], "VmRSS:\t     160 kB");
    EXPECT_EQ(l[10], "VmStk:\t  262144 kB");
    EXPECT_EQ(l[12], "VmSwap:\t       0 kB");
    EXPECT_EQ(l[13], "Threads:\t2");
    EXPECT_EQ(l[14], "SigQ:\t0/100");
    EXPECT_EQ(l[15], "voluntary_ctxt_switches:\t10");
    EXPECT_EQ(l[16], "nonvoluntary_ctxt_switches:\t3");
    std::vector<std::string> t = lines(status(sample(), linux_status, 4194305));
    EXPECT_EQ(t[1], "State:\tR (running)");
    EXPECT_EQ(t[2], "Tgid:\t100");
    EXPECT_EQ(t[3], "Pid:\t4194305");
    EXPECT_EQ(t[15], "voluntary_ctxt_switches:\t1");
}

// Cpus_allowed is the thread's affinity (the process's file: its main
// thread's), as wide as the share's mask that came in; without a mask (an
// older LWK), the share's stays.
TEST(LwkProc, CpusAllowedIsTheThreadsAffinity)
{
    std::string text = "Cpus_allowed:\t0f\nCpus_allowed_list:\t0-3\n";
    Snapshot s = sample();
    std::vector<std::string> l = lines(status(s, text, 0));
    EXPECT_EQ(l[0], "Cpus_allowed:\t0f");
    EXPECT_EQ(l[1], "Cpus_allowed_list:\t0-3");
    s.threads[0].cpus[0] = 0x6;
    s.threads[1].cpus[0] = 0x1;
    l = lines(status(s, text, 0));
    EXPECT_EQ(l[0], "Cpus_allowed:\t06");
    EXPECT_EQ(l[1], "Cpus_allowed_list:\t1-2");
    l = lines(status(s, text, 4194305));
    EXPECT_EQ(l[0], "Cpus_allowed:\t01");
    EXPECT_EQ(l[1], "Cpus_allowed_list:\t0");
}
