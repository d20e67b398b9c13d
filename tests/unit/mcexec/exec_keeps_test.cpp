// SPDX-License-Identifier: GPL-2.0
// What execve keeps, as mcexec's options to the new mcexec and back (exec_keeps.h).
#include "exec_keeps.h"

#include <gtest/gtest.h>

namespace {

using namespace mcexec;

TEST(ExecKeeps, RoundTripsThroughTheOptions)
{
    mck_exec_keeps k{};
    EXPECT_TRUE(exec_keeps_args(k, 4).empty()) << "the default policy and no CPUs: nothing to pass";
    k.cpus[0] = 0xf;
    EXPECT_TRUE(exec_keeps_args(k, 4).empty()) << "all the share's CPUs: nothing to pass";
    EXPECT_EQ(exec_keeps_args(k, 5).size(), 2u) << "four of five: --cpus";
    k.policy_mode = 2;
    k.policy_flags = 0x8000;
    k.policy_nodes = 0xa;
    k.cpus[0] = 0x5;
    k.cpus[2] = 0x1;
    std::vector<std::string> args = exec_keeps_args(k, 4);
    ASSERT_EQ(args.size(), 4u);
    EXPECT_EQ(args[0], "--mempolicy");
    EXPECT_EQ(args[1], "2:8000:a");
    EXPECT_EQ(args[2], "--cpus");
    EXPECT_EQ(args[3], "1" + std::string(16, '0') + "0000000000000005");
    std::string error;
    std::optional<mck_exec_keeps> back = parse_exec_keeps(args[1], args[3], &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->policy_mode, 2u);
    EXPECT_EQ(back->policy_flags, 0x8000u);
    EXPECT_EQ(back->policy_nodes, 0xau);
    EXPECT_EQ(back->cpus[0], 0x5u);
    EXPECT_EQ(back->cpus[1], 0u);
    EXPECT_EQ(back->cpus[2], 0x1u);
    EXPECT_EQ(back->cpus[3], 0u);
    back = parse_exec_keeps("", "0x3", &error);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->policy_mode, 0u);
    EXPECT_EQ(back->cpus[0], 3u);
}

TEST(ExecKeeps, MalformedOptionsAreRefusedWithTheirName)
{
    std::string error;
    for (const char* bad : {"2", "2:0", "x:0:1", "2:0:", ":0:1", "2:0:zz", "-1:0:1", "65536:0:1", "2:10000:1",
                            "2:0:11111111111111111", "2:0:1:4"}) {
        EXPECT_FALSE(parse_exec_keeps(bad, "", &error)) << bad;
        EXPECT_NE(error.find("--mempolicy"), std::string::npos) << error;
    }
    for (const char* bad : {"0x", "g", "-1", "1 ", std::string(65, '1').c_str()}) {
        EXPECT_FALSE(parse_exec_keeps("", bad, &error)) << bad;
        EXPECT_NE(error.find("--cpus"), std::string::npos) << error;
    }
    EXPECT_TRUE(parse_exec_keeps("", std::string(64, 'f'), &error)) << "256 CPUs";
}

} // namespace
