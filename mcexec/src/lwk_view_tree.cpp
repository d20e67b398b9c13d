// SPDX-License-Identifier: GPL-2.0
// The LWK's view of the machine at run time (lwk_view_tree.h).
#include "lwk_view_tree.h"

#include "loader.h"
#include "mapped_files.h"
#include "program_limits.h"
#include "user_memory.h"

#include <mcexec/abi.h>

#include <ihk/device.h>
#include <ihk/unique_fd.h>

#include <cpuid.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace mcexec {
namespace {

std::string read_text(const std::string& path)
{
    ihk::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::string out;
    if (fd.get() < 0)
        return out;
    char buf[8192];
    ssize_t n;
    while ((n = read(fd.get(), buf, sizeof(buf))) > 0)
        out.append(buf, size_t(n));
    return out;
}

bool write_all(int fd, const std::string& s)
{
    size_t done = 0;
    while (done < s.size()) {
        ssize_t n = write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += size_t(n);
    }
    return true;
}

// How this machine's APIC ids split into thread, core and package (the LWK's
// CPUs are the same model as Linux's; CPUID leaf 0xB, else AMD's 0x80000008).
view::ApicLayout apic_layout()
{
    unsigned a, b, c, d;
    view::ApicLayout l;
    if (__get_cpuid_max(0, nullptr) >= 0xB) {
        __cpuid_count(0xB, 0, a, b, c, d);
        if (b && ((c >> 8) & 0xff) == 1) {
            l.smt_bits = a & 0x1f;
            __cpuid_count(0xB, 1, a, b, c, d);
            l.pkg_bits = b && ((c >> 8) & 0xff) == 2 ? (a & 0x1f) : l.smt_bits;
            return l;
        }
    }
    if (__get_cpuid_max(0x80000000, nullptr) >= 0x80000008) {
        __cpuid(0x80000008, a, b, c, d);
        unsigned bits = (c >> 12) & 0xf, cores = (c & 0xff) + 1;
        while (!((c >> 12) & 0xf) && cores > (1u << bits))
            bits++;
        l.pkg_bits = bits;
        return l;
    }
    __cpuid(1, a, b, c, d);
    unsigned logical = (b >> 16) & 0xff;
    while (logical > (1u << l.pkg_bits))
        l.pkg_bits++;
    return l;
}

int remove_entry(const char* path, const struct stat*, int type, FTW*)
{
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

int make_writable(const char* path, const struct stat*, int type, FTW*)
{
    if (type == FTW_D)
        chmod(path, 0700);
    return 0;
}

void remove_tree(const std::string& root)
{
    nftw(root.c_str(), make_writable, 16, FTW_PHYS);
    nftw(root.c_str(), remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

// Trees of mcexecs that are gone (their cleaner was killed too): ours to remove.
void remove_stale(const std::string& base)
{
    DIR* d = opendir(base.c_str());
    if (!d)
        return;
    while (dirent* e = readdir(d)) {
        int pid = 0, used = 0;
        if (sscanf(e->d_name, "mcexec-view.%d.%n", &pid, &used) != 1 || !used || pid <= 0)
            continue;
        std::string path = base + "/" + e->d_name;
        struct stat st;
        if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
            continue;
        if (kill(pid, 0) != 0 && errno == ESRCH)
            remove_tree(path);
    }
    closedir(d);
}

// A process outside mcexec's session that removes @root once mcexec (@pid) has
// ended; the first child, which starts it, is reaped before this returns.
bool fork_cleaner(const std::string& root, pid_t pid)
{
    pid_t child = fork();
    if (child < 0)
        return false;
    if (child == 0) {
        if (fork() != 0)
            _exit(0);
        setsid(); // no terminal signals, not in mcexec's process group
        int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
        int keep = pidfd >= 0 ? pidfd : 0;
        if (keep > 0)
            syscall(SYS_close_range, 0u, unsigned(keep - 1), 0u);
        syscall(SYS_close_range, unsigned(keep + 1), ~0u, 0u);
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            while (poll(&p, 1, -1) < 0 && errno == EINTR) {
            }
        }
        remove_tree(root);
        _exit(0);
    }
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return true;
}

// Its SIGCHLD is mcexec's own: if a launcher left SIGCHLD blocked, it would
// stay pending and be passed on to the program as if a child of its own ended.
bool start_cleaner(const std::string& root, pid_t pid)
{
    sigset_t chld, old_mask, pending;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, &old_mask);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGCHLD);
    bool started = fork_cleaner(root, pid);
    timespec now{0, 0};
    if (!was_pending)
        while (sigtimedwait(&chld, nullptr, &now) < 0 && errno == EINTR) {
        }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return started;
}

bool write_entries(const std::string& root, const std::vector<view::Entry>& entries, std::string* error)
{
    for (const view::Entry& e : entries) {
        std::string path = root + "/" + e.path;
        bool ok = true;
        switch (e.kind) {
        case view::Entry::Dir:
            ok = mkdir(path.c_str(), 0700) == 0 || errno == EEXIST;
            break;
        case view::Entry::Link:
            ok = symlink(e.content.c_str(), path.c_str()) == 0;
            break;
        case view::Entry::File: {
            ihk::UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444));
            ok = fd.get() >= 0 && write_all(fd.get(), e.content);
            break;
        }
        }
        if (!ok) {
            *error = path + ": " + strerror(errno);
            return false;
        }
    }
    return true;
}

