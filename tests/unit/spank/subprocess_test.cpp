// SPDX-License-Identifier: GPL-2.0
// run_with_timeout (spank/lib/subprocess.h): how the plugin runs its root helper.
#include "subprocess.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace mckslurm;
using namespace std::chrono_literals;

TEST(SpankSubprocess, CapturesOutputAndStatus)
{
    auto r = run_with_timeout({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 10s);
    EXPECT_EQ(r.code, 3);
    EXPECT_FALSE(r.timed_out);
    EXPECT_NE(r.output.find("out"), std::string::npos);
    EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST(SpankSubprocess, KillsTheWholeGroupAtTheDeadline)
{
    auto start = std::chrono::steady_clock::now();
    // A child that ignores nothing and leaves a grandchild holding the pipe.
    auto r = run_with_timeout({"/bin/sh", "-c", "sleep 60 & sleep 60"}, 500ms);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.code, -1);
    EXPECT_LT(took, 5s);
}

TEST(SpankSubprocess, ExitedHelperWithALeftoverChildIsDone)
{
    auto start = std::chrono::steady_clock::now();
    auto r = run_with_timeout({"/bin/sh", "-c", "sleep 30 >/dev/null 2>&1 </dev/null & echo done"}, 20s);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.code, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(SpankSubprocess, MissingProgram)
{
    auto r = run_with_timeout({"/nonexistent/mck-slurm"}, 5s);
    EXPECT_EQ(r.code, 127);
    EXPECT_NE(r.output.find("cannot run"), std::string::npos);
}
