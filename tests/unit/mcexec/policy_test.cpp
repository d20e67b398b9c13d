// SPDX-License-Identifier: GPL-2.0
// mcexec's offload policy: which direct arguments of an offloaded call may
// reach Linux (mcexec/src/policy.h).
#include "policy.h"

#include <mcexec/abi.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace mcexec;

namespace {

Reserved reserved_1000()
{
    Reserved r;
    r.fds[0] = 1000;
    r.fds[1] = 1001;
    return r;
}

} // namespace

TEST(Policy, RangesBelowTheProgramEndAreAllowed)
{
    EXPECT_TRUE(range_allowed(0, 0));
    EXPECT_TRUE(range_allowed(0x10000, 4096));
    EXPECT_TRUE(range_allowed(MCK_USER_END - 16, 16));
    EXPECT_FALSE(range_allowed(MCK_USER_END - 16, 17)) << "straddles into mcexec";
    EXPECT_FALSE(range_allowed(MCK_USER_END, 1));
    EXPECT_FALSE(range_allowed(0x555555554000, 16)) << "mcexec's executable";
    EXPECT_FALSE(range_allowed(0x10000, ~0ull)) << "wraps";
    EXPECT_TRUE(range_allowed(MCK_USER_END, 0)) << "nothing is touched";
    EXPECT_TRUE(range_allowed(0xffffffff80000000, 4096)) << "Linux refuses kernel addresses itself";
    EXPECT_FALSE(range_allowed(0x800000000000, 4096)) << "user space with 5-level paging";
    EXPECT_TRUE(range_allowed(0x100000000000000, 4096)) << "beyond any user space: Linux refuses";
}

TEST(Policy, InProgramIsTheUnifiedMapping)
{
    EXPECT_TRUE(in_program(MCK_USER_START, 1));
    EXPECT_TRUE(in_program(MCK_USER_END - 1, 1));
    EXPECT_FALSE(in_program(MCK_USER_END - 1, 2));
    EXPECT_FALSE(in_program(MCK_USER_START - 1, 1));
    EXPECT_FALSE(in_program(0, 1));
    EXPECT_FALSE(in_program(MCK_USER_START, ~0ull));
}

TEST(Policy, ShapesComeFromLinuxPrototypes)
{
    EXPECT_STREQ(call_shape(SYS_read), "fp.");
    EXPECT_STREQ(call_shape(SYS_ioctl), "f.a");
    EXPECT_STREQ(call_shape(SYS_dup2), "ff");
    EXPECT_STREQ(call_shape(SYS_openat), "fp..");
    EXPECT_STREQ(call_shape(SYS_getpid), "");
    // Descriptors Linux does not call "fd": each once let the program reach mcexec's own.
    EXPECT_STREQ(call_shape(SYS_dup), "f") << "dup(fildes)";
    EXPECT_STREQ(call_shape(SYS_mq_notify), "fp") << "mqdes";
    EXPECT_STREQ(call_shape(SYS_tee), "ff..") << "fdin, fdout";
    EXPECT_STREQ(call_shape(SYS_open_by_handle_at), "fp.") << "mountdirfd";
    // Pointers Linux hides behind a typedef: capget once wrote into mcexec.
    EXPECT_STREQ(call_shape(SYS_capget), "pp") << "cap_user_header_t, cap_user_data_t";
    EXPECT_STREQ(call_shape(SYS_capset), "pp") << "const cap_user_data_t";
    EXPECT_EQ(call_shape(511), nullptr);
    EXPECT_EQ(call_shape(100000), nullptr);
}

TEST(Policy, PointersIntoMcexecAreEfault)
{
    Reserved r = reserved_1000();
    uint64_t read_into_mcexec[6] = {0, MCK_USER_END, 16};
    EXPECT_EQ(check_call(SYS_read, read_into_mcexec, r), -EFAULT);
    uint64_t read_into_program[6] = {0, MCK_USER_END - 4096, 16};
    EXPECT_EQ(check_call(SYS_read, read_into_program, r), 0);
    uint64_t path_in_mcexec[6] = {uint64_t(-100), 0x7fff00000000, 0, 0};
    EXPECT_EQ(check_call(SYS_openat, path_in_mcexec, r), -EFAULT);
    uint64_t ioctl_arg[6] = {3, 0x5401, 0x555555560000};
    EXPECT_EQ(check_call(SYS_ioctl, ioctl_arg, r), -EFAULT) << "an ioctl's word may be a pointer";
    uint64_t ioctl_int[6] = {3, 0x5421, 1};
    EXPECT_EQ(check_call(SYS_ioctl, ioctl_int, r), 0);
    uint64_t lseek_far[6] = {3, 0x500000000000, 0};
    EXPECT_EQ(check_call(SYS_lseek, lseek_far, r), 0) << "an offset is no pointer";
}