// Directories read-only once written (deepest first, so each is still writable while its children change).
void seal(const std::string& root, const std::vector<view::Entry>& entries)
{
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (it->kind == view::Entry::Dir)
            chmod((root + "/" + it->path).c_str(), 0555);
}

void unseal(const std::string& root, const std::vector<view::Entry>& entries)
{
    for (const view::Entry& e : entries)
        if (e.kind == view::Entry::Dir)
            chmod((root + "/" + e.path).c_str(), 0755);
}

constexpr uint64_t WRITE_FLAGS = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;

enum class Op { Open, Stat, Access, Readlink };

// Where the path of call @nr is and what the call does with it.
struct PathCall {
    Op op;
    int path_arg;
    int dirfd_arg = -1;   // -1: relative to the working directory
    uint64_t flags = 0;   // open flags
    bool nofollow = false;
};

std::optional<PathCall> path_call(uint64_t nr, const uint64_t a[6])
{
    switch (nr) {
    case SYS_open:
        return PathCall{Op::Open, 0, -1, a[1]};
    case SYS_creat:
        return PathCall{Op::Open, 0, -1, O_CREAT | O_WRONLY | O_TRUNC};
    case SYS_openat:
        return PathCall{Op::Open, 1, 0, a[2]};
    case SYS_openat2: {
        uint64_t flags = 0;
        if (a[3] < sizeof(flags) || !copy_from_program(&flags, a[2], sizeof(flags)))
            return std::nullopt; // Linux says what is wrong
        return PathCall{Op::Open, 1, 0, flags};
    }
    case SYS_stat:
        return PathCall{Op::Stat, 0};
    case SYS_lstat:
        return PathCall{Op::Stat, 0, -1, 0, true};
    case SYS_newfstatat:
        return PathCall{Op::Stat, 1, 0, 0, (a[3] & AT_SYMLINK_NOFOLLOW) != 0};
    case SYS_statx:
        return PathCall{Op::Stat, 1, 0, 0, (a[2] & AT_SYMLINK_NOFOLLOW) != 0};
    case SYS_access:
        return PathCall{Op::Access, 0};
    case SYS_faccessat:
        return PathCall{Op::Access, 1, 0};
    case SYS_faccessat2:
        return PathCall{Op::Access, 1, 0, 0, (a[3] & AT_SYMLINK_NOFOLLOW) != 0};
    case SYS_readlink:
        return PathCall{Op::Readlink, 0};
    case SYS_readlinkat:
        return PathCall{Op::Readlink, 1, 0};
    default:
        return std::nullopt;
    }
}

// The directory a relative path starts from: the working directory or @dirfd's.
std::optional<std::string> base_of(int dirfd)
{
    char buf[PATH_MAX];
    if (dirfd == AT_FDCWD) {
        if (!getcwd(buf, sizeof(buf)))
            return std::nullopt;
        return std::string(buf);
    }
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, buf, sizeof(buf) - 1);
    if (n <= 0 || buf[0] != '/')
        return std::nullopt;
    return std::string(buf, size_t(n));
}

