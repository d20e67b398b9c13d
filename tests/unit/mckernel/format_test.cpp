// SPDX-License-Identifier: GPL-2.0
// McKernel's printf-style formatter, compiled for the host.
#include <lib/format.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

template <typename... Args>
std::string fmt(const char* f, Args... args)
{
    char buf[128];
    mck::format(buf, sizeof buf, f, args...);
    return buf;
}

} // namespace

TEST(Format, Integers)
{
    EXPECT_EQ(fmt("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
    EXPECT_EQ(fmt("%ld", INT64_MIN), "-9223372036854775808");
    EXPECT_EQ(fmt("%lu %llu", UINT64_MAX, 1ull), "18446744073709551615 1");
    EXPECT_EQ(fmt("%x %X %lx", 255u, 255u, 0xffffffff80200000ull), "ff FF ffffffff80200000");
    EXPECT_EQ(fmt("%zu", size_t{12}), "12");
}

TEST(Format, WidthFlagsAndStrings)
{
    EXPECT_EQ(fmt("[%5u]", 42u), "[   42]");
    EXPECT_EQ(fmt("[%06u]", 42u), "[000042]");
    EXPECT_EQ(fmt("[%-4d]", 7), "[7   ]");
    EXPECT_EQ(fmt("[%016lx]", 0x10ull), "[0000000000000010]");
    EXPECT_EQ(fmt("%s|%5s|%-3s|", "ab", "cd", "e"), "ab|   cd|e  |");
    EXPECT_EQ(fmt("%.*s", 3, "abcdef"), "abc");
    EXPECT_EQ(fmt("%.2s", "abcdef"), "ab");
    EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(fmt("%c%%", 'x'), "x%");
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x1234)), "0x0000000000001234");
    EXPECT_EQ(fmt("%q"), "%q");
}

TEST(Format, TruncatesAndTerminates)
{
    char buf[6];
    EXPECT_EQ(mck::format(buf, sizeof buf, "%s", "abcdefgh"), 5u);
    EXPECT_STREQ(buf, "abcde");
    char one[1] = {'x'};
    EXPECT_EQ(mck::format(one, sizeof one, "abc"), 0u);
    EXPECT_EQ(one[0], '\0');
}
