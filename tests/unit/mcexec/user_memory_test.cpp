// SPDX-License-Identifier: GPL-2.0
// mcexec's copies of the program's memory survive pages that fault
// (mcexec/src/user_memory.h), here with a page of the test's own at a program address.
#include "user_memory.h"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

using namespace mcexec;

namespace {

constexpr uint64_t AT = 0x3e0000000000; // inside the program's range, free in a test process

class UserMemory : public ::testing::Test {
protected:
    void SetUp() override
    {
        user_memory_init();
        void* m = mmap(reinterpret_cast<void*>(AT), 2 * 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        ASSERT_EQ(m, reinterpret_cast<void*>(AT));
        std::memcpy(m, "hello", 6);
        // The second page faults, as a page the program unmapped does in mcexec.
        ASSERT_EQ(mprotect(reinterpret_cast<void*>(AT + 4096), 4096, PROT_NONE), 0);
    }
    void TearDown() override { munmap(reinterpret_cast<void*>(AT), 2 * 4096); }
};

} // namespace

TEST_F(UserMemory, CopiesFromReadablePages)
{
    char buf[6];
    EXPECT_TRUE(copy_from_program(buf, AT, sizeof(buf)));
    EXPECT_STREQ(buf, "hello");
}

TEST_F(UserMemory, AFaultFailsTheCopyAndNothingElse)
{
    char buf[16];
    EXPECT_FALSE(copy_from_program(buf, AT + 4096, sizeof(buf)));
    EXPECT_FALSE(copy_to_program(AT + 4090, "0123456789", 10)) << "straddles into the faulting page";
    EXPECT_FALSE(copy_from_program(buf, AT + 4096, sizeof(buf))) << "and again: the handler stays armed";
    EXPECT_TRUE(copy_from_program(buf, AT, 6));
}

TEST_F(UserMemory, OnlyTheProgramsRange)
{
    char local[8] = "mcexec";
    char buf[8];
    EXPECT_FALSE(copy_from_program(buf, reinterpret_cast<uint64_t>(local), sizeof(buf)));
    EXPECT_FALSE(copy_to_program(0, local, 1));
}

TEST_F(UserMemory, StringsStopAtTheFault)
{
    std::string s;
    EXPECT_EQ(copy_string_from_program(&s, AT, 4096), 0);
    EXPECT_EQ(s, "hello");
    std::memset(reinterpret_cast<void*>(AT), 'x', 4096);
    EXPECT_EQ(copy_string_from_program(&s, AT, 8192), -EFAULT) << "no NUL before the faulting page";
    EXPECT_EQ(copy_string_from_program(&s, AT, 100), -ENAMETOOLONG);
}