int64_t raw_with_path(uint64_t nr, const uint64_t a[6], const PathCall& pc, const std::string& path)
{
    uint64_t b[6];
    std::copy(a, a + 6, b);
    b[pc.path_arg] = reinterpret_cast<uint64_t>(path.c_str());
    if (pc.dirfd_arg >= 0)
        b[pc.dirfd_arg] = uint64_t(int64_t(AT_FDCWD));
    long r = syscall(long(nr), b[0], b[1], b[2], b[3], b[4], b[5]);
    return r == -1 ? -errno : r;
}

// A read-only descriptor on @content (a memfd opened again read-only).
int64_t open_content(const std::string& content, uint64_t flags)
{
    ihk::UniqueFd mem(int(syscall(SYS_memfd_create, "lwk-view", MFD_CLOEXEC)));
    if (mem.get() < 0)
        return -errno;
    if (!write_all(mem.get(), content))
        return -EIO;
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", mem.get());
    int fd = open(link, O_RDONLY | int(flags & (O_CLOEXEC | O_NONBLOCK | O_NOATIME)));
    return fd < 0 ? -errno : fd;
}

} // namespace

std::unique_ptr<LwkView> LwkView::create(ihk::Os& os, uint32_t cpu_first, uint32_t cpu_count, uint64_t mem_limit,
                                         std::string* error)
{
    auto cpus = os.query_cpus();
    auto mem = os.query_mem();
    if (!cpus || !mem) {
        *error = "cannot query the instance: " + (!cpus ? cpus.error().message : mem.error().message);
        return nullptr;
    }
    std::vector<view::InstanceCpu> icpus;
    for (const ihk::CpuInfo& c : *cpus)
        icpus.push_back(view::InstanceCpu{c.cpu, c.hw_id, c.numa_node});
    std::vector<view::InstanceMem> imem;
    for (const ihk::MemExtent& m : *mem)
        imem.push_back(view::InstanceMem{m.size, m.numa_node});

    std::unique_ptr<LwkView> v(new LwkView);
    v->m_pid = getpid();
    v->m_share = view::make_share(icpus, imem, cpu_first, cpu_count, mem_limit);
    if (v->m_share.cpus.empty()) {
        *error = "the share has no CPUs";
        return nullptr;
    }
    view::LinuxTexts t;
    t.cpuinfo = read_text("/proc/cpuinfo");
    t.meminfo = read_text("/proc/meminfo");
    t.stat = read_text("/proc/stat");
    t.node_online = read_text("/sys/devices/system/node/online");
    char *end, *at = t.node_online.data();
    for (;;) {
        // Each online node's distance row, in the order of the list.
        long a = strtol(at, &end, 10), b = a;
        if (end == at)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        for (long k = a; k <= b && k - a < 4096; k++)
            t.distance.push_back(read_text("/sys/devices/system/node/node" + std::to_string(k) + "/distance"));
        if (*end != ',')
            break;
        at = end + 1;
    }
    std::vector<view::Entry> entries = view::machine_entries(v->m_share, apic_layout(), t);
    std::vector<view::Entry> self = view::program_entries({}, {}, {});
    entries.insert(entries.end(), self.begin(), self.end());

    std::string base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    remove_stale(base);
    std::string tmpl = base + "/mcexec-view." + std::to_string(v->m_pid) + ".XXXXXX";
    if (!mkdtemp(tmpl.data())) {
        *error = base + ": cannot make a directory: " + strerror(errno);
        return nullptr;
    }
    v->m_root = tmpl;
    if (!start_cleaner(v->m_root, v->m_pid)) {
        *error = std::string("cannot start the cleaner: ") + strerror(errno);
        remove_tree(v->m_root);
        return nullptr;
    }
    if (!write_entries(v->m_root, entries, error))
        return nullptr; // the cleaner removes what was written
    seal(v->m_root, entries);
    return v;
}