TEST(Policy, ReservedDescriptorsAreEbadf)
{
    Reserved r = reserved_1000();
    uint64_t ioctl_pin[6] = {1001, 0x4018b816, 0x10000};
    EXPECT_EQ(check_call(SYS_ioctl, ioctl_pin, r), -EBADF);
    uint64_t dup_of[6] = {1001};
    EXPECT_EQ(check_call(SYS_dup, dup_of, r), -EBADF);
    uint64_t dup_onto[6] = {1, 1000};
    EXPECT_EQ(check_call(SYS_dup2, dup_onto, r), -EBADF);
    uint64_t fcntl_dup[6] = {1000, 0, 0};
    EXPECT_EQ(check_call(SYS_fcntl, fcntl_dup, r), -EBADF);
    uint64_t getfd[6] = {5, 1001, 0};
    EXPECT_EQ(check_call(SYS_pidfd_getfd, getfd, r), -EBADF);
    uint64_t upper_bits[6] = {(1ull << 32) | 1000, 0, 0};
    EXPECT_EQ(check_call(SYS_fsync, upper_bits, r), -EBADF) << "Linux reads an int";
    uint64_t other[6] = {1002, 0, 0};
    EXPECT_EQ(check_call(SYS_fsync, other, r), 0);
}

TEST(Policy, CallsNewerThanTheHeadersHaveShapes)
{
    Reserved r = reserved_1000();
    EXPECT_STREQ(call_shape(451), "fpp.") << "cachestat";
    EXPECT_STREQ(call_shape(452), "fp..") << "fchmodat2";
    EXPECT_STREQ(call_shape(467), "fp.p.") << "open_tree_attr";
    // A reserved descriptor as cachestat's or fchmodat2's: not a word that may be a pointer.
    uint64_t cachestat[6] = {1000, 0x10000, 0x20000, 0};
    EXPECT_EQ(check_call(451, cachestat, r), -EBADF);
    uint64_t fchmodat2[6] = {1001, 0x10000, 0644, 0};
    EXPECT_EQ(check_call(452, fchmodat2, r), -EBADF);
    uint64_t statmount[6] = {0x10000, MCK_USER_END, 512, 0};
    EXPECT_EQ(check_call(457, statmount, r), -EFAULT);
}

TEST(Policy, UnknownNumbersAreCheckedWhole)
{
    Reserved r = reserved_1000();
    uint64_t any[6] = {0, 0, 0, 0, 0, 0x600000000000};
    EXPECT_EQ(check_call(470, any, r), -EFAULT);
    uint64_t none[6] = {1, 2, 3, 4, 5, 6};
    EXPECT_EQ(check_call(470, none, r), 0);
}

namespace {

// The program's memory, for check_nested: the test's own.
bool read_here(void* dst, uint64_t src, size_t n)
{
    if (!src)
        return false;
    std::memcpy(dst, reinterpret_cast<const void*>(src), n);
    return true;
}

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

} // namespace

TEST(Policy, SocketFilterPointerIsChecked)
{
    struct {
        uint16_t len;
        uint64_t filter;
    } fprog{4, MCK_USER_END};
    uint64_t attach[6] = {3, 1 /* SOL_SOCKET */, 26 /* SO_ATTACH_FILTER */, addr(&fprog), 16};
    NestedCopy c;
    EXPECT_EQ(check_nested(SYS_setsockopt, attach, read_here, &c), -EFAULT) << "a filter in mcexec";
    uint64_t reuseport[6] = {3, 1, 51 /* SO_ATTACH_REUSEPORT_CBPF */, addr(&fprog), 16};
    EXPECT_EQ(check_nested(SYS_setsockopt, reuseport, read_here, &c), -EFAULT);
    uint64_t fanout[6] = {3, 263 /* SOL_PACKET */, 22 /* PACKET_FANOUT_DATA */, addr(&fprog), 16};
    EXPECT_EQ(check_nested(SYS_setsockopt, fanout, read_here, &c), -EFAULT);
    fprog.filter = MCK_USER_END - 32;
    EXPECT_EQ(check_nested(SYS_setsockopt, attach, read_here, &c), 0);
    ASSERT_EQ(c.arg, 3) << "Linux gets the checked copy";
    ASSERT_EQ(c.bytes.size(), 16u);
    fprog.filter = MCK_USER_END - 16;
    EXPECT_EQ(check_nested(SYS_setsockopt, attach, read_here, &c), -EFAULT) << "4 instructions run past 64 TiB";
    uint64_t unreadable[6] = {3, 1, 26, 0, 16};
    EXPECT_EQ(check_nested(SYS_setsockopt, unreadable, read_here, &c), -EFAULT);
    uint64_t other[6] = {3, 1, 2 /* SO_REUSEADDR */, addr(&fprog), 4};
    EXPECT_EQ(check_nested(SYS_setsockopt, other, read_here, &c), 0);
    EXPECT_EQ(c.arg, -1);
}

