// SPDX-License-Identifier: GPL-2.0
// mcexec's descriptors at the top of RLIMIT_NOFILE and the limit the program
// sees (mcexec/src/fd_limit.h).
#include "fd_limit.h"

#include <gtest/gtest.h>

using namespace mcexec;

TEST(FdLimit, ReservedDescriptorsAreTheTopOfTheHardLimit)
{
    EXPECT_EQ(reserved_fd_number(1048576, 0), 1048575u);
    EXPECT_EQ(reserved_fd_number(1048576, 1), 1048574u);
    EXPECT_EQ(reserved_fd_number(4096, 1), 4094u);
}

TEST(FdLimit, TheProgramsHardLimitEndsBelowMcexecsDescriptors)
{
    FdLimit p = program_nofile({1024, 4096});
    EXPECT_EQ(p.cur, 1024u);
    EXPECT_EQ(p.max, 4096u - RESERVED_FD_COUNT);
    EXPECT_LE(p.max, reserved_fd_number(4096, RESERVED_FD_COUNT - 1)) << "the lowest of mcexec's is not the program's";
    p = program_nofile({1048576, 1048576});
    EXPECT_EQ(p.max, 1048574u);
    EXPECT_EQ(p.cur, 1048574u) << "the soft limit is capped by the hard one";
    p = program_nofile({1, 1});
    EXPECT_EQ(p.max, 0u);
    EXPECT_EQ(p.cur, 0u);
}

TEST(FdLimit, WhatTheProgramSetsKeepsTheReserveAboveIt)
{
    FdLimit l = linux_nofile({64, 512});
    EXPECT_EQ(l.cur, 64u);
    EXPECT_EQ(l.max, 512u + RESERVED_FD_COUNT);
    FdLimit back = program_nofile(l);
    EXPECT_EQ(back.cur, 64u);
    EXPECT_EQ(back.max, 512u) << "set then get gives what was set";
    l = linux_nofile({~0ull, ~0ull});
    EXPECT_EQ(l.max, ~0ull) << "infinity stays infinity: Linux refuses it (EPERM) as natively";
    EXPECT_EQ(program_nofile(l).max, ~0ull);
}