namespace {

// The parts of @path mcexec maps for the program (as main.cpp places them:
// the program at MCK_PIE_BASE if PIE, its loader at MCK_INTERP_BASE), for
// their names in /proc/self/maps.
std::vector<view::MappedFile> mapped_files(const std::string& path)
{
    std::vector<view::MappedFile> out;
    std::string file = path;
    uint64_t base = MCK_PIE_BASE;
    for (int i = 0; i < 2 && !file.empty(); i++) {
        ElfImage im;
        LoadError err;
        if (!load_elf(file, base, &im, &err))
            break;
        struct stat st {};
        if (fstat(im.fd, &st) != 0)
            st = {};
        close(im.fd);
        // Linux names the file by its path with no symbolic links (/lib64/ld-linux... is one).
        char* real = realpath(im.path.c_str(), nullptr);
        std::string name = real ? real : im.path;
        free(real);
        for (const Segment& seg : im.segments) {
            uint64_t start = seg.vaddr & ~4095ull;
            uint64_t end = (seg.vaddr + seg.filesz + 4095) & ~4095ull;
            if (seg.filesz && end > start)
                out.push_back(view::MappedFile{start, end, seg.offset & ~4095ull, uint64_t(st.st_dev),
                                               uint64_t(st.st_ino), name});
        }
        file = im.interp;
        base = MCK_INTERP_BASE;
    }
    return out;
}

} // namespace

bool LwkView::set_program(const std::string& path, const std::vector<std::string>& args,
                          const std::vector<std::string>& env)
{
    m_program = path;
    m_comm = view::comm_of(path);
    m_files = mapped_files(path);
    std::vector<view::Entry> self = view::program_entries(args, env, m_comm);
    unseal(m_root, self);
    std::string error;
    std::vector<view::Entry> files;
    for (const view::Entry& e : self)
        if (e.kind == view::Entry::File)
            files.push_back(e);
    for (const view::Entry& e : files)
        unlink((m_root + "/" + e.path).c_str());
    bool ok = write_entries(m_root, files, &error);
    seal(m_root, self);
    return ok;
}

namespace {

// The program name another mcexec (@pid) shows in its view, a sibling of
// ours (@root); "" if it has none.
std::string comm_of_other(const std::string& root, uint32_t pid)
{
    std::string base = root.substr(0, root.rfind('/'));
    std::string prefix = "mcexec-view." + std::to_string(pid) + ".";
    DIR* d = opendir(base.c_str());
    if (!d)
        return {};
    std::string comm;
    while (dirent* e = readdir(d)) {
        if (std::string_view(e->d_name).substr(0, prefix.size()) != prefix)
            continue;
        comm = read_text(base + "/" + e->d_name + "/proc/self/comm");
        break;
    }
    closedir(d);
    while (!comm.empty() && comm.back() == '\n')
        comm.pop_back();
    return comm.empty() ? "mcexec" : comm;
}

} // namespace

// An offloaded call's path, resolved: where it goes and how it got there.
struct LwkView::Resolved {
    PathCall pc;
    std::string norm;   // absolute, normalized
    std::string slash;  // "/" if the program's path ended with one
    bool from_tree = false; // relative to a directory of the view
    view::Target target;
};

std::optional<LwkView::Resolved> LwkView::resolve(uint64_t nr, const uint64_t a[6]) const
{
    std::optional<PathCall> pc = path_call(nr, a);
    if (!pc)
        return std::nullopt;
    std::string path;
    if (copy_string_from_program(&path, a[pc->path_arg], PATH_MAX) != 0 || path.empty())
        return std::nullopt; // Linux gives the error
    Resolved r{*pc, {}, {}, false, {}};
    std::string full;
    if (path[0] == '/') {
        full = path;
    } else {
        std::optional<std::string> base = base_of(pc->dirfd_arg < 0 ? AT_FDCWD : int(int32_t(a[pc->dirfd_arg])));
        if (!base)
            return std::nullopt;
        if (*base == m_root || base->compare(0, m_root.size() + 1, m_root + "/") == 0) {
            r.from_tree = true;
            *base = base->size() == m_root.size() ? "/" : base->substr(m_root.size());
        }
        full = *base + "/" + path;
    }
    r.norm = view::normalize(full);
    r.slash = path.back() == '/' && r.norm != "/" ? "/" : "";
    r.target = view::map_path(r.norm, getpid()); // a forked mcexec's own /proc/<pid>
    return r;
}

