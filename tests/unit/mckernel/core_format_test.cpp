// SPDX-License-Identifier: GPL-2.0
// Core file names and records (mckernel/kernel/core_format.h).
#include <kernel/core_format.h>

#include <gtest/gtest.h>

#include <string>

namespace {

using mck::core_name;
using mck::CoreNameFacts;
using mck::core_region_bytes;
using mck::CoreRegion;

CoreNameFacts facts()
{
    CoreNameFacts f;
    f.pid = 4242;
    f.tid = 4194305;
    f.uid = 1000;
    f.gid = 100;
    f.sig = 6;
    f.time = 1764633600;
    f.limit = 524288;
    f.host = "node/1";
    f.exe = "/home/u/a_program_with_a_long_name";
    return f;
}

std::string name(const char* pattern, bool uses_pid = false, size_t len = 256)
{
    char out[256];
    if (!core_name(pattern, facts(), uses_pid, out, len))
        return "<none>";
    return out;
}

TEST(CoreName, DebiansDefaultIsCoreInTheWorkingDirectory)
{
    EXPECT_EQ(name("core"), "core");
    EXPECT_EQ(name("core", true), "core.4242");
}

TEST(CoreName, SpecifiersAsLinuxExpandsThem)
{
    EXPECT_EQ(name("/var/crash/%e.%p.%s.%u.%g.%t.%c.%d.%%", true), "/var/crash/a_program_with_.4242.6.1000.100.1764633600.524288.1.%");
    EXPECT_EQ(name("c.%P.%i.%I"), "c.4242.4194305.4194305");
    EXPECT_EQ(name("core.%p", true), "core.4242"); // %p in the pattern: no second pid
}

TEST(CoreName, ASlashInAValueCannotNameAnotherDirectory)
{
    EXPECT_EQ(name("%h-%E"), "node!1-!home!u!a_program_with_a_long_name");
}

TEST(CoreName, UnknownSpecifiersAndALonePercentAreDropped)
{
    EXPECT_EQ(name("core%z.%"), "core.");
}

TEST(CoreName, PipesEmptyPatternsAndOverlongNamesWriteNothing)
{
    EXPECT_EQ(name("|/lib/systemd/systemd-coredump %P"), "<none>");
    EXPECT_EQ(name(""), "<none>");
    EXPECT_EQ(name("%%", false, 1), "<none>");
    EXPECT_EQ(name("core.%p", false, 8), "<none>"); // "core.4242" needs 10 bytes
    EXPECT_EQ(name("core.%p", false, 10), "core.4242");
}

CoreRegion region(bool r, bool w, bool x)
{
    CoreRegion c{};
    c.start = 0x400000;
    c.end = 0x400000 + 5 * 4096;
    c.readable = r;
    c.writable = w;
    c.executable = x;
    return c;
}

TEST(CoreRegion, AnonymousMemoryGoesInWhole)
{
    EXPECT_EQ(core_region_bytes(region(true, true, false)), 5u * 4096);
    EXPECT_EQ(core_region_bytes(region(true, false, false)), 5u * 4096);
    EXPECT_EQ(core_region_bytes(region(false, false, false)), 0u); // PROT_NONE: nothing to read
}

TEST(CoreRegion, FilesGiveTheirWrittenDataAndTheirElfHeader)
{
    CoreRegion text = region(true, false, true);
    text.file = true;
    EXPECT_EQ(core_region_bytes(text), 0u);
    text.elf_header = true;
    EXPECT_EQ(core_region_bytes(text), 4096u);
    CoreRegion data = region(true, true, false);
    data.file = true;
    EXPECT_EQ(core_region_bytes(data), 5u * 4096);
}

TEST(CoreRegion, SharedFilesAndDevicesStayOut)
{
    CoreRegion shared = region(true, true, false);
    shared.file = shared.shared_file = true;
    EXPECT_EQ(core_region_bytes(shared), 0u);
    CoreRegion dev = region(true, true, false);
    dev.device = true;
    EXPECT_EQ(core_region_bytes(dev), 0u);
}

TEST(CoreNote, HeaderNameAndPadding)
{
    uint8_t h[20];
    mck::core_note_header(h, mck::NT_PRSTATUS, 336);
    uint32_t w[3];
    memcpy(w, h, sizeof(w));
    EXPECT_EQ(w[0], 5u);
    EXPECT_EQ(w[1], 336u);
    EXPECT_EQ(w[2], 1u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(h + 12)), "CORE");
    EXPECT_EQ(mck::core_note_size(336), 356u);
    EXPECT_EQ(mck::core_note_size(6), 28u);
    mck::Elf64Ehdr e = mck::core_ehdr(3);
    EXPECT_EQ(e.type, 4);
    EXPECT_EQ(e.machine, 62);
    EXPECT_EQ(e.phnum, 3);
    EXPECT_EQ(e.phoff, 64u);
}

} // namespace
