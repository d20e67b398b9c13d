// SPDX-License-Identifier: GPL-2.0
// Offloaded calls, forwarded to Linux under the offload policy (forward.h).
#include "forward.h"

#include "credentials.h"
#include "sched_attrs.h"
#include "fd_limit.h"
#include "interruptible_call.h"
#include "lwk_view_tree.h"
#include "mapped_files.h"
#include "program_limits.h"
#include "spawn.h"
#include "speculation.h"
#include "user_memory.h"

#include <mcexec/abi.h>
#include <mcexec/shared_anon.h>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <unordered_map>
#include <vector>

namespace mcexec {
namespace {

constexpr uint64_t MAX_IOV = 1024;          // UIO_MAXIOV: Linux refuses more with EINVAL
constexpr uint64_t MAX_CONTROL = 1 << 20;   // ancillary data we copy to check it

// The call itself, which a signal for the program's thread may interrupt.
int64_t raw(uint64_t nr, const uint64_t a[6]) { return interruptible_syscall(nr, a); }

// The program's iovec array at @addr, checked: 0 or -errno.
int64_t copy_iov(uint64_t addr, uint64_t count, std::vector<iovec>* out, bool own_memory = true)
{
    if (count > MAX_IOV)
        return -EINVAL;
    out->resize(count);
    if (!copy_from_program(out->data(), addr, count * sizeof(iovec)))
        return -EFAULT;
    // Linux's order: any negative length (as ssize_t) is EINVAL, then a
    // buffer the program may not name is EFAULT.
    for (const iovec& v : *out)
        if (v.iov_len > uint64_t(SSIZE_MAX))
            return -EINVAL;
    for (const iovec& v : *out)
        if (own_memory && !range_allowed(reinterpret_cast<uint64_t>(v.iov_base), v.iov_len))
            return -EFAULT;
    return 0;
}

// readv(fd, iov, cnt, ...) and relatives: the iovec at @iov_arg, its count next.
int64_t with_iov(uint64_t nr, const uint64_t a[6], int iov_arg)
{
    std::vector<iovec> iov;
    if (int64_t e = copy_iov(a[iov_arg], a[iov_arg + 1], &iov))
        return e;
    uint64_t b[6];
    std::copy(a, a + 6, b);
    b[iov_arg] = reinterpret_cast<uint64_t>(iov.data());
    return raw(nr, b);
}

// process_vm_readv/writev: the remote side is checked too when it is mcexec itself.
int64_t process_vm(uint64_t nr, const uint64_t a[6])
{
    pid_t pid = pid_t(a[0]);
    bool self = pid == getpid() || syscall(SYS_tgkill, getpid(), pid, 0) == 0;
    std::vector<iovec> local, remote;
    if (int64_t e = copy_iov(a[1], a[2], &local))
        return e;
    if (int64_t e = copy_iov(a[3], a[4], &remote, self))
        return e;
    uint64_t b[6] = {a[0], reinterpret_cast<uint64_t>(local.data()), a[2], reinterpret_cast<uint64_t>(remote.data()),
                     a[4], a[5]};
    return raw(nr, b);
}

// A message header copied in and rebuilt on checked copies; written back after receiving.
struct Message {
    uint64_t addr;
    msghdr user;    // as the program has it
    msghdr kernel;  // what Linux gets
    std::vector<iovec> iov;
    std::vector<char> control;
};

int64_t message_in(Message* m, uint64_t addr, bool sending, const Reserved& reserved)
{
    m->addr = addr;
    if (!copy_from_program(&m->user, addr, sizeof(m->user)))
        return -EFAULT;
    m->kernel = m->user;
    if (!range_allowed(reinterpret_cast<uint64_t>(m->user.msg_name), m->user.msg_namelen) ||
        !range_allowed(reinterpret_cast<uint64_t>(m->user.msg_control), m->user.msg_controllen))
        return -EFAULT;
    if (int64_t e = copy_iov(reinterpret_cast<uint64_t>(m->user.msg_iov), m->user.msg_iovlen, &m->iov))
        return e == -EINVAL ? -EMSGSIZE : e;
    m->kernel.msg_iov = m->iov.data();
    if (sending && m->user.msg_controllen) {
        // Descriptors passed with SCM_RIGHTS: never mcexec's own.
        if (m->user.msg_controllen > MAX_CONTROL)
            return -ENOBUFS;
        m->control.resize(m->user.msg_controllen);
        if (!copy_from_program(m->control.data(), reinterpret_cast<uint64_t>(m->user.msg_control),
                               m->control.size()))
            return -EFAULT;
        m->kernel.msg_control = m->control.data();
        for (cmsghdr* c = CMSG_FIRSTHDR(&m->kernel); c; c = CMSG_NXTHDR(&m->kernel, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
                continue;
            size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            const auto* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
            for (size_t i = 0; i < n; i++)
                if (reserved.has(fds[i]))
                    return -EBADF;
        }
    }
    return 0;
}

// What recvmsg changed in the header goes back to the program's.
bool message_out(const Message& m)
{
    msghdr back = m.user;
    back.msg_namelen = m.kernel.msg_namelen;
    back.msg_controllen = m.kernel.msg_controllen;
    back.msg_flags = m.kernel.msg_flags;
    return copy_to_program(m.addr, &back, sizeof(back));
}

int64_t one_message(uint64_t nr, const uint64_t a[6], const Reserved& reserved)
{
    Message m;
    if (int64_t e = message_in(&m, a[1], nr == SYS_sendmsg, reserved))
        return e;
    uint64_t b[6] = {a[0], reinterpret_cast<uint64_t>(&m.kernel), a[2], 0, 0, 0};
    int64_t ret = raw(nr, b);
    if (nr == SYS_recvmsg && ret >= 0 && !message_out(m))
        return -EFAULT;
    return ret;
}

// sendmmsg/recvmmsg: every header of the vector, then the lengths back.
int64_t many_messages(uint64_t nr, const uint64_t a[6], const Reserved& reserved)
{
    uint64_t vlen = std::min<uint64_t>(uint32_t(a[2]), MAX_IOV); // Linux caps at UIO_MAXIOV too
    std::vector<Message> msgs(vlen);
    std::vector<mmsghdr> kernel(vlen);
    for (uint64_t i = 0; i < vlen; i++) {
        if (int64_t e = message_in(&msgs[i], a[1] + i * sizeof(mmsghdr), nr == SYS_sendmmsg, reserved))
            return e;
        kernel[i].msg_hdr = msgs[i].kernel;
        kernel[i].msg_len = 0;
    }
    uint64_t b[6] = {a[0], reinterpret_cast<uint64_t>(kernel.data()), vlen, a[3], a[4], 0};
    int64_t ret = raw(nr, b);
    for (int64_t i = 0; i < ret; i++) {
        uint64_t at = a[1] + uint64_t(i) * sizeof(mmsghdr);
        msgs[i].kernel = kernel[i].msg_hdr;
        if ((nr == SYS_recvmmsg && !message_out(msgs[i])) ||
            !copy_to_program(at + offsetof(mmsghdr, msg_len), &kernel[i].msg_len, sizeof(kernel[i].msg_len)))
            return -EFAULT;
    }
    return ret;
}

// close_range over every descriptor but mcexec's own. CLOSE_RANGE_UNSHARE
// would split the descriptor table of the one worker running this call from
// the others; the program has one table either way.
int64_t close_range_of_program(const uint64_t a[6], const Reserved& reserved)
{
    constexpr uint64_t UNSHARE_FLAG = 2, CLOEXEC_FLAG = 4; // CLOSE_RANGE_*
    uint32_t first = uint32_t(a[0]), last = uint32_t(a[1]);
    uint64_t flags = a[2];
    if (flags & ~(UNSHARE_FLAG | CLOEXEC_FLAG))
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    flags &= ~UNSHARE_FLAG;
    std::vector<int> holes(std::begin(reserved.fds), std::end(reserved.fds));
    std::sort(holes.begin(), holes.end());
    uint64_t from = first;
    for (int h : holes) {
        if (h < 0 || uint64_t(h) < from || uint64_t(h) > last)
            continue;
        if (uint64_t(h) > from && syscall(SYS_close_range, unsigned(from), unsigned(h - 1), unsigned(flags)) != 0)
            return -errno;
        from = uint64_t(h) + 1;
    }
    if (from <= last && syscall(SYS_close_range, unsigned(from), last, unsigned(flags)) != 0)
        return -errno;
    return 0;
}

// getrlimit, setrlimit, prlimit64 of the program's own RLIMIT_NOFILE: Linux's
// less the descriptors mcexec keeps at the top of it (fd_limit.h). Linux holds
// the program's soft limit as it is and applies it to every descriptor call.
std::optional<int64_t> nofile_call(uint64_t nr, const uint64_t a[6])
{
    bool prlimit = nr == SYS_prlimit64;
    if (uint32_t(prlimit ? a[1] : a[0]) != RLIMIT_NOFILE || (prlimit && a[0] && pid_t(a[0]) != getpid()))
        return std::nullopt;
    uint64_t next_at = nr == SYS_setrlimit ? a[1] : prlimit ? a[2] : 0;
    uint64_t old_at = nr == SYS_getrlimit ? a[1] : prlimit ? a[3] : 0;
    bool sets = nr == SYS_setrlimit || (prlimit && next_at), gets = nr == SYS_getrlimit || (prlimit && old_at);
    FdLimit next{}, old{};
    if (sets) {
        if (!copy_from_program(&next, next_at, sizeof(next)))
            return -EFAULT;
        if (next.cur > next.max)
            return -EINVAL;
        next = linux_nofile(next);
    }
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, sets ? &next : nullptr, &old) != 0)
        return -errno;
    old = program_nofile(old);
    if (gets && !copy_to_program(old_at, &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

// wait4 and waitid whose result pointers reach mcexec's memory. Linux reaps
// the child first and only then fails the copy-out with EFAULT, so the call
// runs here with buffers of ours and the program's child is reaped just as
// it would be; the results go to the pointers that are the program's, in
// Linux's order (status, then usage; usage, then the siginfo fields).
std::optional<int64_t> wait_call(uint64_t nr, const uint64_t a[6])
{
    bool is_wait4 = nr == SYS_wait4;
    int result_arg = is_wait4 ? 1 : 2, usage_arg = is_wait4 ? 3 : 4;
    if ((nr != SYS_wait4 && nr != SYS_waitid) || (!is_private(a[result_arg]) && !is_private(a[usage_arg])))
        return std::nullopt;
    auto put = [](uint64_t to, const void* from, size_t n) { return !is_private(to) && copy_to_program(to, from, n); };
    int status = 0;
    siginfo_t info{};
    struct rusage usage{};
    uint64_t b[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    b[result_arg] = is_wait4 ? uint64_t(&status) : uint64_t(&info);
    b[usage_arg] = a[usage_arg] ? uint64_t(&usage) : 0;
    int64_t r = raw(nr, b);
    if (is_wait4) {
        if (r > 0 && a[1] && !put(a[1], &status, sizeof(status)))
            return -EFAULT;
        if (r > 0 && a[3] && !put(a[3], &usage, sizeof(usage)))
            return -EFAULT;
        return r;
    }
    // waitid: a child found, then its usage, then (whatever the outcome) the
    // fields Linux writes: si_signo, si_errno, si_code, si_pid, si_uid, si_status.
    constexpr size_t WAITID_FIELDS = 28;
    if (r == 0 && info.si_pid && a[4] && !put(a[4], &usage, sizeof(usage)))
        return -EFAULT;
    if (a[2] && !put(a[2], &info, WAITID_FIELDS))
        return -EFAULT;
    return r;
}

// MCK_SYS_MLOCK_CHECK (abi.h): Linux's can_do_mlock() and its limit check,
// with the program's RLIMIT_MEMLOCK and capabilities, which are this worker's.
int64_t mlock_check(uint64_t bytes)
{
    constexpr uint64_t PAGE_SHIFT = 12;
    struct rlimit lock;
    if (getrlimit(RLIMIT_MEMLOCK, &lock) != 0)
        return -errno;
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]{};
    bool capable = syscall(SYS_capget, &h, caps) == 0 &&
                   (caps[CAP_IPC_LOCK / 32].effective & (1u << (CAP_IPC_LOCK % 32)));
    if (capable || lock.rlim_cur == RLIM_INFINITY)
        return 0;
    if (lock.rlim_cur == 0)
        return -EPERM;
    return (bytes >> PAGE_SHIFT) > (lock.rlim_cur >> PAGE_SHIFT) ? -ENOMEM : 0;
}

// Does @path name mcexec's own executable link?
bool names_own_exe(const std::string& path)
{
    std::string me = "/proc/" + std::to_string(getpid()) + "/exe";
    return path == "/proc/self/exe" || path == "/proc/thread-self/exe" || path == me;
}

// readlink("/proc/self/exe") means the program, not mcexec.
int64_t readlink_call(const ForwardConfig& cfg, uint64_t nr, const uint64_t a[6])
{
    int path_arg = nr == SYS_readlinkat ? 1 : 0;
    std::string path;
    if (int e = copy_string_from_program(&path, a[path_arg], PATH_MAX))
        return e;
    if (!names_own_exe(path) || (nr == SYS_readlinkat && path[0] != '/'))
        return raw(nr, a);
    int64_t size = int64_t(a[path_arg + 2]);
    if (size <= 0)
        return -EINVAL;
    size_t n = std::min<size_t>(cfg.program.size(), size_t(size));
    return copy_to_program(a[path_arg + 1], cfg.program.data(), n) ? int64_t(n) : -EFAULT;
}

// Is @fd (O_PATH will do) a file of procfs that gives mcexec's memory:
// /proc/<us or one of our threads>/[task/<tid>/]mem or pagemap? Under mcexec,
// /proc/self is mcexec, not the program. A procfs file we cannot name is
// taken for one.
bool is_our_memory(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC)
        return false;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return true;
    std::string t(target, size_t(n));
    size_t name = t.rfind('/');
    if (name == std::string::npos || name == 0 || (t.compare(name, 4, "/mem") && t.compare(name, 8, "/pagemap")) ||
        (t.size() != name + 4 && t.size() != name + 8))
        return false;
    size_t dir = t.rfind('/', name - 1);
    if (dir == std::string::npos)
        return false;
    // The process or thread the file is of: the directory above it.
    std::string id = t.substr(dir + 1, name - dir - 1);
    if (id.empty() || id.size() > 9 || id.find_first_not_of("0123456789") != std::string::npos)
        return false;
    int owner = std::stoi(id);
    return owner == getpid() || syscall(SYS_tgkill, getpid(), owner, 0) == 0;
}

// open, creat, openat, openat2. mcexec's own memory files (is_our_memory) are
// refused (EACCES) before they are open for anything: the path is resolved
// with O_PATH, which reads and writes nothing, the object found is checked,
// and only then opened with the program's flags, through our descriptor of
// that very object (/proc/self/fd/N), so no path changed meanwhile and no
// other thread of the program reading a guessed descriptor can reach it.
int64_t open_call(uint64_t nr, const uint64_t a[6])
{
    constexpr uint64_t PATH_FLAGS = O_NOFOLLOW | O_DIRECTORY; // what O_PATH keeps of the program's
    int path_arg = nr == SYS_openat || nr == SYS_openat2 ? 1 : 0;
    uint64_t dirfd = path_arg ? a[0] : uint64_t(AT_FDCWD);
    open_how how{};
    if (nr == SYS_openat2) {
        // Copied once; Linux checks it (E2BIG, EINVAL) before the path, as with an empty one.
        uint64_t size = a[3];
        if (size < sizeof(open_how)) // OPEN_HOW_SIZE_VER0
            return -EINVAL;
        if (size > 4096)
            return -E2BIG;
        std::vector<char> copy(size);
        if (!copy_from_program(copy.data(), a[2], size))
            return -EFAULT;
        int64_t e = syscall(SYS_openat2, AT_FDCWD, "", copy.data(), size) < 0 ? -errno : 0;
        if (e != -ENOENT)
            return e ? e : -EINVAL;
        std::memcpy(&how, copy.data(), sizeof(how));
    } else if (nr == SYS_creat) {
        how.flags = O_CREAT | O_WRONLY | O_TRUNC;
        how.mode = a[1];
    } else {
        how.flags = uint32_t(a[path_arg + 1]);
        how.mode = a[path_arg + 2];
    }
    uint64_t flags = how.flags;
    // What opens nothing that exists: O_PATH itself (it reads nothing; opening
    // it again comes back here), a new file (O_CREAT | O_EXCL, O_TMPFILE).
    if ((flags & O_PATH) || (flags & O_TMPFILE) == O_TMPFILE || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        return raw(nr, a);
    open_how path_how{};
    path_how.flags = O_PATH | O_CLOEXEC | (flags & PATH_FLAGS);
    path_how.resolve = how.resolve;
    uint64_t path_args[6] = {dirfd, a[path_arg], path_how.flags, 0, 0, 0};
    if (nr == SYS_openat2) {
        path_args[2] = reinterpret_cast<uint64_t>(&path_how);
        path_args[3] = sizeof(path_how);
    }
    for (int tries = 0;; tries++) {
        int64_t found = raw(nr == SYS_openat2 ? SYS_openat2 : SYS_openat, path_args);
        if (found == -ENOENT && (flags & O_CREAT)) {
            if (tries == 3) {
                // Still nothing there to find, and something there to create
                // on: a symbolic link to a missing file, created as Linux does.
                // A new file; only a path changed meanwhile could make it
                // ours, checked after the open.
                int64_t fd = raw(nr, a);
                if (fd >= 0 && is_our_memory(int(fd))) {
                    close(int(fd));
                    return -EACCES;
                }
                return fd;
            }
            // Nothing there: a new file, or what appeared meanwhile, found again.
            uint64_t b[6];
            std::copy(a, a + 6, b);
            open_how excl = how;
            if (nr == SYS_openat2) {
                excl.flags |= O_EXCL;
                b[2] = reinterpret_cast<uint64_t>(&excl);
                b[3] = sizeof(excl);
            } else if (nr == SYS_creat) {
                b[0] = uint64_t(AT_FDCWD);
                b[1] = a[0];
                b[2] = uint64_t(O_CREAT | O_EXCL | O_WRONLY | O_TRUNC);
                b[3] = a[1];
            } else {
                b[path_arg + 1] |= O_EXCL;
            }
            int64_t fd = raw(nr == SYS_creat ? SYS_openat : nr, b);
            if (fd != -EEXIST)
                return fd;
            continue;
        }
        if (found < 0)
            return found;
        int pfd = int(found);
        struct stat st;
        int64_t ret;
        if (is_our_memory(pfd)) {
            ret = -EACCES;
        } else if (fstat(pfd, &st) == 0 && S_ISLNK(st.st_mode)) {
            ret = -ELOOP; // O_NOFOLLOW on a symbolic link
        } else {
            char link[64];
            snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
            open_how again{};
            again.flags = flags & ~uint64_t(O_NOFOLLOW);
            again.mode = (flags & O_CREAT) ? how.mode : 0;
            uint64_t b[6] = {uint64_t(AT_FDCWD), reinterpret_cast<uint64_t>(link), again.flags, again.mode, 0, 0};
            if (nr == SYS_openat2) {
                b[2] = reinterpret_cast<uint64_t>(&again);
                b[3] = sizeof(again);
            }
            ret = raw(nr == SYS_openat2 ? SYS_openat2 : SYS_openat, b);
            // The lowest free number, as Linux gives: the one the O_PATH descriptor took.
            if (ret > pfd && dup3(int(ret), pfd, (flags & O_CLOEXEC) ? O_CLOEXEC : 0) == pfd) {
                close(int(ret));
                return pfd;
            }
        }
        close(pfd);
        return ret;
    }
}

// Is @fd a directory listing mcexec's descriptors (/proc/<us>/fd, /proc/<us>/task/<tid>/fd)?
bool lists_our_fds(int fd)
{
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return false;
    target[n] = 0;
    int owner = 0, tid = 0, used = 0;
    if (sscanf(target, "/proc/%d/task/%d/fd%n", &owner, &tid, &used) == 2 && !target[used])
        return owner == getpid();
    used = 0;
    if (sscanf(target, "/proc/%d/fd%n", &owner, &used) == 1 && !target[used])
        return owner == getpid() || syscall(SYS_tgkill, getpid(), owner, 0) == 0;
    return false;
}

// getdents64 of our own fd directory: mcexec's descriptors are not listed
// (the program cannot use them; it should not see them either).
int64_t getdents_call(const ForwardConfig& cfg, const uint64_t a[6])
{
    for (;;) {
        int64_t n = raw(SYS_getdents64, a);
        if (n <= 0 || !lists_our_fds(int(a[0])))
            return n;
        std::vector<char> buf(static_cast<size_t>(n));
        std::vector<char> kept;
        if (!copy_from_program(buf.data(), a[1], buf.size()))
            return -EFAULT;
        for (size_t off = 0; off + 19 < buf.size();) {
            uint16_t reclen;
            std::memcpy(&reclen, &buf[off + 16], sizeof(reclen));
            if (reclen < 20 || off + reclen > buf.size())
                return n; // not what Linux writes: leave it alone
            const char* name = &buf[off + 19];
            char* end;
            long fd = strtol(name, &end, 10);
            if (!(end != name && !*end && cfg.reserved.has(fd)))
                kept.insert(kept.end(), buf.begin() + long(off), buf.begin() + long(off + reclen));
            off += reclen;
        }
        if (kept.empty())
            continue; // only ours in this batch: the next one, or the end
        if (!copy_to_program(a[1], kept.data(), kept.size()))
            return -EFAULT;
        return int64_t(kept.size());
    }
}

bool read_program(void* dst, uint64_t src, size_t n) { return copy_from_program(dst, src, n); }

// A call whose argument structure holds pointers (policy.h, check_nested):
// Linux gets our checked copy of the structure.
int64_t nested_call(uint64_t nr, const uint64_t a[6])
{
    NestedCopy copy;
    if (int64_t e = check_nested(nr, a, read_program, &copy))
        return e;
    if (copy.arg < 0)
        return raw(nr, a);
    uint64_t b[6];
    std::copy(a, a + 6, b);
    b[copy.arg] = reinterpret_cast<uint64_t>(copy.bytes.data());
    int64_t ret = raw(nr, b);
    if (copy.write_back && ret >= 0 && !copy_to_program(a[copy.arg], copy.bytes.data(), copy.write_back))
        return -EFAULT;
    return ret;
}

// SIOCGIFCONF carries a buffer pointer inside its argument.
int64_t ioctl_call(const uint64_t a[6])
{
    if (uint32_t(a[1]) == SIOCGIFCONF) {
        ifconf ifc;
        if (!copy_from_program(&ifc, a[2], sizeof(ifc)))
            return -EFAULT;
        if (ifc.ifc_len > 0 && !range_allowed(reinterpret_cast<uint64_t>(ifc.ifc_buf), uint64_t(ifc.ifc_len)))
            return -EFAULT;
    }
    return raw(SYS_ioctl, a);
}

// prctl options that would change mcexec rather than the program.
// The parent-death signal is a thread's, as in Linux: kept per program
// thread here, since any worker may serve its calls. The worker that serves
// the set sets it in Linux too; Linux sends it to the whole of mcexec when the
// parent dies, and mcexec passes it on.
std::mutex g_pdeath_lock;
std::unordered_map<uint32_t, int> g_pdeath_signal; // by the program's tid

int64_t prctl_call(uint32_t tid, const uint64_t a[6])
{
    switch (int(a[0])) {
    case PR_SET_PDEATHSIG: {
        int64_t ret = raw(SYS_prctl, a);
        if (ret == 0) {
            std::lock_guard<std::mutex> guard(g_pdeath_lock);
            g_pdeath_signal[tid] = int(a[1]);
        }
        return ret;
    }
    case PR_GET_PDEATHSIG: {
        int sig = 0;
        {
            std::lock_guard<std::mutex> guard(g_pdeath_lock);
            auto it = g_pdeath_signal.find(tid);
            sig = it == g_pdeath_signal.end() ? 0 : it->second;
        }
        return copy_to_program(a[1], &sig, sizeof(sig)) ? 0 : -EFAULT;
    }
    case PR_SET_SECCOMP:
        return -EINVAL; // as a Linux without seccomp says
    case PR_SET_MM:
        return -EPERM;
    case PR_SET_DUMPABLE:
        // mcexec stays undumpable, so no other process can read its memory.
        return a[1] <= 1 ? 0 : -EINVAL;
    case PR_SET_SYSCALL_USER_DISPATCH:
        // It would arm the worker thread, whose next call of its own would
        // then raise SIGSYS and end mcexec; the program's calls are the
        // LWK's, which has no user dispatch.
        return -EINVAL; // as a Linux without it says
    case PR_SET_TSC:
        // The program reads the TSC on the LWK, where it stays allowed;
        // PR_TSC_SIGSEGV would make the worker fault on its own clock reads.
        return a[1] == PR_TSC_ENABLE ? 0 : -EINVAL;
    case PR_GET_TSC: {
        int enabled = PR_TSC_ENABLE;
        return copy_to_program(a[1], &enabled, sizeof(enabled)) ? 0 : -EFAULT;
    }
    case PR_GET_SPECULATION_CTRL:
    case PR_SET_SPECULATION_CTRL: {
        // The worker's controls are not the LWK CPU's (speculation.h).
        uint64_t get[6] = {PR_GET_SPECULATION_CTRL, a[1], 0, 0, 0, 0};
        if (a[0] == PR_GET_SPECULATION_CTRL && (a[2] || a[3] || a[4]))
            return -EINVAL;
        if (a[0] == PR_SET_SPECULATION_CTRL && (a[3] || a[4]))
            return -EINVAL;
        int64_t linux_says = raw(SYS_prctl, get);
        return a[0] == PR_GET_SPECULATION_CTRL ? speculation_get(linux_says) : speculation_set(linux_says);
    }
    default:
        return raw(SYS_prctl, a);
    }
}

// unshare: descriptors, working directory and semaphore undo are mcexec's,
// shared by all its workers; the program has one of each either way.
// Namespaces are a thread's in Linux: a new one would hold for the worker
// that served the call while the program's other calls ran in the old one
// (a root program's sethostname in its "own" UTS namespace, served by
// another worker, renamed the node). Refused as a Linux without namespaces
// refuses them, and as the LWK's clone refuses them for a new process.
constexpr uint64_t NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                     CLONE_NEWNET | CLONE_NEWCGROUP | 0x80 /* CLONE_NEWTIME */;

int64_t unshare_call(const uint64_t a[6])
{
    if (a[0] & NAMESPACE_FLAGS)
        return -EINVAL;
    uint64_t b[6] = {a[0] & ~uint64_t(CLONE_FILES | CLONE_FS | CLONE_SYSVSEM), 0, 0, 0, 0, 0};
    return b[0] ? raw(SYS_unshare, b) : 0;
}

// mcexec's mappings of shared files, kept until the LWK unmaps them
// (MCK_SYS_SHARED_RELEASE), and its attaches of System V shared memory, kept
// until the program detaches.
struct SharedMapping {
    uint64_t addr, len, in_file; // in_file: bytes backed by the file when mapped
    bool shm = false;
};
std::mutex g_shared_lock;
std::vector<SharedMapping> g_shared;

// Bytes of a shared mapping of @st from @off that have pages: a regular
// file's up to its end (SIGBUS past it); a device, /dev/zero above all, has
// no end: all of them.
uint64_t backed_bytes(const struct stat& st, uint64_t off, uint64_t len)
{
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        return len;
    return uint64_t(st.st_size) > off ? ((uint64_t(st.st_size) - off + 4095) & ~4095ull) : 0;
}

// McKernel maps a file MAP_SHARED: map it here (outside the program's range)
// with the protection the program asked for, so Linux checks the file's mode,
// seals and mount; mcctrl pins its pages for this very call (abi.h). Our
// mapping and the pins stay until the LWK unmaps the memory (shared_release).
// MCK_SHARED_ANON_FD (shared_anon.h): MAP_SHARED|MAP_ANONYMOUS memory instead,
// Linux's shared anonymous object; our fork children inherit it, so LWK fork
// children map the same pages.
int64_t map_shared(const ForwardConfig& cfg, uint64_t token, const uint64_t* a)
{
    bool anon = a[0] == MCK_SHARED_ANON_FD;
    int fd = anon ? -1 : int(a[0]);
    uint64_t len = a[1], prot = a[2], off = anon ? 0 : a[3];
    struct stat st {};
    if (!anon && cfg.reserved.has(fd))
        return -EBADF;
    if (!anon && fstat(fd, &st) != 0)
        return -errno;
    void* m = mmap(nullptr, len, PROT_READ | int(prot & (PROT_WRITE | PROT_EXEC)),
                   MAP_SHARED | (anon ? MAP_ANONYMOUS : 0), fd, off_t(off));
    if (m == MAP_FAILED)
        return -errno;
    if (!anon)
        mapped_file_note(view::MappedFile::Shared, reinterpret_cast<uint64_t>(m), len, off, fd);
    uint64_t in_file = anon ? len : backed_bytes(st, off, len);
    mcexec_pin_call pin{token, reinterpret_cast<uint64_t>(m), std::min(len, in_file)};
    if (ioctl(cfg.proc_fd, MCEXEC_PIN_CALL, &pin) != 0) {
        int e = errno;
        munmap(m, len);
        return -e;
    }
    std::lock_guard<std::mutex> guard(g_shared_lock);
    g_shared.push_back({reinterpret_cast<uint64_t>(m), len, std::min(len, in_file)});
    return int64_t(reinterpret_cast<uint64_t>(m));
}

// A private file mapping's contents: pread into the program's new mapping,
// checked as the program's own pread would be, and the file noted for maps.
// A noexec mount: PROT_EXEC is EPERM (after EACCES for a file open for
// writing only, as Linux checks), and the LWK learns it may never add it.
int64_t map_fill(const ForwardConfig& cfg, const uint64_t* a)
{
    uint64_t b[6] = {a[0], a[1], a[2], a[3], 0, 0};
    if (int64_t e = check_call(SYS_pread64, b, cfg.reserved))
        return e;
    struct statvfs vfs;
    bool noexec = fstatvfs(int(a[0]), &vfs) == 0 && (vfs.f_flag & ST_NOEXEC);
    if (noexec && (a[4] & PROT_EXEC)) {
        int mode = fcntl(int(a[0]), F_GETFL);
        if (mode >= 0 && (mode & O_ACCMODE) != O_WRONLY)
            return -EPERM;
    }
    int64_t got = raw(SYS_pread64, b);
    if (got >= 0)
        mapped_file_note(view::MappedFile::Private, a[1], a[2], a[3], int(a[0]));
    return got >= 0 && noexec ? int64_t(uint64_t(got) | MCK_FILL_NOEXEC) : got;
}

uint64_t whole_pages(uint64_t bytes) { return (bytes + 4095) & ~4095ull; }

// shmat, first step: the segment's size in whole pages. Linux checks the
// program may read it (as shmat does at least).
int64_t shm_size(const uint64_t* a)
{
    struct shmid_ds ds;
    if (shmctl(int(a[0]), IPC_STAT, &ds) != 0)
        return -errno;
    return int64_t(whole_pages(ds.shm_segsz));
}

// shmat: attach the segment here (anywhere outside the program's range) with
// the program's SHM_RDONLY and SHM_EXEC, so Linux checks its permissions and
// counts the attach; mcctrl pins the pages for the LWK's call (abi.h).
int64_t shm_attach(const ForwardConfig& cfg, uint64_t token, const uint64_t* a)
{
    uint64_t len = a[1];
    void* m = shmat(int(a[0]), nullptr, int(a[3] & (SHM_RDONLY | SHM_EXEC)));
    if (m == reinterpret_cast<void*>(-1))
        return -errno;
    struct shmid_ds ds;
    // Removed and made again between the LWK's two calls: not what it sized.
    if (shmctl(int(a[0]), IPC_STAT, &ds) != 0 || whole_pages(ds.shm_segsz) != len) {
        shmdt(m);
        return -EIDRM;
    }
    mcexec_pin_call pin{token, reinterpret_cast<uint64_t>(m), len};
    if (ioctl(cfg.proc_fd, MCEXEC_PIN_CALL, &pin) != 0) {
        int e = errno;
        shmdt(m);
        return -e;
    }
    std::lock_guard<std::mutex> guard(g_shared_lock);
    g_shared.push_back({reinterpret_cast<uint64_t>(m), len, len, true});
    return int64_t(reinterpret_cast<uint64_t>(m));
}

// shmdt: only at the start of one of our attaches; the pages stay pinned for
// the LWK until the process ends. Result: the attach's length.
int64_t shm_detach(const uint64_t* a)
{
    std::lock_guard<std::mutex> guard(g_shared_lock);
    auto it = std::find_if(g_shared.begin(), g_shared.end(),
                           [&](const SharedMapping& m) { return m.shm && m.addr == a[0]; });
    if (it == g_shared.end())
        return -EINVAL;
    if (shmdt(reinterpret_cast<void*>(it->addr)) != 0)
        return -errno;
    int64_t len = int64_t(it->len);
    g_shared.erase(it);
    return len;
}

// MCK_SYS_SHARED_FUTEX_WAKE (abi.h): Linux processes waiting on a word of a
// file or System V segment the program maps are in Linux's futex table, keyed
// by the object and offset; a wake through our own mapping of the word
// reaches them. The lock keeps the mapping while Linux looks at it.
int64_t shared_futex_wake(const uint64_t* a)
{
    uint64_t addr = a[0];
    int count = a[1] > uint64_t(INT_MAX) ? INT_MAX : int(a[1]);
    uint32_t bitset = uint32_t(a[2]);
    if (addr & 3)
        return -EINVAL;
    std::lock_guard<std::mutex> guard(g_shared_lock);
    if (std::none_of(g_shared.begin(), g_shared.end(),
                     [&](const SharedMapping& m) { return addr >= m.addr && addr - m.addr < m.len; }))
        return -EFAULT;
    long n = syscall(SYS_futex, addr, FUTEX_WAKE_BITSET, count, nullptr, nullptr, bitset);
    return n < 0 ? -errno : n;
}

// The LWK unmapped [addr, addr + len) of our shared mappings: mcctrl unpins
// those pages (it checks the range against the LWK's request and our view),
// and that part of our mapping goes, as the program's munmap would have made
// it go on Linux. A range that is not in one of our mappings (a System V
// attach we detached already) is only unpinned. Always 0: the LWK goes on.
int64_t shared_release(const ForwardConfig& cfg, uint64_t token, const uint64_t* a)
{
    uint64_t addr = a[0], len = a[1];
    mcexec_pin_call unpin{token, addr, len};
    if (ioctl(cfg.proc_fd, MCEXEC_UNPIN_CALL, &unpin) != 0)
        return 0; // still pinned: it all goes when the program ends
    std::lock_guard<std::mutex> guard(g_shared_lock);
    auto it = std::find_if(g_shared.begin(), g_shared.end(), [&](const SharedMapping& m) {
        return !m.shm && addr >= m.addr && len <= m.len && addr - m.addr <= m.len - len;
    });
    if (it == g_shared.end() || munmap(reinterpret_cast<void*>(addr), len) != 0)
        return 0;
    // What is left of the mapping: a head, a tail, both or nothing.
    SharedMapping m = *it;
    g_shared.erase(it);
    uint64_t end = addr + len, m_end = m.addr + m.len, file_end = m.addr + m.in_file;
    if (addr > m.addr)
        g_shared.push_back({m.addr, addr - m.addr, std::min(addr, file_end) - m.addr});
    if (end < m_end)
        g_shared.push_back({end, m_end - end, file_end > end ? file_end - end : 0});
    return 0;
}

// [addr, addr + len) lies in one of our shared mappings: the bytes of it the
// file backs (those mcctrl may pin), or -EINVAL.
int64_t pinnable_bytes(uint64_t addr, uint64_t len)
{
    std::lock_guard<std::mutex> guard(g_shared_lock);
    auto it = std::find_if(g_shared.begin(), g_shared.end(), [&](const SharedMapping& m) {
        return addr >= m.addr && len <= m.len && addr - m.addr <= m.len - len;
    });
    if (it == g_shared.end())
        return -EINVAL;
    uint64_t file_end = it->addr + it->in_file;
    return int64_t(addr >= file_end ? 0 : std::min(len, file_end - addr));
}

// mprotect adds PROT_WRITE to [addr, addr + len) of one of our shared mappings:
// Linux decides whether the file may be written through it (EACCES when it
// was opened read-only), then mcctrl pins the pages again for writing.
int64_t shared_writable(const ForwardConfig& cfg, uint64_t token, const uint64_t* a)
{
    uint64_t addr = a[0], len = a[1];
    int64_t pin_len = pinnable_bytes(addr, len);
    if (pin_len < 0)
        return pin_len;
    if (mprotect(reinterpret_cast<void*>(addr), len, PROT_READ | PROT_WRITE) != 0)
        return -errno;
    mcexec_pin_call pin{token, addr, uint64_t(pin_len)};
    return ioctl(cfg.proc_fd, MCEXEC_PIN_CALL, &pin) == 0 ? 0 : -errno;
}

// A fork child maps the parent's shared mapping at [addr, addr + len) again:
// from our copy of mcexec's mapping (fork kept it), pinned for this process.
int64_t shared_adopt(const ForwardConfig& cfg, uint64_t token, const uint64_t* a)
{
    uint64_t addr = a[0], len = a[1];
    int64_t pin_len = pinnable_bytes(addr, len);
    if (pin_len < 0)
        return pin_len;
    mcexec_pin_call pin{token, addr, uint64_t(pin_len)};
    return ioctl(cfg.proc_fd, MCEXEC_PIN_CALL, &pin) == 0 ? 0 : -errno;
}

// Bytes of the new shared mapping [m, m + len) the object backs: Linux's pages
// are a prefix of it (a file up to its end, shared anonymous memory up to its
// size), found by asking Linux to read single pages in (MADV_POPULATE_READ,
// which fails past the end instead of raising SIGBUS). @fallback where Linux
// has no MADV_POPULATE_READ (before 5.14).
uint64_t backed_prefix(uint64_t m, uint64_t len, uint64_t fallback)
{
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
    int unknown = 0;
    auto backed = [&](uint64_t page) {
        if (madvise(reinterpret_cast<void*>(m + page * 4096), 4096, MADV_POPULATE_READ) == 0)
            return true;
        unknown |= errno == EINVAL;
        return false;
    };
    uint64_t lo = 0, hi = len / 4096; // pages [0, lo) backed, [hi, end) not
    while (lo < hi && !unknown) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (backed(mid))
            lo = mid + 1;
        else
            hi = mid;
    }
    return unknown ? std::min(len, fallback) : lo * 4096;
}

// mremap grows or moves the program's shared mapping: a second mapping here of
// what our mapping at a[0] maps, a[1] bytes from there (Linux's mremap of old
// size 0 makes it, with the same file, offset and protection), pinned for this
// call. Our old mapping goes when the LWK releases it, as after a munmap.
int64_t shared_remap(const ForwardConfig& cfg, uint64_t token, const uint64_t* a)
{
    uint64_t addr = a[0], len = a[1], old_len = a[3];
    SharedMapping from;
    {
        std::lock_guard<std::mutex> guard(g_shared_lock);
        auto it = std::find_if(g_shared.begin(), g_shared.end(),
                               [&](const SharedMapping& m) { return !m.shm && addr >= m.addr && addr - m.addr < m.len; });
        if (it == g_shared.end())
            return -EINVAL;
        // The LWK's range must be one mapping here too: two mappings side by
        // side are two for Linux's mremap (EFAULT).
        if (old_len > it->len - (addr - it->addr))
            return -EFAULT;
        from = *it;
    }
    void* m = mremap(reinterpret_cast<void*>(addr), 0, len, MREMAP_MAYMOVE);
    if (m == MAP_FAILED)
        return -errno;
    uint64_t at = reinterpret_cast<uint64_t>(m);
    uint64_t was_backed = from.in_file > addr - from.addr ? from.in_file - (addr - from.addr) : 0;
    uint64_t in_file = backed_prefix(at, len, was_backed);
    mapped_file_copy(view::MappedFile::Shared, addr, at, len);
    mcexec_pin_call pin{token, at, in_file};
    if (ioctl(cfg.proc_fd, MCEXEC_PIN_CALL, &pin) != 0) {
        int e = errno;
        munmap(m, len);
        return -e;
    }
    std::lock_guard<std::mutex> guard(g_shared_lock);
    g_shared.push_back({at, len, in_file});
    return int64_t(at);
}

// Whether @fd is an eventfd: what the LWK takes for a signalfd may have been
// closed and its number reused behind its back.
bool is_eventfd(const ForwardConfig& cfg, int64_t fd)
{
    if (fd < 0 || fd > INT32_MAX || cfg.reserved.has(int(fd)))
        return false;
    char link[64], target[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", int(fd));
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n < 0)
        return false;
    target[n] = 0;
    return strcmp(target, "anon_inode:[eventfd]") == 0;
}

// A signalfd of the program's is an eventfd here (mckernel/kernel/signalfd.h):
// make it readable (a[1]) or not. Never blocks: the count is read without
// waiting (RWF_NOWAIT; before Linux 5.11, only after poll saw it readable),
// and written only when poll found it 0 (the program cannot write to it: the
// LWK answers EINVAL).
int64_t signalfd_ready(const ForwardConfig& cfg, const uint64_t* a)
{
    int fd = int(a[0]);
    if (!is_eventfd(cfg, int64_t(a[0])))
        return -EINVAL;
    struct pollfd pfd {fd, POLLIN, 0};
    bool readable = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
    uint64_t v = 1;
    if (a[1] && !readable)
        return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -errno;
    if (!a[1] && readable) {
        struct iovec iov {&v, sizeof(v)};
        ssize_t got = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
        if (got < 0 && errno == EOPNOTSUPP)
            got = read(fd, &v, sizeof(v));
        return got == sizeof(v) || (got < 0 && errno == EAGAIN) ? 0 : -errno;
    }
    return 0;
}

// A fork child's signalfd at a[0]: an eventfd of its own there, with the same
// flags, or a copy of the one at a[1] (renewed already).
int64_t signalfd_renew(const ForwardConfig& cfg, const uint64_t* a)
{
    int fd = int(a[0]), like = int(int64_t(a[1]));
    if (!is_eventfd(cfg, int64_t(a[0])) || (int64_t(a[1]) >= 0 && !is_eventfd(cfg, int64_t(a[1]))))
        return -EINVAL;
    int fdflags = fcntl(fd, F_GETFD), flflags = fcntl(fd, F_GETFL);
    if (fdflags < 0 || flflags < 0)
        return -errno;
    int made = like >= 0 ? like : eventfd(0, (flflags & O_NONBLOCK) ? EFD_NONBLOCK : 0);
    if (made < 0)
        return -errno;
    int ret = dup3(made, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0 ? -errno : 0;
    if (like < 0)
        close(made);
    return ret;
}

// MCK_SYS_STOP: the program stopped on the LWK; stop mcexec with the same
// signal, so that Linux's parent sees it stopped by that one. The signal goes
// to this worker alone, with the default action and unblocked here only (the
// main thread takes the process's stop signals and forwards them), so it
// stops every thread of mcexec before tgkill returns; the answer goes back
// once SIGCONT continued us. Nothing the LWK needs is held meanwhile: the
// program's calls in flight stay with the workers serving them, and the
// stopped LWK thread waits for this answer only.
int64_t stop_call(uint64_t sig)
{
    if (sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
        return -EINVAL;
    struct sigaction dfl {}, old_action;
    dfl.sa_handler = SIG_DFL;
    sigaction(int(sig), &dfl, &old_action); // one inherited as ignored would not stop us
    sigset_t one, old_mask;
    sigemptyset(&one);
    sigaddset(&one, int(sig));
    pthread_sigmask(SIG_UNBLOCK, &one, &old_mask);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), int(sig));
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    sigaction(int(sig), &old_action, nullptr);
    return 0;
}

// MCK_SYS_CHILD_REAP: the program's SIGCHLD action now has its children
// reaped as they end, or no longer: mcexec's own action says so to Linux,
// whose children they are. The handler stays the default (the main thread
// takes SIGCHLD with sigwaitinfo and passes it on, MCK_CHILD_REAP_NOWAIT) or
// is SIG_IGN (no SIGCHLD at all), both of which survive mcexec's execve of
// itself as the program's action survives its exec (SA_NOCLDWAIT does not,
// on either side).
// Changes from two program threads may reach two workers in either order:
// the newest (@seq) wins.
std::mutex g_reap_lock;
uint64_t g_reap_applied; // the @seq of the change mcexec's action has; a forked mcexec's too
int64_t child_reap_call(uint64_t mode, uint64_t seq)
{
    struct sigaction sa {};
    switch (mode) {
    case MCK_CHILD_REAP_WAIT: sa.sa_handler = SIG_DFL; break;
    case MCK_CHILD_REAP_IGNORE: sa.sa_handler = SIG_IGN; break;
    case MCK_CHILD_REAP_NOWAIT: sa.sa_handler = SIG_DFL; sa.sa_flags = SA_NOCLDWAIT; break;
    default: return -EINVAL;
    }
    std::lock_guard<std::mutex> guard(g_reap_lock);
    if (seq <= g_reap_applied)
        return 0; // a later change is already in place
    if (sigaction(SIGCHLD, &sa, nullptr) != 0)
        return -errno;
    g_reap_applied = seq;
    return 0;
}

} // namespace

void forward_after_fork()
{
    // Another thread may have held it when the parent forked; the mappings themselves are ours too.
    new (&g_shared_lock) std::mutex;
    new (&g_pdeath_lock) std::mutex;
    new (&g_reap_lock) std::mutex;
    g_pdeath_signal.clear(); // as Linux clears it in a fork child
    program_limits_after_fork();
    credentials_after_fork();
    sched_attrs_after_fork();
    mapped_files_after_fork();
}

int64_t forward_call(const ForwardConfig& cfg, uint64_t token, uint32_t tid, uint64_t nr, const uint64_t a[6],
                     const ExecKeeps& keeps)
{
    if (nr == MCK_SYS_MAP_SHARED)
        return map_shared(cfg, token, a);
    if (nr == MCK_SYS_SHARED_WRITABLE)
        return shared_writable(cfg, token, a);
    if (nr == MCK_SYS_SHARED_ADOPT)
        return shared_adopt(cfg, token, a);
    if (nr == MCK_SYS_SHARED_RELEASE)
        return shared_release(cfg, token, a);
    if (nr == MCK_SYS_SHARED_REMAP)
        return shared_remap(cfg, token, a);
    if (nr == MCK_SYS_SHARED_FUTEX_WAKE)
        return shared_futex_wake(a);
    if (nr == MCK_SYS_SIGNALFD_READY)
        return signalfd_ready(cfg, a);
    if (nr == MCK_SYS_SIGNALFD_RENEW)
        return signalfd_renew(cfg, a);
    if (nr == MCK_SYS_SHM_SIZE)
        return shm_size(a);
    if (nr == MCK_SYS_SHM_ATTACH)
        return shm_attach(cfg, token, a);
    if (nr == MCK_SYS_SHM_DETACH)
        return shm_detach(a);
    if (nr == MCK_SYS_RLIMIT)
        return program_limits_change(a);
    if (nr == MCK_SYS_MAP_FILL)
        return map_fill(cfg, a);
    if (nr == MCK_SYS_MLOCK_CHECK)
        return mlock_check(a[0]);
    if (nr == MCK_SYS_PROC_FILE)
        return cfg.view ? cfg.view->proc_file(tid, a) : -EINVAL; // only the view sends opens back for it
    if (nr == MCK_SYS_FORK)
        return fork_call(a[0]);
    if (nr == MCK_SYS_STOP)
        return stop_call(a[0]);
    if (nr == MCK_SYS_CHILD_REAP)
        return child_reap_call(a[0], a[1]);
    if (nr == SYS_execve || nr == SYS_execveat)
        return exec_call(cfg.reserved, nr, a, keeps, cfg.view ? cfg.view->program() : std::string());
    if (nr == SYS_close_range)
        return close_range_of_program(a, cfg.reserved);
    if (std::optional<int64_t> r = wait_call(nr, a))
        return *r;
    if (int64_t e = check_call(nr, a, cfg.reserved))
        return e;
    if (std::optional<int64_t> r = credentials_call(nr, a, tid))
        return *r;
    if (std::optional<int64_t> r = sched_attrs_call(nr, a, tid))
        return *r;
    if (cfg.view)
        if (std::optional<int64_t> r = cfg.view->redirect(nr, a))
            return *r; // a file of the LWK's view of the machine
    switch (nr) {
    case SYS_readv:
    case SYS_writev:
    case SYS_preadv:
    case SYS_pwritev:
    case SYS_preadv2:
    case SYS_pwritev2:
    case SYS_vmsplice:
        return with_iov(nr, a, 1);
    case SYS_process_vm_readv:
    case SYS_process_vm_writev:
        return process_vm(nr, a);
    case SYS_sched_setaffinity:
    case SYS_sched_getaffinity:
        // McKernel answers for the program's threads; one of mcexec's
        // workers is no thread of the program's (it would move mcexec).
        if (pid_t(a[0]) != getpid() && pid_t(a[0]) > 0 && syscall(SYS_tgkill, getpid(), pid_t(a[0]), 0) == 0)
            return -ESRCH;
        return raw(nr, a);
    case SYS_sendmsg:
    case SYS_recvmsg:
        return one_message(nr, a, cfg.reserved);
    case SYS_sendmmsg:
    case SYS_recvmmsg:
        return many_messages(nr, a, cfg.reserved);
    case SYS_readlink:
    case SYS_readlinkat:
        return readlink_call(cfg, nr, a);
    case SYS_open:
    case SYS_creat:
    case SYS_openat:
    case SYS_openat2:
        return open_call(nr, a);
    case SYS_ioctl:
        return ioctl_call(a);
    case SYS_getdents64:
        return getdents_call(cfg, a);
    case SYS_prctl:
        return prctl_call(tid, a);
    case SYS_unshare:
        return unshare_call(a);
    case SYS_setns:
        return -EINVAL; // joining a namespace: one worker's too (unshare_call)
    case SYS_getrlimit:
    case SYS_setrlimit:
    case SYS_prlimit64:
        if (std::optional<int64_t> r = nofile_call(nr, a))
            return *r;
        return raw(nr, a);
    case SYS_ptrace:
        return -EPERM; // a tracer's buffers would be mcexec's memory
    default:
        return nested_call(nr, a);
    }
}

} // namespace mcexec