std::optional<int64_t> LwkView::redirect(uint64_t nr, const uint64_t a[6]) const
{
    if (nr == SYS_sysinfo) {
        struct sysinfo linux_info, info;
        if (sysinfo(&linux_info) != 0)
            return -errno;
        info = view::lwk_sysinfo(linux_info, m_share.mem_total());
        return copy_to_program(a[0], &info, sizeof(info)) ? 0 : -EFAULT;
    }
    std::optional<Resolved> r = resolve(nr, a);
    if (!r)
        return std::nullopt;
    const PathCall& pc = r->pc;
    const view::Target& t = r->target;
    bool writes = pc.op == Op::Open && (pc.flags & WRITE_FLAGS);
    switch (t.kind) {
    case view::Redirect::None:
        if (!r->from_tree)
            return std::nullopt;
        // ".." out of a directory of the view: Linux's file of that name, but
        // never mcexec's own /proc (its mem, its descriptors).
        if (r->norm == "/proc" || r->norm.compare(0, 6, "/proc/") == 0)
            return -EACCES;
        return raw_with_path(nr, a, pc, r->norm + r->slash);
    case view::Redirect::Tree:
        if (writes)
            return -EACCES;
        return raw_with_path(nr, a, pc, m_root + "/" + t.rel + r->slash);
    case view::Redirect::Meminfo:
        if (writes)
            return -EACCES;
        if (pc.op == Op::Open && r->slash.empty())
            return -int64_t(MCK_PROC_FILE_RETRY); // McKernel sends a snapshot: what is free
        return raw_with_path(nr, a, pc, m_root + "/" + t.rel + r->slash);
    case view::Redirect::Limits: {
        if (pc.op != Op::Open)
            return std::nullopt; // stat(2) of it: Linux's file is as good
        if (writes)
            return -EACCES;
        if (!r->slash.empty())
            return -ENOTDIR;
        mck_rlimit program[MCK_RLIMITS];
        program_limits_to(program);
        return open_content(view::limits(read_text("/proc/self/limits"), program), pc.flags);
    }
    case view::Redirect::TaskDir:
        if (pc.op != Op::Open)
            return std::nullopt; // stat(2) of it: Linux's directory is as good
        if (writes)
            return -EISDIR;
        return -int64_t(MCK_PROC_FILE_RETRY); // McKernel sends a snapshot: its thread ids
    case view::Redirect::Status:
    case view::Redirect::Maps:
    case view::Redirect::Stat:
    case view::Redirect::Statm:
        if (writes)
            return -EACCES;
        if (t.pid && pc.op != Op::Open)
            return std::nullopt; // another process's: Linux's, unless McKernel knows it
        if (pc.op == Op::Open && !r->slash.empty())
            return -ENOTDIR;
        if (pc.op == Op::Open)
            return -int64_t(MCK_PROC_FILE_RETRY + t.pid); // McKernel sends a snapshot (proc_file)
        return raw_with_path(nr, a, pc, m_root + "/" + t.rel + r->slash);
    case view::Redirect::Exe:
        if (m_program.empty() || pc.nofollow)
            return std::nullopt;
        if (pc.op == Op::Readlink) {
            uint64_t buf = a[pc.path_arg + 1];
            int64_t size = int64_t(a[pc.path_arg + 2]);
            if (size <= 0)
                return -EINVAL;
            size_t n = std::min<size_t>(m_program.size(), size_t(size));
            return copy_to_program(buf, m_program.data(), n) ? int64_t(n) : -EFAULT;
        }
        return raw_with_path(nr, a, pc, m_program);
    }
    return std::nullopt;
}