TEST(Policy, ZerocopyReceivePointersAreChecked)
{
    uint64_t zc[8] = {};
    int32_t len = sizeof(zc);
    uint64_t args[6] = {3, 6 /* IPPROTO_TCP */, 35 /* TCP_ZEROCOPY_RECEIVE */, addr(zc), addr(&len)};
    NestedCopy c;
    EXPECT_EQ(check_nested(SYS_getsockopt, args, read_here, &c), 0);
    EXPECT_EQ(c.arg, 3);
    EXPECT_EQ(c.write_back, sizeof(zc));
    zc[3] = 0x500000000000; // copybuf_address
    zc[4] = 4096;           // copybuf_len
    EXPECT_EQ(check_nested(SYS_getsockopt, args, read_here, &c), -EFAULT);
    zc[3] = 0;
    zc[5] = MCK_USER_END; // msg_control
    zc[6] = 64;
    EXPECT_EQ(check_nested(SYS_getsockopt, args, read_here, &c), -EFAULT);
}

TEST(Policy, PselectSigsetPointerIsChecked)
{
    uint64_t sig[2] = {MCK_USER_END, 8};
    uint64_t args[6] = {0, 0, 0, 0, 0, addr(sig)};
    NestedCopy c;
    EXPECT_EQ(check_nested(SYS_pselect6, args, read_here, &c), -EFAULT);
    sig[0] = 0x10000;
    EXPECT_EQ(check_nested(SYS_pselect6, args, read_here, &c), 0);
    EXPECT_EQ(c.arg, 5);
    sig[0] = 0;
    EXPECT_EQ(check_nested(SYS_pselect6, args, read_here, &c), 0) << "no mask";
}

TEST(Policy, KeyctlKdfPointersAreChecked)
{
    uint64_t kdf[7] = {0x10000, MCK_USER_END, 16};
    uint64_t args[6] = {23 /* KEYCTL_DH_COMPUTE */, 0x10000, 0x10000, 64, addr(kdf)};
    NestedCopy c;
    EXPECT_EQ(check_nested(SYS_keyctl, args, read_here, &c), -EFAULT) << "otherinfo in mcexec";
    kdf[1] = 0x20000;
    kdf[0] = 0x600000000000;
    EXPECT_EQ(check_nested(SYS_keyctl, args, read_here, &c), -EFAULT) << "hashname in mcexec";
    kdf[0] = 0x10000;
    EXPECT_EQ(check_nested(SYS_keyctl, args, read_here, &c), 0);
    EXPECT_EQ(c.arg, 4);
}

TEST(Policy, XattrArgsValueIsChecked)
{
    uint64_t xargs[2] = {MCK_USER_END, 16};
    uint64_t args[6] = {uint64_t(-100), 0x10000, 0, 0x10000, addr(xargs), 16};
    NestedCopy c;
    EXPECT_EQ(check_nested(463 /* setxattrat */, args, read_here, &c), -EFAULT);
    EXPECT_EQ(check_nested(464 /* getxattrat */, args, read_here, &c), -EFAULT);
    xargs[0] = 0x10000;
    EXPECT_EQ(check_nested(464, args, read_here, &c), 0);
}

TEST(Policy, BpfIsRefused) // its attributes hold pointers of every kind
{
    uint64_t args[6] = {0, 0x10000, 128};
    NestedCopy c;
    EXPECT_EQ(check_nested(SYS_bpf, args, read_here, &c), -EPERM);
}

// MCEXEC_LINUX_PROGRAMS: a name matches the basename; a path the same file,
// whichever way the exec'd path reaches it (a symlinked directory, as /bin on
// a merged /usr), never another file of that name.
TEST(LinuxPrograms, PathsNameFilesNotStrings)
{
    char dir[] = "/tmp/mcexec-linux-programs.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string real = std::string(dir) + "/usr-bin", link = std::string(dir) + "/bin";
    ASSERT_EQ(mkdir(real.c_str(), 0755), 0);
    ASSERT_EQ(symlink("usr-bin", link.c_str()), 0);
    std::string tool = real + "/orted", other = std::string(dir) + "/orted";
    for (const std::string& f : {tool, other})
        close(open(f.c_str(), O_CREAT | O_WRONLY, 0755));
    EXPECT_TRUE(runs_on_linux("orted", link + "/orted")) << "a name: the basename";
    EXPECT_TRUE(runs_on_linux("x:" + tool, tool));
    EXPECT_TRUE(runs_on_linux(link + "/orted", tool)) << "listed by the symlinked directory";
    EXPECT_TRUE(runs_on_linux(tool, link + "/orted")) << "exec'd by the symlinked directory";
    EXPECT_TRUE(runs_on_linux(tool, real + "/../usr-bin/orted"));
    EXPECT_FALSE(runs_on_linux(tool, other)) << "another file of the same name";
    EXPECT_FALSE(runs_on_linux("", tool));
    EXPECT_FALSE(runs_on_linux(std::string(dir) + "/missing", std::string(dir) + "/missing2"));
    EXPECT_TRUE(runs_on_linux(std::string(dir) + "/missing", std::string(dir) + "/missing")) << "literally equal";
    for (const std::string& f : {tool, other})
        unlink(f.c_str());
    unlink(link.c_str());
    rmdir(real.c_str());
    rmdir(dir);
}
