// SPDX-License-Identifier: GPL-2.0
// What an execve's strings may take, as Linux 6.1's bprm_stack_limits and
// copy_strings count them (mcexec/src/program_limits.h).
#include "program_limits.h"

#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace mcexec;

namespace {
constexpr uint64_t MAX = 2u << 20; // an 8 MiB stack's quarter
}

TEST(ExecStrings, AtTheLimitFitsAndOneByteMoreDoesNot)
{
    std::string name = "/bin/prog";
    std::vector<std::string> env = {"A=1"};
    std::vector<std::string> argv;
    uint64_t used = name.size() + 1 + 4 + 8; // the name, "A=1" and its pointer
    while (used + 8 + 100000 + 1 <= MAX) {
        argv.emplace_back(100000, 'x');
        used += 8 + 100000 + 1;
    }
    argv.emplace_back(MAX - used - 8 - 1, 'z'); // the rest, exactly
    EXPECT_EQ(exec_strings_fit(MAX, name, argv, env), 0);
    argv.back() += 'z';
    EXPECT_EQ(exec_strings_fit(MAX, name, argv, env), -E2BIG);
    argv.back().pop_back();
    EXPECT_EQ(exec_strings_fit(MAX, name + "x", argv, env), -E2BIG) << "the file name counts";
    env.emplace_back("");
    EXPECT_EQ(exec_strings_fit(MAX, name, argv, env), -E2BIG) << "an empty variable takes its NUL and pointer";
    argv.back().resize(argv.back().size() - 9);
    EXPECT_EQ(exec_strings_fit(MAX, name, argv, env), 0);
}

TEST(ExecStrings, OneStringMayTakeMaxArgStrlenWithItsNul)
{
    EXPECT_EQ(exec_strings_fit(MAX, "/p", {std::string(MAX_ARG_STRLEN - 1, 'x')}, {}), 0);
    EXPECT_EQ(exec_strings_fit(MAX, "/p", {std::string(MAX_ARG_STRLEN, 'x')}, {}), -E2BIG);
    EXPECT_EQ(exec_strings_fit(MAX, "/p", {"a"}, {std::string(MAX_ARG_STRLEN, 'x')}), -E2BIG) << "a variable too";
    EXPECT_EQ(exec_strings_fit(MAX, std::string(MAX_ARG_STRLEN, 'x'), {"a"}, {}), -E2BIG) << "the name too";
}

TEST(ExecStrings, NoArgumentsCountsOnePointerAndLinuxsEmptyString)
{
    // The name "/p" (3 bytes) and Linux's "" (1) with one pointer (8): 12.
    EXPECT_EQ(exec_strings_fit(12, "/p", {}, {}), 0);
    EXPECT_EQ(exec_strings_fit(11, "/p", {}, {}), -E2BIG);
    EXPECT_EQ(exec_strings_fit(8, "", {}, {}), -E2BIG) << "the pointers may not take it all";
}
