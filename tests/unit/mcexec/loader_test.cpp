// SPDX-License-Identifier: GPL-2.0
// mcexec's loader on the host: PATH lookup, ELF checks with their exit
// statuses, region planning and the initial stack layout.
#include "loader.h"

#include <mcexec/abi.h>

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

std::string temp_file(const std::string& bytes, bool exec = true)
{
    char path[] = "/tmp/mcexec_loader_testXXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
    close(fd);
    if (exec)
        chmod(path, 0755);
    return path;
}

std::string slurp(const char* path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

} // namespace

TEST(Resolve, FindsOnPathLikeAShell)
{
    mcexec::LoadError err;
    EXPECT_EQ(mcexec::resolve_program("true", "/nonexistent:/bin", &err), "/bin/true");
    EXPECT_EQ(mcexec::resolve_program("/bin/true", "", &err), "/bin/true");
}

TEST(Resolve, NotFoundIs127AndNotExecutableIs126)
{
    mcexec::LoadError err;
    EXPECT_EQ(mcexec::resolve_program("no-such-program-xyz", "/bin", &err), "");
    EXPECT_EQ(err.status, 127);
    EXPECT_NE(err.message.find("command not found"), std::string::npos);
    EXPECT_EQ(mcexec::resolve_program("/etc", "", &err), "");
    EXPECT_EQ(err.status, 126);
    std::string plain = temp_file("data", false);
    EXPECT_EQ(mcexec::resolve_program(plain, "", &err), "");
    EXPECT_EQ(err.status, 126);
    unlink(plain.c_str());
}

TEST(Elf, LoadsADynamicPieProgramAndItsLoader)
{
    mcexec::ElfImage im;
    mcexec::LoadError err;
    ASSERT_TRUE(mcexec::load_elf("/bin/true", 0x100000000000ull, &im, &err)) << err.message;
    EXPECT_TRUE(im.pie);
    EXPECT_EQ(im.bias, 0x100000000000ull);
    EXPECT_FALSE(im.interp.empty());
    EXPECT_GE(im.entry, im.bias);
    EXPECT_NE(im.phdr, 0u);
    EXPECT_FALSE(im.segments.empty());
    close(im.fd);
    mcexec::ElfImage ld;
    ASSERT_TRUE(mcexec::load_elf(im.interp, 0x200000000000ull, &ld, &err)) << err.message;
    EXPECT_TRUE(ld.interp.empty());
    close(ld.fd);
}

TEST(Elf, RefusesWhatCannotRunWith126)
{
    mcexec::LoadError err;
    std::string junk = temp_file(std::string(200, 'x'));
    mcexec::ElfImage a;
    EXPECT_FALSE(mcexec::load_elf(junk, 0, &a, &err));
    EXPECT_EQ(err.status, 126);
    EXPECT_NE(err.message.find("not an ELF"), std::string::npos);

    std::string elf = slurp("/bin/true");
    reinterpret_cast<Elf64_Ehdr*>(elf.data())->e_machine = EM_AARCH64;
    std::string arm = temp_file(elf);
    mcexec::ElfImage b;
    EXPECT_FALSE(mcexec::load_elf(arm, 0, &b, &err));
    EXPECT_NE(err.message.find("another architecture"), std::string::npos);

    std::string truncated = temp_file(slurp("/bin/true").substr(0, 80));
    mcexec::ElfImage c;
    EXPECT_FALSE(mcexec::load_elf(truncated, 0, &c, &err));
    EXPECT_EQ(err.status, 126);
    for (const auto& f : {junk, arm, truncated})
        unlink(f.c_str());
}

TEST(Regions, PageAlignedAndMerged)
{
    mcexec::ElfImage im;
    im.segments = {{0x400123, 0x1000, 0x1000, 0x123, PROT_READ},
                   {0x401800, 0x100, 0x100, 0x1800, PROT_READ | PROT_EXEC},
                   {0x500000, 0x10, 0x0, 0, PROT_READ | PROT_WRITE}};
    auto rs = mcexec::plan_regions({&im});
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].start, 0x400000u);
    EXPECT_EQ(rs[0].len, 0x2000u);
    EXPECT_EQ(rs[0].prot, uint32_t(PROT_READ | PROT_EXEC));
    EXPECT_EQ(rs[1].start, 0x500000u);
    EXPECT_EQ(rs[1].len, 0x1000u);
}

TEST(Stack, LayoutAsTheAbiWants)
{
    mcexec::AuxInfo aux{};
    aux.phdr = 0x1040;
    aux.phent = 56;
    aux.phnum = 9;
    aux.entry = 0x1100;
    aux.random.assign(16, 0xab);
    aux.platform = "x86_64";
    aux.execfn = "/bin/prog";
    aux.sysinfo_ehdr = MCK_VDSO_BASE;
    const uint64_t top = 0x7000000;
    auto st = mcexec::build_stack(top, {"prog", "two words"}, {"A=1"}, aux);
    EXPECT_EQ(st.sp % 16, 0u);
    EXPECT_EQ(st.sp + st.bytes.size(), top);
    auto word = [&](size_t i) {
        uint64_t v;
        std::memcpy(&v, st.bytes.data() + i * 8, 8);
        return v;
    };
    auto str = [&](uint64_t addr) { return std::string(reinterpret_cast<const char*>(st.bytes.data() + (addr - st.sp))); };
    EXPECT_EQ(word(0), 2u); // argc
    EXPECT_EQ(str(word(1)), "prog");
    EXPECT_EQ(str(word(2)), "two words");
    EXPECT_EQ(word(3), 0u);
    EXPECT_EQ(str(word(4)), "A=1");
    EXPECT_EQ(word(5), 0u);
    // auxv: find AT_PHDR, AT_RANDOM, AT_EXECFN and the terminating AT_NULL.
    bool phdr = false, random = false, execfn = false, vdso = false;
    size_t i = 6;
    for (; word(i) != AT_NULL; i += 2) {
        if (word(i) == AT_PHDR)
            phdr = word(i + 1) == 0x1040;
        if (word(i) == AT_RANDOM)
            random = st.bytes[word(i + 1) - st.sp] == 0xab;
        if (word(i) == AT_EXECFN)
            execfn = str(word(i + 1)) == "/bin/prog";
        if (word(i) == AT_SYSINFO_EHDR)
            vdso = word(i + 1) == MCK_VDSO_BASE;
    }
    EXPECT_TRUE(vdso);
    EXPECT_TRUE(phdr);
    EXPECT_TRUE(random);
    EXPECT_TRUE(execfn);
}
