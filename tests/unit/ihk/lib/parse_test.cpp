// SPDX-License-Identifier: GPL-2.0
// Parsers and formatters of CPU lists, sizes, memory specs and IKC maps.
#include <ihk/parse.h>

#include <gtest/gtest.h>

#include <cerrno>

using namespace ihk;

namespace {

template <typename T>
std::string error_of(const Result<T>& r)
{
    return r ? std::string("<no error>") : r.error().message;
}

} // namespace

TEST(CpuList, ParsesSinglesAndRanges)
{
    auto r = parse_cpu_list("1-7,9-15");
    ASSERT_TRUE(r) << error_of(r);
    std::vector<uint32_t> want;
    for (uint32_t c = 1; c <= 7; c++)
        want.push_back(c);
    for (uint32_t c = 9; c <= 15; c++)
        want.push_back(c);
    EXPECT_EQ(*r, want);
    EXPECT_EQ(*parse_cpu_list("3"), std::vector<uint32_t>{3});
    EXPECT_EQ(*parse_cpu_list("5,2"), (std::vector<uint32_t>{5, 2}));
    EXPECT_EQ(*parse_cpu_list("4-4"), std::vector<uint32_t>{4});
}

TEST(CpuList, RejectsMalformed)
{
    for (const char* bad : {"", ",", "1,", ",1", "1,,2", "a", "1-", "-1", "1-2-3", "1--2", " 1", "1 ", "0x3", "+1", "1.5"}) {
        auto r = parse_cpu_list(bad);
        EXPECT_FALSE(r) << "'" << bad << "' parsed";
        if (!r) {
            EXPECT_EQ(r.error().code, EINVAL);
        }
    }
}

TEST(CpuList, RejectsReversedDuplicateAndOutOfRange)
{
    EXPECT_NE(error_of(parse_cpu_list("5-3")).find("reversed"), std::string::npos);
    EXPECT_NE(error_of(parse_cpu_list("1-3,2")).find("CPU 2 is listed twice"), std::string::npos);
    EXPECT_NE(error_of(parse_cpu_list("3,3")).find("listed twice"), std::string::npos);
    EXPECT_NE(error_of(parse_cpu_list("8192")).find("out of range"), std::string::npos);
    EXPECT_TRUE(parse_cpu_list("8191"));
    EXPECT_FALSE(parse_cpu_list("99999999999999999999999"));
    EXPECT_FALSE(parse_cpu_list("0-4294967296"));
}

TEST(CpuList, FormatsRangesSorted)
{
    EXPECT_EQ(format_cpu_list({}), "");
    EXPECT_EQ(format_cpu_list({3}), "3");
    EXPECT_EQ(format_cpu_list({3, 2}), "2-3");
    EXPECT_EQ(format_cpu_list({9, 1, 2, 3, 5, 10, 11}), "1-3,5,9-11");
    auto round = parse_cpu_list(format_cpu_list({0, 1, 2, 4, 6, 7}));
    ASSERT_TRUE(round);
    EXPECT_EQ(*round, (std::vector<uint32_t>{0, 1, 2, 4, 6, 7}));
}

TEST(Size, ParsesSuffixes)
{
    EXPECT_EQ(*parse_size("0"), 0u);
    EXPECT_EQ(*parse_size("4096"), 4096u);
    EXPECT_EQ(*parse_size("2k"), 2048u);
    EXPECT_EQ(*parse_size("512M"), 512ull << 20);
    EXPECT_EQ(*parse_size("512MB"), 512ull << 20);
    EXPECT_EQ(*parse_size("512MiB"), 512ull << 20);
    EXPECT_EQ(*parse_size("4G"), 4ull << 30);
    EXPECT_EQ(*parse_size("1t"), 1ull << 40);
    EXPECT_EQ(*parse_size("100B"), 100u);
}

