// SPDX-License-Identifier: GPL-2.0
// The program's /proc/self files from a snapshot of its LWK process (lwk_proc.h).
#include "lwk_proc.h"

#include "lwk_view.h"

#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace mcexec::view {
namespace {

constexpr uint64_t PAGE = 4096;
constexpr uint64_t TICKS_PER_S = 100; // sysconf(_SC_CLK_TCK), USER_HZ

uint64_t ticks(const Snapshot& s, uint64_t tsc)
{
    uint64_t per_tick = s.head.tsc_khz * (1000 / TICKS_PER_S);
    return per_tick ? tsc / per_tick : 0;
}

// What the regions add up to, in bytes.
struct Totals {
    uint64_t size = 0, data = 0, stack = 0, exec = 0, shared = 0, locked = 0;
};

Totals totals(const Snapshot& s)
{
    Totals t;
    for (const mck_snap_vma& v : s.vmas) {
        uint64_t len = v.end > v.start ? v.end - v.start : 0;
        t.size += len;
        if (v.flags & MCK_SNAP_VMA_STACK)
            t.stack += len;
        else if ((v.prot & MCK_PROT_WRITE) && !(v.flags & MCK_SNAP_VMA_SHARED))
            t.data += len; // Linux's VmData: private, writable, not the stack
        if ((v.prot & MCK_PROT_EXEC) && !(v.prot & MCK_PROT_WRITE) && v.start != MCK_VDSO_BASE)
            t.exec += len;
        if (v.flags & MCK_SNAP_VMA_SHARED)
            t.shared += len;
        if (v.flags & MCK_SNAP_VMA_LOCKED) {
            // The heap counts up to the break, as the LWK counts it (vm_locked_after).
            uint64_t brk_end = (s.head.brk + 4095) & ~4095ull, end = v.end;
            if ((v.flags & MCK_SNAP_VMA_HEAP) && end > brk_end)
                end = brk_end > v.start ? brk_end : v.start;
            t.locked += end - v.start;
        }
    }
    return t;
}

const mck_snap_thread* find_thread(const Snapshot& s, uint32_t tid)
{
    for (const mck_snap_thread& t : s.threads)
        if (t.tid == tid)
            return &t;
    return nullptr;
}

// The process's state is its main thread's, as Linux shows the group
// leader's; a main thread that ended while others run is a zombie there too.
char process_state(const Snapshot& s)
{
    const mck_snap_thread* leader = find_thread(s, s.head.pid);
    if (leader)
        return char(leader->state);
    return 'Z';
}

const char* state_name(char c)
{
    switch (c) {
    case 'R':
        return "R (running)";
    case 'S':
        return "S (sleeping)";
    case 'D':
        return "D (disk sleep)";
    default:
        return "Z (zombie)";
    }
}

std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> out;
    size_t at = 0;
    while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos)
            nl = text.size();
        out.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

std::string u64(uint64_t v) { return std::to_string(v); }

std::string kb_line(const char* key, uint64_t bytes)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s:\t%8" PRIu64 " kB", key, bytes >> 10);
    return buf;
}

} // namespace

bool parse_snapshot(const void* data, size_t len, Snapshot* out)
{
    if (len < sizeof(mck_proc_snapshot))
        return false;
    Snapshot s;
    memcpy(&s.head, data, sizeof(s.head));
    if (s.head.version != MCK_SNAPSHOT_VERSION || s.head.nthreads > MCK_MAX_THREADS ||
        s.head.nvmas > MCK_SNAPSHOT_MAX_VMAS)
        return false;
    size_t need = sizeof(s.head) + size_t(s.head.nthreads) * sizeof(mck_snap_thread) +
                  size_t(s.head.nvmas) * sizeof(mck_snap_vma);
    if (need > len)
        return false;
    const auto* at = static_cast<const uint8_t*>(data) + sizeof(s.head);
    s.threads.resize(s.head.nthreads);
    memcpy(s.threads.data(), at, s.threads.size() * sizeof(mck_snap_thread));
    at += s.threads.size() * sizeof(mck_snap_thread);
    s.vmas.resize(s.head.nvmas);
    memcpy(s.vmas.data(), at, s.vmas.size() * sizeof(mck_snap_vma));
    *out = std::move(s);
    return true;
}