// /proc/self/task: a directory of the view with one empty directory per
// thread of the snapshot, brought up to date at each open (a thread's files
// are found by their /proc path, which McKernel answers), then opened. One
// per mcexec: a forked mcexec keeps its parent's view directory.
int64_t LwkView::open_task_dir(const view::Snapshot& snap, uint64_t flags) const
{
    std::string dir = m_root + "/task." + std::to_string(getpid());
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return -errno;
    std::set<std::string> want;
    for (const mck_snap_thread& t : snap.threads)
        want.insert(std::to_string(t.tid));
    if (DIR* d = opendir(dir.c_str())) {
        while (struct dirent* e = readdir(d))
            if (e->d_name[0] != '.' && !want.count(e->d_name))
                rmdir((dir + "/" + e->d_name).c_str()); // a thread that ended
        closedir(d);
    }
    for (const std::string& tid : want)
        if (mkdir((dir + "/" + tid).c_str(), 0555) != 0 && errno != EEXIST)
            return -errno;
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | int(flags & (O_CLOEXEC | O_NONBLOCK | O_NOATIME)));
    return fd < 0 ? -errno : fd;
}

int64_t LwkView::proc_file(uint32_t tid, const uint64_t a[6]) const
{
    constexpr uint64_t MAX_SNAPSHOT = 64ull << 20; // far more than MCK_MAX_THREADS and MCK_SNAPSHOT_MAX_VMAS take
    uint64_t addr = a[0], len = a[1], nr = a[2];
    if (nr != SYS_open && nr != SYS_openat && nr != SYS_openat2)
        return -EINVAL;
    uint64_t open_args[6] = {a[3], a[4], a[5], 0, 0, 0};
    if (nr == SYS_openat2)
        open_args[3] = sizeof(uint64_t); // path_call reads only the flags of struct open_how
    std::optional<Resolved> r = resolve(nr, open_args);
    if (!r || r->pc.op != Op::Open || (r->pc.flags & WRITE_FLAGS))
        return -EINVAL; // not what was sent back: the program changed its path meanwhile
    const view::Target& t = r->target;
    if (!addr && !len) {
        // /proc/<pid>/ of no LWK process: Linux's file, as the program asked for it.
        if (!t.pid)
            return -EINVAL;
        int fd = open(r->norm.c_str(), int(r->pc.flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOATIME)));
        return fd < 0 ? -errno : fd;
    }
    if (len > MAX_SNAPSHOT)
        return -EINVAL;
    std::vector<uint8_t> bytes(len);
    if (!copy_from_program(bytes.data(), addr, len))
        return -EFAULT;
    view::Snapshot snap;
    if (!view::parse_snapshot(bytes.data(), bytes.size(), &snap))
        return -EIO;
    uint32_t who = t.thread_self ? tid : uint32_t(t.tid);
    // What Linux knows of the process: its mcexec's files; its program's name
    // from that mcexec's view, else Linux's.
    std::string linux_dir = t.pid ? "/proc/" + std::to_string(t.pid) : "/proc/self";
    std::string comm = t.pid ? comm_of_other(m_root, t.pid) : m_comm;
    std::string text;
    switch (t.kind) {
    case view::Redirect::Maps: {
        // Our notes name our mappings; another process's show only its program's.
        std::vector<view::MappedFile> files = m_files;
        if (!t.pid) {
            std::vector<view::MappedFile> noted = mapped_files_noted();
            files.insert(files.end(), noted.begin(), noted.end());
        }
        text = view::maps(snap, files);
        break;
    }
    case view::Redirect::Stat:
        text = view::stat(snap, read_text(linux_dir + "/stat"), who, comm);
        if (text.empty())
            return -ENOENT;
        break;
    case view::Redirect::Statm:
        text = view::statm(snap);
        break;
    case view::Redirect::TaskDir:
        return open_task_dir(snap, r->pc.flags);
    case view::Redirect::Meminfo:
        text = view::meminfo(read_text("/proc/meminfo"), m_share.mem_total(), snap.head.mem_free);
        break;
    case view::Redirect::Status:
        if (who && !std::any_of(snap.threads.begin(), snap.threads.end(),
                                [&](const mck_snap_thread& th) { return th.tid == who; }))
            return -ENOENT;
        text = view::status(snap, view::status(read_text(linux_dir + "/status"), m_share, comm), who);
        break;
    default:
        return -EINVAL;
    }
    return open_content(text, r->pc.flags);
}

} // namespace mcexec
