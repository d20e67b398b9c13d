// SPDX-License-Identifier: GPL-2.0
// McKernel's kernel-argument parser, compiled for the host with a log double.
#include <kernel/kargs.h>

#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

namespace mck {
// Test double for the kernel log: collect the lines.
std::vector<std::string> g_logged;
void kprintf(const char* fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    g_logged.push_back(buf);
}
} // namespace mck

TEST(Kargs, KnownArguments)
{
    mck::kargs_parse("hidos  dump_level=8 allow_oversubscribe test_hang=2 test_fault=running");
    const auto& k = mck::kargs();
    EXPECT_TRUE(k.hidos);
    EXPECT_EQ(k.dump_level, 8u);
    EXPECT_TRUE(k.allow_oversubscribe);
    EXPECT_EQ(k.test_hang_cpu, 2);
    EXPECT_EQ(k.test_fault, mck::KernelArgs::Fault::Running);
    EXPECT_FALSE(k.test_fill_memory);
    mck::kargs_parse("test_fault=boot test_fill_memory test_check_memory");
    EXPECT_EQ(mck::kargs().test_fault, mck::KernelArgs::Fault::Boot);
    EXPECT_TRUE(mck::kargs().test_fill_memory);
    EXPECT_TRUE(mck::kargs().test_check_memory);
    EXPECT_FALSE(mck::kargs().hidos) << "each parse starts from the defaults";
    mck::kargs_parse("test_fault=lock_order");
    EXPECT_EQ(mck::kargs().test_fault, mck::KernelArgs::Fault::LockOrder);
}

TEST(Kargs, OffloadSpinIsBounded)
{
    mck::kargs_parse("");
    EXPECT_EQ(mck::kargs().offload_spin_us, 200u);
    mck::kargs_parse("offload_spin_us=0");
    EXPECT_EQ(mck::kargs().offload_spin_us, 0u);
    mck::kargs_parse("offload_spin_us=1000");
    EXPECT_EQ(mck::kargs().offload_spin_us, 1000u);
    mck::g_logged.clear();
    mck::kargs_parse("offload_spin_us=1001 offload_spin_us=-1 offload_spin_us=");
    EXPECT_EQ(mck::kargs().offload_spin_us, 200u) << "a hostile value keeps the default";
    EXPECT_EQ(mck::g_logged.size(), 3u);
}

TEST(Kargs, OvercommitIsHeuristicUnlessStrictIsAskedFor)
{
    using O = mck::KernelArgs::Overcommit;
    mck::kargs_parse("");
    EXPECT_EQ(mck::kargs().overcommit, O::Heuristic);
    mck::kargs_parse("overcommit=strict");
    EXPECT_EQ(mck::kargs().overcommit, O::Strict);
    mck::kargs_parse("overcommit=strict overcommit=heuristic");
    EXPECT_EQ(mck::kargs().overcommit, O::Heuristic);
    mck::g_logged.clear();
    mck::kargs_parse("overcommit=2 overcommit= overcommit overcommit=STRICT");
    EXPECT_EQ(mck::kargs().overcommit, O::Heuristic) << "a hostile value keeps the default";
    EXPECT_EQ(mck::g_logged.size(), 4u);
}

TEST(Kargs, UnknownAndMalformedAreLoggedAndIgnored)
{
    mck::g_logged.clear();
    mck::kargs_parse("dump_level=16 bogus dump_level=x hidos=1 test_hang= test_fault=sometimes dump_level=9999999999");
    EXPECT_EQ(mck::kargs().dump_level, 16u);
    ASSERT_EQ(mck::g_logged.size(), 6u);
    EXPECT_EQ(mck::g_logged[0], "kargs: ignoring unknown or malformed argument 'bogus'");
    EXPECT_EQ(mck::g_logged[1], "kargs: ignoring unknown or malformed argument 'dump_level=x'");
    EXPECT_EQ(mck::g_logged[5], "kargs: ignoring unknown or malformed argument 'dump_level=9999999999'");
}

TEST(Kargs, EmptyString)
{
    mck::g_logged.clear();
    mck::kargs_parse("");
    mck::kargs_parse("   ");
    EXPECT_TRUE(mck::g_logged.empty());
}