std::string maps(const Snapshot& s, const std::vector<MappedFile>& files)
{
    std::string out;
    for (const mck_snap_vma& v : s.vmas) {
        const MappedFile* file = nullptr;
        uint64_t at = 0; // where the region starts, in the file's space
        for (const MappedFile& f : files) {
            bool shared = v.flags & MCK_SNAP_VMA_SHARED;
            at = f.space == MappedFile::Shared ? v.linux_addr : v.start;
            if (f.space == MappedFile::Private && (!(v.flags & MCK_SNAP_VMA_FILE) || shared))
                continue;
            if (f.space == MappedFile::Shared && (!shared || !v.linux_addr))
                continue;
            if (at >= f.start && at < f.end) {
                file = &f;
                break;
            }
        }
        std::string name;
        uint64_t offset = 0, dev = 0, ino = 0;
        if (file) {
            name = file->path;
            offset = file->offset + (at - file->start);
            dev = file->dev;
            ino = file->ino;
        } else if (v.start == MCK_VDSO_BASE) {
            name = "[vdso]";
        } else if (v.start == MCK_VVAR_BASE) {
            name = "[vvar]";
        } else if (v.flags & MCK_SNAP_VMA_HEAP) {
            name = "[heap]";
        } else if (v.flags & MCK_SNAP_VMA_STACK) {
            name = "[stack]";
        }
        // fs/proc/task_mmu.c: show_vma_header_prefix(), then the name from column 73.
        char line[160];
        int n = snprintf(line, sizeof(line), "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ",
                         v.start, v.end, (v.prot & MCK_PROT_READ) ? 'r' : '-', (v.prot & MCK_PROT_WRITE) ? 'w' : '-',
                         (v.prot & MCK_PROT_EXEC) ? 'x' : '-', (v.flags & MCK_SNAP_VMA_SHARED) ? 's' : 'p', offset,
                         unsigned(major(dev)), unsigned(minor(dev)), ino);
        out.append(line, size_t(std::max(n, 0)));
        if (!name.empty()) {
            constexpr size_t WIDTH = 25 + sizeof(void*) * 6 - 1; // seq_setwidth() in show_vma_header_prefix()
            if (size_t(n) < WIDTH + 1)
                out.append(WIDTH - size_t(n) + 1, ' ');
            else
                out.push_back(' ');
            out += name;
        }
        out.push_back('\n');
    }
    return out;
}

std::string stat(const Snapshot& s, const std::string& linux_stat, uint32_t tid, const std::string& comm)
{
    size_t open = linux_stat.find(" (");
    size_t close = linux_stat.rfind(") ");
    if (open == std::string::npos || close == std::string::npos || close < open)
        return {};
    const mck_snap_thread* thread = tid ? find_thread(s, tid) : nullptr;
    if (tid && !thread)
        return {};
    // fields[k - 3] is field k of man 5 proc (1-based; 3 is the state).
    std::vector<std::string> fields;
    std::string rest = linux_stat.substr(close + 2);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' '))
        rest.pop_back();
    size_t at = 0;
    while (at <= rest.size()) {
        size_t sp = rest.find(' ', at);
        if (sp == std::string::npos)
            sp = rest.size();
        fields.push_back(rest.substr(at, sp - at));
        at = sp + 1;
    }
    if (fields.size() < 39 - 2)
        return {};
    auto set = [&](int k, const std::string& v) { fields[size_t(k - 3)] = v; };
    Totals t = totals(s);
    uint64_t run = 0, user = 0, minflt = 0;
    uint32_t cpu = 0;
    if (thread) {
        run = thread->run_tsc;
        user = thread->user_tsc;
        minflt = thread->minflt;
        cpu = thread->cpu;
    } else {
        for (const mck_snap_thread& th : s.threads) {
            run += th.run_tsc;
            user += th.user_tsc;
        }
        run += s.head.ended_run_tsc;
        user += s.head.ended_run_tsc; // ended threads' time is not split: user time, as times() counts it
        minflt = s.head.minflt;
        const mck_snap_thread* leader = find_thread(s, s.head.pid);
        cpu = leader ? leader->cpu : 0;
    }
    uint64_t utime = ticks(s, std::min(user, run)), stime = ticks(s, run) - ticks(s, std::min(user, run));
    uint64_t code_start = 0, code_end = 0;
    for (const mck_snap_vma& v : s.vmas)
        if ((v.prot & MCK_PROT_EXEC) && v.start != MCK_VDSO_BASE) {
            code_start = v.start;
            code_end = v.end;
            break;
        }
    uint64_t stack_top = 0;
    for (const mck_snap_vma& v : s.vmas)
        if (v.flags & MCK_SNAP_VMA_STACK)
            stack_top = v.end;
    set(3, std::string(1, thread ? char(thread->state) : process_state(s)));
    set(10, u64(minflt));
    set(11, u64(thread ? 0 : s.head.children_minflt));
    set(12, "0");
    set(13, "0");
    set(14, u64(utime));
    set(15, u64(stime));
    set(16, u64(thread ? 0 : ticks(s, s.head.children_run_tsc)));
    set(17, "0");
    set(20, u64(s.head.threads_total));
    set(23, u64(t.size));
    set(24, u64(s.head.mem_used / PAGE));
    set(26, u64(code_start));
    set(27, u64(code_end));
    set(28, u64(stack_top));
    set(29, "0");
    set(30, "0");
    set(39, u64(cpu));
    if (fields.size() >= 51 - 2) {
        set(45, "0");
        set(46, "0");
        set(47, u64(s.head.brk_start));
        set(48, "0");
        set(49, "0");
        set(50, "0");
        set(51, "0");
    }
    std::string out = u64(thread ? thread->tid : s.head.pid) + " (" + comm + ")";
    for (const std::string& f : fields)
        out += " " + f;
    out += "\n";
    return out;
}