TEST(Size, RejectsJunkAndOverflow)
{
    for (const char* bad : {"", "M", "12X", "1.5G", "-1", "1 G", "1GG", "1iB", "0x10"})
        EXPECT_FALSE(parse_size(bad)) << bad;
    auto big = parse_size("18446744073709551616");
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, ERANGE);
    EXPECT_TRUE(parse_size("18446744073709551615"));
    auto shifted = parse_size("16777216T");
    ASSERT_FALSE(shifted);
    EXPECT_EQ(shifted.error().code, ERANGE);
    EXPECT_TRUE(parse_size("16777215T"));
}

TEST(Size, Formats)
{
    EXPECT_EQ(format_size(512ull << 20), "512M");
    EXPECT_EQ(format_size(3ull << 30), "3G");
    EXPECT_EQ(format_size(1536ull << 20), "1536M");
    EXPECT_EQ(format_size(1000), "1000");
    EXPECT_EQ(format_size(MEM_ALL), "all");
}

TEST(MemSpec, ParsesChunks)
{
    auto r = parse_mem_spec("4G@0,all@1");
    ASSERT_TRUE(r) << error_of(r);
    EXPECT_EQ(*r, (std::vector<MemChunk>{{4ull << 30, 0}, {MEM_ALL, 1}}));
    EXPECT_EQ(*parse_mem_spec("all"), (std::vector<MemChunk>{{MEM_ALL, NUMA_ALL}}));
    EXPECT_EQ(*parse_mem_spec("512M@0,512M@0"), (std::vector<MemChunk>{{512ull << 20, 0}, {512ull << 20, 0}}));
}

TEST(MemSpec, RejectsMalformed)
{
    for (const char* bad : {"", ",", "512M@", "@0", "512M@x", "512M@-1", "512M@0,", "512M@0@1", "0@0", "512X@0",
                            "512M@1024", "512M@99999999999"})
        EXPECT_FALSE(parse_mem_spec(bad)) << bad;
    EXPECT_NE(error_of(parse_mem_spec("512M")).find("expected SIZE@NUMA"), std::string::npos);
    EXPECT_NE(error_of(parse_mem_spec("0@0")).find("zero"), std::string::npos);
    EXPECT_FALSE(parse_mem_spec("99999999999999999999G@0"));
    EXPECT_FALSE(parse_mem_spec("17179869184G@0"));
}

TEST(MemSpec, FormatsBytesAtNode)
{
    EXPECT_EQ(format_mem_chunks({{512ull << 20, 0}}), "536870912@0");
    EXPECT_EQ(format_mem_chunks({{512ull << 20, 0}, {2ull << 20, 1}}), "536870912@0,2097152@1");
    EXPECT_EQ(format_mem_chunks({}), "");
}

TEST(IkcMap, Parses)
{
    auto r = parse_ikc_map("2-3:0+4-5:1");
    ASSERT_TRUE(r) << error_of(r);
    EXPECT_EQ(*r, (std::vector<IkcPair>{{2, 0}, {3, 0}, {4, 1}, {5, 1}}));
    EXPECT_EQ(*parse_ikc_map("7:0"), (std::vector<IkcPair>{{7, 0}}));
}

TEST(IkcMap, RejectsMalformed)
{
    for (const char* bad : {"", "+", "2-3", "2-3:", ":0", "2-3:0+", "2-3:0:1", "2-3:x", "2-3:0-1", "3-2:0", "2:0+2:1",
                            "2-3:99999", "2,,3:0"})
        EXPECT_FALSE(parse_ikc_map(bad)) << bad;
    EXPECT_NE(error_of(parse_ikc_map("2:0+2:1")).find("twice"), std::string::npos);
}

TEST(IkcMap, FormatsGroupedByLinuxCpu)
{
    EXPECT_EQ(format_ikc_map({{2, 0}, {3, 0}, {4, 1}, {5, 1}}), "2-3:0+4-5:1");
    EXPECT_EQ(format_ikc_map({{5, 1}, {2, 0}}), "2:0+5:1");
    EXPECT_EQ(format_ikc_map({}), "");
}
