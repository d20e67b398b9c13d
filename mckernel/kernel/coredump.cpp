// SPDX-License-Identifier: GPL-2.0
// Core files (kernel/coredump.h). The layout is Linux's: the ELF header, one
// PT_NOTE and a PT_LOAD per region, the notes (the dying thread's status
// first, which gdb takes for the current thread), then the regions' bytes
// from a page boundary, with holes where no page is.
#include <kernel/boot.h>
#include <kernel/core_format.h>
#include <kernel/coredump.h>
#include <kernel/errno.h>
#include <kernel/mem.h>
#include <kernel/offload.h>
#include <kernel/process_vm.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <kernel/vm.h>

#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/mmu.h>
#include <arch/paging.h>

#include <string.h>

namespace mck {
namespace {

constexpr uint64_t SYS_CLOSE = 3, SYS_PWRITE64 = 18, SYS_UNAME = 63, SYS_FTRUNCATE = 77, SYS_READLINK = 89,
                   SYS_OPENAT = 257, SYS_UNLINKAT = 263, SYS_PRLIMIT64 = 302;
constexpr int64_t AT_FDCWD = -100;
constexpr uint64_t O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_EXCL = 0200, O_NOFOLLOW = 0400000,
                   O_LARGEFILE = 0100000, O_CLOEXEC = 02000000;
constexpr uint64_t RLIMIT_CORE = 4;
constexpr uint64_t PAGE = arch::PAGE_4K;
constexpr uint64_t SCRATCH = 4 * PAGE;        // the staging page, a path, small answers
constexpr uint64_t STAGE = PAGE;              // notes and headers go out in pieces this big
constexpr uint64_t MAX_WRITE = 4ull << 20;    // one pwrite64 of memory at most
constexpr uint64_t QUIET_US = 1000000;        // how long the other threads get to leave user mode
constexpr uint32_t MAX_AUXV = 64;             // pairs read from the initial stack

// Kernel memory for @n objects of a trivial type, freed with its size (the heap's rule).
template <typename T>
class KernelArray {
public:
    explicit KernelArray(size_t n) : m_n(n), m_p(n ? static_cast<T*>(operator new(n * sizeof(T))) : nullptr) {}
    ~KernelArray()
    {
        if (m_p)
            operator delete(m_p, m_n * sizeof(T));
    }
    KernelArray(const KernelArray&) = delete;
    KernelArray& operator=(const KernelArray&) = delete;
    bool ok() const { return !m_n || m_p; }
    T& operator[](size_t i) { return m_p[i]; }

private:
    size_t m_n;
    T* m_p;
};

// The other threads, each with a reference, in the process's order after the dumper.
struct Threads {
    KernelArray<Thread*> list;
    uint32_t n = 0;
    explicit Threads(uint32_t max) : list(max) {}
    ~Threads()
    {
        for (uint32_t i = 0; i < n; i++)
            ref_release(list[i]);
    }
};

int64_t call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0)
{
    uint64_t args[6] = {a0, a1, a2, a3, 0, 0};
    return offload(nr, args);
}

// Offloaded calls take the program's pointers: small things go through the
// scratch mapping, which the dump itself leaves out (it is made afterwards).
class Scratch {
public:
    explicit Scratch(Process* p) : m_p(p)
    {
        int64_t a = vm_mmap(p, 0, SCRATCH, arch::PROT_R | arch::PROT_W, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
        m_addr = a > 0 ? uint64_t(a) : 0;
    }
    ~Scratch()
    {
        if (m_addr)
            vm_munmap(m_p, m_addr, SCRATCH);
    }
    uint64_t addr(uint64_t off = 0) const { return m_addr + off; }
    bool ok() const { return m_addr != 0; }
    bool put(uint64_t off, const void* data, uint64_t n) { return copy_to_user(UserPtr<uint8_t>(m_addr + off), data, n); }
    bool get(uint64_t off, void* data, uint64_t n) { return copy_from_user(data, UserPtr<uint8_t>(m_addr + off), n); }

private:
    Process* m_p;
    uint64_t m_addr = 0;
};

// A small text file of Linux's (/proc/sys/kernel/...) into @out, its first line.
bool read_sysctl(Scratch& s, const char* path, char* out, size_t len)
{
    if (!s.put(PAGE, path, strlen(path) + 1))
        return false;
    int64_t fd = call(SYS_OPENAT, uint64_t(AT_FDCWD), s.addr(PAGE), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int64_t n = call(0 /* read */, uint64_t(fd), s.addr(2 * PAGE), len - 1);
    call(SYS_CLOSE, uint64_t(fd));
    if (n < 0 || !s.get(2 * PAGE, out, uint64_t(n)))
        return false;
    out[n] = 0;
    for (int64_t i = 0; i < n; i++)
        if (out[i] == '\n')
            out[i] = 0;
    return true;
}

// The core file, written in order: staged records, then memory straight
// from the program's pages. @limit: RLIMIT_CORE, on the bytes written (holes
// are free, as Linux counts them).
class CoreFile {
public:
    CoreFile(Scratch& s, int64_t fd, uint64_t limit) : m_s(s), m_fd(fd), m_limit(limit), m_stage(STAGE) {}
    bool ok() const { return m_stage.ok(); }
    bool emit(const void* data, uint64_t n)
    {
        const auto* b = static_cast<const uint8_t*>(data);
        while (n) {
            uint64_t k = STAGE - m_staged < n ? STAGE - m_staged : n;
            memcpy(&m_stage[m_staged], b, k);
            m_staged += k;
            b += k;
            n -= k;
            if (m_staged == STAGE && !flush())
                return false;
        }
        return true;
    }
    bool zeros(uint64_t n)
    {
        static const uint8_t z[64] = {};
        for (; n; n -= n < sizeof(z) ? n : sizeof(z))
            if (!emit(z, n < sizeof(z) ? n : sizeof(z)))
                return false;
        return true;
    }
    bool flush()
    {
        if (!m_staged)
            return true;
        bool ok = m_s.put(0, &m_stage[0], m_staged) && write(m_s.addr(), m_staged);
        m_staged = 0;
        return ok;
    }
    // @n bytes of the program's memory at @va (pages that are there).
    bool memory(uint64_t va, uint64_t n) { return flush() && write(va, n); }
    void skip_to(uint64_t off) { m_off = off; } // after flush(): a hole up to @off
    uint64_t offset() const { return m_off + m_staged; }

private:
    // Past RLIMIT_CORE the file stays cut short at the last whole page that
    // fits, as Linux leaves it (it writes memory a page at a time).
    bool write(uint64_t va, uint64_t n)
    {
        uint64_t room = m_limit - m_written, now = n <= room ? n : room & ~(PAGE - 1);
        if (now) {
            int64_t r = call(SYS_PWRITE64, uint64_t(m_fd), va, now, m_off);
            if (r != int64_t(now))
                return false;
            m_off += now;
            m_written += now;
        }
        return now == n;
    }
    Scratch& m_s;
    int64_t m_fd;
    uint64_t m_limit, m_off = 0, m_written = 0;
    KernelArray<uint8_t> m_stage; // the kernel stack has no room for it
    uint64_t m_staged = 0;
};

bool note(CoreFile& f, uint32_t type, const void* desc, uint32_t size)
{
    uint8_t h[20];
    core_note_header(h, type, size);
    return f.emit(h, sizeof(h)) && f.emit(desc, size) && f.zeros(core_note_size(size) - sizeof(h) - size);
}

CoreRegs regs_of(const Thread* t, bool self, uint64_t orig_rax)
{
    const arch::TrapFrame& fr = *t->frame();
    CoreRegs r{};
    r.r15 = fr.r15, r.r14 = fr.r14, r.r13 = fr.r13, r.r12 = fr.r12, r.rbp = fr.rbp, r.rbx = fr.rbx;
    r.r11 = fr.r11, r.r10 = fr.r10, r.r9 = fr.r9, r.r8 = fr.r8, r.rax = fr.rax, r.rcx = fr.rcx;
    r.rdx = fr.rdx, r.rsi = fr.rsi, r.rdi = fr.rdi;
    r.orig_rax = orig_rax; // ~0 outside a call, as Linux's -1
    r.rip = fr.rip, r.cs = fr.cs, r.eflags = fr.rflags, r.rsp = fr.rsp, r.ss = fr.ss;
    r.fs_base = self ? arch::rdmsr(arch::MSR_FS_BASE) : t->fs_base;
    r.gs_base = self ? arch::rdmsr(arch::MSR_KERNEL_GS_BASE) : t->gs_base; // the user's while in the kernel
    return r;
}

CorePrstatus prstatus_of(const Thread* t, bool self, int sig, uint64_t orig_rax)
{
    CorePrstatus s{};
    s.si_signo = sig;
    s.cursig = int16_t(sig);
    s.sigpend = t->sigpending;
    s.sighold = t->sigmask;
    s.pid = int32_t(t->tid);
    s.ppid = int32_t(t->proc->ppid);
    s.regs = regs_of(t, self, orig_rax);
    s.fpvalid = 1;
    return s;
}

// Linux's siginfo_t as the program would have got it (128 bytes).
void siginfo_bytes(int sig, const SigInfo& info, uint8_t out[128])
{
    memset(out, 0, 128);
    int32_t head[3] = {sig, 0, info.code};
    memcpy(out, head, sizeof(head));
    bool fault = info.code > 0 && (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11);
    if (fault) {
        memcpy(out + 16, &info.addr, 8);
    } else {
        memcpy(out + 16, &info.pid, 4);
        memcpy(out + 20, &info.uid, 4);
        memcpy(out + 24, &info.word3, 8);
    }
}

// The initial stack's vectors (mcexec built them; MCK_IKC_START gave their
// address): argv for the process's description, auxv for gdb (AT_ENTRY,
// AT_PHDR and AT_BASE relocate a position-independent program).
uint32_t read_auxv(uint64_t sp, uint64_t auxv[2 * MAX_AUXV], char* psargs, size_t psargs_len)
{
    uint64_t argc = 0;
    psargs[0] = 0;
    if (!sp || !get_user(argc, UserPtr<uint64_t>(sp)) || argc > 4096)
        return 0;
    size_t used = 0;
    UserPtr<uint64_t> v(sp + 8);
    for (uint64_t i = 0; i < argc; i++) {
        uint64_t a = 0;
        if (!get_user(a, v.at(i)))
            return 0;
        char word[80];
        int64_t n = strncpy_from_user(word, UserPtr<char>(a), sizeof(word));
        for (int64_t k = 0; n > 0 && k <= n && used + 1 < psargs_len; k++)
            psargs[used++] = k < n ? word[k] : ' ';
    }
    if (used)
        used--; // no trailing space
    psargs[used] = 0;
    uint64_t at = sp + 8 + (argc + 1) * 8; // envp, to past its NULL
    for (uint64_t e = 1; e; at += 8)
        if (!get_user(e, UserPtr<uint64_t>(at)))
            return 0;
    uint32_t n = 0;
    while (n < MAX_AUXV) {
        if (!get_user(auxv[2 * n], UserPtr<uint64_t>(at)) || !get_user(auxv[2 * n + 1], UserPtr<uint64_t>(at + 8)))
            return 0;
        n++;
        at += 16;
        if (auxv[2 * n - 2] == 0) // AT_NULL ends it, and is part of it
            return n;
    }
    return 0;
}

// The process's regions (not the scratch mapping, made later), with what of each goes in.
uint32_t snapshot_regions(Process* p, KernelArray<CoreRegion>& out, uint32_t max)
{
    uint32_t n = 0;
    SpinLockGuard guard(p->lock);
    for (Vma* v = p->vmas; v && n < max; v = v->next) {
        CoreRegion r{};
        r.start = v->start;
        r.end = v->end;
        r.readable = v->prot & arch::PROT_R;
        r.writable = v->prot & arch::PROT_W;
        r.executable = v->prot & arch::PROT_X;
        r.file = v->flags & VMA_FILE;
        r.shared_file = (v->flags & VMA_SHARED) && !(v->flags & VMA_SHARED_ANON);
        r.device = v->flags & VMA_IO;
        out[n++] = r;
    }
    return n;
}

uint32_t count_regions(Process* p)
{
    uint32_t n = 0;
    SpinLockGuard guard(p->lock);
    for (Vma* v = p->vmas; v; v = v->next)
        n++;
    return n;
}

// Does the 4 KiB page at @pa hold anything but zeros?
bool has_data(uint64_t pa)
{
    if (!mem_owns(pa))
        return true;
    const auto* w = static_cast<const uint64_t*>(arch::phys_to_virt(pa & ~(PAGE - 1)));
    for (uint64_t i = 0; i < PAGE / 8; i++)
        if (w[i])
            return true;
    return false;
}

// From @va (below @end): the end of the run of pages that go in, or of the
// run of those that are holes (@data says which). Holes are pages never
// touched and pages of zeros (the LWK maps memory ahead of use; Linux leaves
// its zero page out too), so a core is about as large as Linux's.
uint64_t data_run_end(Process* p, uint64_t va, uint64_t end, bool* data)
{
    SpinLockGuard guard(p->lock);
    uint64_t at = va;
    for (bool first = true; at < end && at - va < MAX_WRITE; first = false, at += PAGE) {
        uint64_t pa, size;
        uint32_t prot;
        bool here = arch::mmu_lookup(p->root, at, &pa, &prot, &size) && (prot & arch::PROT_R) && has_data(pa);
        if (first)
            *data = here;
        else if (here != *data)
            break;
    }
    return at < end ? at : end;
}

bool write_region(Process* p, CoreFile& f, uint64_t start, uint64_t bytes, uint64_t file_off)
{
    for (uint64_t va = start; va < start + bytes;) {
        bool data = false;
        uint64_t to = data_run_end(p, va, start + bytes, &data);
        if (data) {
            f.skip_to(file_off + (va - start));
            if (!f.memory(va, to - va))
                return false;
        }
        va = to;
    }
    return true;
}

bool dumpable_and_creds(Process* p, uint32_t* uid, uint32_t* gid)
{
    Creds c;
    // Ids unknown since a call that may change them (setuid, capset,
    // PR_SET_DUMPABLE): Linux's default (suid_dumpable 0) makes a process
    // that changed them undumpable, so no core, on the safe side.
    if (!creds_of(p, &c) || !(c.flags & MCK_CRED_DUMPABLE))
        return false;
    *uid = c.uid[0];
    *gid = c.gid[0];
    return true;
}

// Hold the other threads in the kernel: kicked out of user mode, they park
// on their way back (coredump_holds). Bounded: one busy in the kernel longer
// is dumped with its last entry's registers.
bool hold_others(Thread* self)
{
    Process* p = self->proc;
    {
        SpinLockGuard guard(p->lock);
        if (p->exiting || p->dumper)
            return false;
        __atomic_store_n(&p->dumper, self, __ATOMIC_RELEASE);
        for (Thread* t = p->threads; t; t = t->proc_next)
            if (t != self && t->state == ThreadState::Running)
                sched_kick(t);
    }
    uint64_t give_up = deadline_after_us(QUIET_US);
    for (;;) {
        bool quiet = true;
        {
            SpinLockGuard guard(p->lock);
            for (Thread* t = p->threads; t && quiet; t = t->proc_next)
                quiet = t == self || t->parked || t->in_offload || t->state != ThreadState::Running;
        }
        if (quiet || self->killed || arch::rdtsc() >= give_up)
            return true;
        sched_block(deadline_after_us(1000));
    }
}

// Name the core file as core_pattern says and make it (Linux's rules: an
// old file of that name goes first, so the new one is ours, O_EXCL, and no
// link planted there is followed). @name (256 bytes) gets its name, @exe the
// program's path. The descriptor, or -1 (no core: a pipe pattern, an
// unusable name, a directory the program may not write).
int64_t open_core_file(Scratch& s, Thread* self, int sig, uint32_t uid, uint32_t gid, uint64_t limit, char* name,
                       char* exe, uint64_t exe_len)
{
    Process* p = self->proc;
    char pattern[256], uses_pid[8] = "0";
    if (!read_sysctl(s, "/proc/sys/kernel/core_pattern", pattern, sizeof(pattern)))
        return -1;
    read_sysctl(s, "/proc/sys/kernel/core_uses_pid", uses_pid, sizeof(uses_pid));
    if (pattern[0] == '|') {
        kprintf("pid %u: no core file: core_pattern pipes to a program (%s)", p->pid, pattern);
        return -1;
    }
    char host[65] = "";
    int64_t n = 0; // mcexec answers /proc/self/exe with the program
    if (s.put(PAGE, "/proc/self/exe", 15) && (n = call(SYS_READLINK, s.addr(PAGE), s.addr(2 * PAGE), exe_len - 1)) > 0 &&
        s.get(2 * PAGE, exe, uint64_t(n)))
        exe[n] = 0;
    if (call(SYS_UNAME, s.addr(2 * PAGE)) == 0)
        s.get(2 * PAGE + 65, host, 64); // struct utsname: nodename is the second field of 65
    CoreNameFacts facts;
    facts.pid = p->pid;
    facts.tid = self->tid;
    facts.uid = uid;
    facts.gid = gid;
    facts.sig = sig;
    facts.time = clock_now_ns(p, 0) / 1000000000;
    facts.limit = limit;
    facts.host = host;
    facts.exe = exe;
    if (!core_name(pattern, facts, uses_pid[0] == '1', name, 256) || !s.put(PAGE, name, strlen(name) + 1))
        return -1;
    call(SYS_UNLINKAT, uint64_t(AT_FDCWD), s.addr(PAGE), 0);
    int64_t fd = call(SYS_OPENAT, uint64_t(AT_FDCWD), s.addr(PAGE),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_LARGEFILE | O_CLOEXEC, 0600);
    if (fd < 0)
        kprintf("pid %u: no core file: %s: error %ld", p->pid, name, -fd);
    return fd < 0 ? -1 : fd;
}

bool write_core(Thread* self, int sig, const SigInfo& info, uint64_t orig_rax, uint32_t uid, uint32_t gid)
{
    Process* p = self->proc;
    // The notes: the dumper's registers as they were in user mode.
    arch::fpu_save(self->fpu);
    uint32_t nregions = count_regions(p);
    KernelArray<CoreRegion> regions(nregions);
    uint32_t max_threads = __atomic_load_n(&p->nthreads, __ATOMIC_RELAXED);
    Threads others(max_threads);
    if (!regions.ok() || !others.list.ok())
        return false;
    nregions = snapshot_regions(p, regions, nregions);
    {
        SpinLockGuard guard(p->lock);
        for (Thread* t = p->threads; t && others.n < max_threads; t = t->proc_next)
            if (t != self) {
                ref_acquire(t);
                others.list[others.n++] = t;
            }
    }
    Scratch s(p);
    if (!s.ok())
        return false;

    // RLIMIT_CORE is Linux's (mcexec's), which the program sets there.
    uint64_t rl[2] = {0, 0};
    if (call(SYS_PRLIMIT64, 0, RLIMIT_CORE, 0, s.addr(2 * PAGE)) != 0 || !s.get(2 * PAGE, rl, sizeof(rl)))
        return false;
    if (rl[0] < PAGE)
        return false; // Linux's ELF dumper needs a page at least
    char name[256], exe[256] = "";
    int64_t fd = open_core_file(s, self, sig, uid, gid, rl[0], name, exe, sizeof(exe));
    if (fd < 0)
        return false;

    KernelArray<uint64_t> auxv(2 * MAX_AUXV);
    CorePrpsinfo ps{};
    uint32_t nauxv = auxv.ok() ? read_auxv(p->start_sp, &auxv[0], ps.psargs, sizeof(ps.psargs)) : 0;
    // The ELF header page of text regions (gdb matches it with the file).
    for (uint32_t i = 0; i < nregions; i++) {
        CoreRegion& r = regions[i];
        uint32_t magic = 0;
        r.elf_header = r.file && r.readable && !r.writable && get_user(magic, UserPtr<uint32_t>(r.start)) &&
                       magic == 0x464c457f;
    }

    uint64_t fpsize = 512; // the legacy (FXSAVE) part of the save area: user_i387_struct
    uint64_t notes = core_note_size(sizeof(CorePrstatus)) + core_note_size(sizeof(CorePrpsinfo)) +
                     core_note_size(128) + (nauxv ? core_note_size(nauxv * 16) : 0) + core_note_size(fpsize);
    notes += others.n * (core_note_size(sizeof(CorePrstatus)) + core_note_size(fpsize));
    uint16_t phnum = uint16_t(1 + (nregions < 0xfffe ? nregions : 0xfffe));
    uint64_t notes_at = sizeof(Elf64Ehdr) + phnum * sizeof(Elf64Phdr);
    uint64_t data_at = (notes_at + notes + PAGE - 1) & ~(PAGE - 1);

    CoreFile f(s, fd, rl[0]);
    bool ok = f.ok();
    Elf64Ehdr eh = core_ehdr(phnum);
    ok = ok && f.emit(&eh, sizeof(eh));
    Elf64Phdr ph{};
    ph.type = 4; // PT_NOTE
    ph.offset = notes_at;
    ph.filesz = notes;
    ok = ok && f.emit(&ph, sizeof(ph));
    uint64_t off = data_at;
    for (uint32_t i = 0; ok && i + 1 < phnum; i++) {
        const CoreRegion& r = regions[i];
        Elf64Phdr l{};
        l.type = 1; // PT_LOAD
        l.flags = (r.readable ? 4 : 0) | (r.writable ? 2 : 0) | (r.executable ? 1 : 0);
        l.offset = off;
        l.vaddr = r.start;
        l.filesz = core_region_bytes(r);
        l.memsz = r.end - r.start;
        l.align = PAGE;
        off += l.filesz;
        ok = f.emit(&l, sizeof(l));
    }

    CorePrstatus st = prstatus_of(self, true, sig, orig_rax);
    ps.state = 0;
    ps.sname = 'R';
    ps.uid = uid;
    ps.gid = gid;
    ps.pid = int32_t(p->pid);
    ps.ppid = int32_t(p->ppid);
    const char* base = exe;
    for (const char* c = exe; *c; c++)
        if (*c == '/')
            base = c + 1;
    for (size_t i = 0; i < sizeof(ps.fname) - 1 && base[i]; i++)
        ps.fname[i] = base[i];
    uint8_t si[128];
    siginfo_bytes(sig, info, si);
    ok = ok && note(f, NT_PRSTATUS, &st, sizeof(st)) && note(f, NT_PRPSINFO, &ps, sizeof(ps)) &&
         note(f, NT_SIGINFO, si, sizeof(si)) && (!nauxv || note(f, NT_AUXV, &auxv[0], nauxv * 16)) &&
         note(f, NT_PRFPREG, self->fpu, uint32_t(fpsize));
    for (uint32_t i = 0; ok && i < others.n; i++) {
        Thread* t = others.list[i];
        CorePrstatus ts = prstatus_of(t, false, sig, t->syscall_nr);
        ok = note(f, NT_PRSTATUS, &ts, sizeof(ts)) && note(f, NT_PRFPREG, t->fpu, uint32_t(fpsize));
    }
    ok = ok && f.zeros(data_at - f.offset()) && f.flush();

    off = data_at;
    for (uint32_t i = 0; ok && i + 1 < phnum; i++) {
        uint64_t bytes = core_region_bytes(regions[i]);
        ok = write_region(p, f, regions[i].start, bytes, off);
        off += bytes;
    }
    // The file is as long as its last region says, holes included.
    ok = ok && call(SYS_FTRUNCATE, uint64_t(fd), off) == 0;
    call(SYS_CLOSE, uint64_t(fd));
    if (ok)
        kprintf("pid %u: wrote core file %s (%lu bytes, %u threads)", p->pid, name, off, others.n + 1);
    else
        kprintf("pid %u: core file %s cut short (RLIMIT_CORE %lu, or the write failed)", p->pid, name, rl[0]);
    // As Linux: the status says "core dumped" once the file is there, whole or not.
    return true;
}

} // namespace

bool coredump(Thread* self, int sig, const SigInfo& info)
{
    Process* p = self->proc;
    uint32_t uid, gid;
    if (!dumpable_and_creds(p, &uid, &gid) || !hold_others(self))
        return false;
    uint64_t orig_rax = self->syscall_nr;
    self->syscall_nr = ~0ull; // the dump's calls are the kernel's: no signal interrupts them
    bool ok = !self->killed && write_core(self, sig, info, orig_rax, uid, gid);
    return ok && !self->killed;
}

bool coredump_holds(const Thread* t)
{
    Thread* d = __atomic_load_n(&t->proc->dumper, __ATOMIC_ACQUIRE);
    return d && d != t;
}

} // namespace mck
