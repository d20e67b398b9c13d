// SPDX-License-Identifier: GPL-2.0
// The offload policy's pure checks (policy.h).
#include "policy.h"

#include <sys/stat.h>

#include <cstring>
#include <optional>
#include <sstream>

#include <mcexec/abi.h>

#include <cerrno>

namespace mcexec {
namespace {

static_assert(PRIVATE_START == MCK_USER_END, "mcexec's memory starts where the program's ends");

struct Shapes {
    const char* of[512]{};
    constexpr Shapes()
    {
#define SHAPE(nr, name, kinds) of[nr] = kinds;
#include "syscall_shapes.inc"
#undef SHAPE
    }
};

constexpr Shapes g_shapes;

} // namespace

bool range_allowed(uint64_t base, uint64_t len)
{
    if (len == 0 || base >= PRIVATE_END)
        return true;
    return base < PRIVATE_START && len <= PRIVATE_START - base;
}

bool in_program(uint64_t base, uint64_t len)
{
    return base >= MCK_USER_START && base < MCK_USER_END && len <= MCK_USER_END - base;
}

const char* call_shape(uint64_t nr) { return nr < 512 ? g_shapes.of[nr] : nullptr; }

int64_t check_call(uint64_t nr, const uint64_t args[6], const Reserved& reserved)
{
    // A number we know nothing about: every argument might be a pointer.
    const char* shape = call_shape(nr);
    if (!shape)
        shape = "aaaaaa";
    // Linux looks at descriptors before it touches memory: EBADF first.
    for (int i = 0; shape[i] && i < 6; i++)
        if (shape[i] == 'f' && reserved.has(int64_t(args[i])))
            return -EBADF;
    for (int i = 0; shape[i] && i < 6; i++)
        if ((shape[i] == 'p' || shape[i] == 'a') && is_private(args[i]))
            return -EFAULT;
    return 0;
}

namespace {

// Copy @size bytes of the structure @args[@arg] points to into @out.
bool copy_struct(const uint64_t args[6], int arg, uint64_t size, ProgramReader read, NestedCopy* out)
{
    out->arg = arg;
    out->bytes.assign(size, 0);
    return read(out->bytes.data(), args[arg], size);
}

template <typename T>
T field(const NestedCopy& c, size_t off)
{
    T v{};
    if (off + sizeof(T) <= c.bytes.size())
        std::memcpy(&v, c.bytes.data() + off, sizeof(T));
    return v;
}

} // namespace

int64_t check_nested(uint64_t nr, const uint64_t args[6], ProgramReader read, NestedCopy* out)
{
    // x86-64 numbers and constants (Linux's uapi), so this stays a pure function.
    constexpr uint64_t SETSOCKOPT = 54, GETSOCKOPT = 55, KEYCTL = 250, PSELECT6 = 270, BPF = 321,
                       SETXATTRAT = 463, GETXATTRAT = 464;
    constexpr int SOL_SOCKET_ = 1, SO_ATTACH_FILTER_ = 26, SO_ATTACH_REUSEPORT_CBPF_ = 51, SOL_PACKET_ = 263,
                  PACKET_FANOUT_DATA_ = 22, IPPROTO_TCP_ = 6, TCP_ZEROCOPY_RECEIVE_ = 35;
    constexpr uint64_t KEYCTL_DH_COMPUTE_ = 23;
    *out = NestedCopy{};
    switch (nr) {
    case BPF:
        // Programs and maps whose attributes hold pointers of every kind: refused
        // as Linux refuses an unprivileged user (kernel.unprivileged_bpf_disabled).
        return -EPERM;
    case SETSOCKOPT: {
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }:
        // Linux reads len * 8 bytes of filter. Any other length is EINVAL unread.
        int level = int(args[1]), name = int(args[2]);
        bool fprog = (level == SOL_SOCKET_ && (name == SO_ATTACH_FILTER_ || name == SO_ATTACH_REUSEPORT_CBPF_)) ||
                     (level == SOL_PACKET_ && name == PACKET_FANOUT_DATA_);
        if (!fprog || uint32_t(args[4]) != 16)
            return 0;
        if (!copy_struct(args, 3, 16, read, out))
            return -EFAULT;
        return range_allowed(field<uint64_t>(*out, 8), uint64_t(field<uint16_t>(*out, 0)) * 8) ? 0 : -EFAULT;
    }
    case GETSOCKOPT: {
        // struct tcp_zerocopy_receive: pages go to [address, +length), what
        // cannot be mapped is copied to [copybuf_address, +copybuf_len), and
        // control messages to [msg_control, +msg_controllen). Linux reads as
        // many bytes as *optlen says (at least 12) and writes them back.
        if (int(args[1]) != IPPROTO_TCP_ || int(args[2]) != TCP_ZEROCOPY_RECEIVE_)
            return 0;
        int32_t len = 0;
        if (!read(&len, args[4], sizeof(len)))
            return -EFAULT;
        if (len < 12)
            return 0; // EINVAL, unread
        if (len > 4096)
            return -EINVAL; // Linux's would have to be zeros past its 64 bytes
        if (!copy_struct(args, 3, uint64_t(len), read, out))
            return -EFAULT;
        // Linux reads *optlen again: a page, so a larger one read meanwhile
        // by another thread still finds zeros here (and at most 64 are written).
        out->bytes.resize(4096);
        out->write_back = size_t(len);
        if (!range_allowed(field<uint64_t>(*out, 0), field<uint32_t>(*out, 8)) ||
            !range_allowed(field<uint64_t>(*out, 24), uint64_t(uint32_t(field<int32_t>(*out, 32)))) ||
            !range_allowed(field<uint64_t>(*out, 40), field<uint64_t>(*out, 48)))
            return -EFAULT;
        return 0;
    }
    case PSELECT6: {
        // The sixth argument points to { const sigset_t *ss; size_t ss_len; }.
        if (!args[5])
            return 0;
        if (!copy_struct(args, 5, 16, read, out))
            return -EFAULT;
        uint64_t set = field<uint64_t>(*out, 0), size = field<uint64_t>(*out, 8);
        return set && size == 8 && !range_allowed(set, size) ? -EFAULT : 0;
    }
    case KEYCTL: {
        // KEYCTL_DH_COMPUTE's fifth argument: struct keyctl_kdf_params
        // { char *hashname; char *otherinfo; __u32 otherinfolen; __u32 __spare[8]; }.
        if (args[0] != KEYCTL_DH_COMPUTE_ || !args[4])
            return 0;
        if (!copy_struct(args, 4, 56, read, out))
            return -EFAULT;
        uint64_t hashname = field<uint64_t>(*out, 0), otherinfo = field<uint64_t>(*out, 8);
        return is_private(hashname) || !range_allowed(otherinfo, field<uint32_t>(*out, 16)) ? -EFAULT : 0;
    }
    case SETXATTRAT:
    case GETXATTRAT: {
        // struct xattr_args { __u64 value; __u32 size; __u32 flags; }, @usize
        // bytes of it (16 up to a page; Linux refuses others unread).
        uint64_t usize = args[5];
        if (usize < 16 || usize > 4096)
            return 0;
        if (!copy_struct(args, 4, usize, read, out))
            return -EFAULT;
        return range_allowed(field<uint64_t>(*out, 0), field<uint32_t>(*out, 8)) ? 0 : -EFAULT;
    }
    default:
        return 0;
    }
}

bool runs_on_linux(const std::string& list, const std::string& path)
{
    std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    std::stringstream ss(list);
    std::string entry;
    // A path entry names the file it leads to (symbolic links followed), as
    // the exec'd path does: the same file by either path is listed.
    std::optional<struct stat> exec_file; // stat'ed once, when a path entry first needs it
    while (std::getline(ss, entry, ':')) {
        if (entry.empty())
            continue;
        if (entry.find('/') == std::string::npos) {
            if (entry == base)
                return true;
            continue;
        }
        if (entry == path)
            return true;
        if (!exec_file) {
            struct stat st;
            if (stat(path.c_str(), &st) != 0)
                st = {}; // matches no entry's file (st_ino 0)
            exec_file = st;
        }
        struct stat st;
        if (exec_file->st_ino && stat(entry.c_str(), &st) == 0 && st.st_dev == exec_file->st_dev &&
            st.st_ino == exec_file->st_ino)
            return true;
    }
    return false;
}

} // namespace mcexec