std::string statm(const Snapshot& s)
{
    Totals t = totals(s);
    uint64_t resident = s.head.mem_used / PAGE;
    // fs/proc/task_mmu.c task_statm(): size resident shared text lib data dt, lib and dt always 0.
    return u64(t.size / PAGE) + " " + u64(resident) + " " + u64(std::min(t.shared / PAGE, resident)) + " " +
           u64(t.exec / PAGE) + " 0 " + u64((t.data + t.stack) / PAGE) + " 0\n";
}

namespace {

// The CPUs of @th's affinity (share numbering); none if it has no mask.
std::vector<unsigned> allowed_cpus(const mck_snap_thread* th)
{
    std::vector<unsigned> cpus;
    for (unsigned c = 0; th && c < MCK_CPU_WORDS * 64; c++)
        if (th->cpus[c / 64] >> (c % 64) & 1)
            cpus.push_back(c);
    return cpus;
}

} // namespace

std::string status(const Snapshot& s, const std::string& text, uint32_t tid)
{
    const mck_snap_thread* thread = tid ? find_thread(s, tid) : nullptr;
    // Cpus_allowed: the thread's affinity (the process's file: its main thread's).
    std::vector<unsigned> cpus = allowed_cpus(thread ? thread : find_thread(s, s.head.pid));
    Totals t = totals(s);
    uint64_t vcsw = 0, ivcsw = 0;
    for (const mck_snap_thread& th : s.threads)
        if (!thread || &th == thread) {
            vcsw += th.nvcsw;
            ivcsw += th.nivcsw;
        }
    std::string out;
    for (const std::string& line : split_lines(text)) {
        std::string key = line.substr(0, line.find(':'));
        if (key == "State")
            out += std::string("State:\t") + state_name(thread ? char(thread->state) : process_state(s));
        else if (key == "Pid")
            out += "Pid:\t" + u64(thread ? thread->tid : s.head.pid);
        else if (key == "Tgid")
            out += "Tgid:\t" + u64(s.head.pid);
        else if (key == "Threads")
            out += "Threads:\t" + u64(s.head.threads_total);
        else if (key == "VmPeak" || key == "VmSize")
            out += kb_line(key.c_str(), t.size);
        else if (key == "VmHWM")
            out += kb_line("VmHWM", s.head.mem_peak);
        else if (key == "VmRSS" || key == "RssAnon")
            out += kb_line(key.c_str(), s.head.mem_used);
        else if (key == "VmData")
            out += kb_line("VmData", t.data);
        else if (key == "VmLck")
            out += kb_line("VmLck", t.locked);
        else if (key == "VmStk")
            out += kb_line("VmStk", t.stack);
        else if (key == "VmExe")
            out += kb_line("VmExe", t.exec);
        else if (key == "RssFile" || key == "RssShmem" || key == "VmLib" || key == "VmSwap" || key == "VmPTE")
            out += kb_line(key.c_str(), 0);
        else if (key == "Cpus_allowed" && !cpus.empty()) {
            size_t digits = 0; // as wide as the share's mask there
            for (char c : line.substr(line.find(':') + 1))
                digits += std::isxdigit(static_cast<unsigned char>(c)) ? 1 : 0;
            out += "Cpus_allowed:\t" + mask_string(cpus, std::max(unsigned(digits * 4), cpus.back() + 1));
        } else if (key == "Cpus_allowed_list" && !cpus.empty())
            out += "Cpus_allowed_list:\t" + list_string(cpus);
        else if (key == "voluntary_ctxt_switches")
            out += "voluntary_ctxt_switches:\t" + u64(vcsw);
        else if (key == "nonvoluntary_ctxt_switches")
            out += "nonvoluntary_ctxt_switches:\t" + u64(ivcsw);
        else
            out += line;
        out += '\n';
    }
    return out;
}

} // namespace mcexec::view
