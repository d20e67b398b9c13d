// SPDX-License-Identifier: GPL-2.0
// The rest of the kernel, faked for the host tests of mem.cpp, vm.cpp and
// futex.cpp: boot parameters, the log, panic, current(), offloading to Linux,
// the process hooks vm.cpp calls, and a scheduler whose threads are host threads.
#include "fake.h"

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/uaccess.h>
#include <kernel/boot.h>
#include <kernel/lock_rank.h>
#include <kernel/mem.h>
#include <kernel/process_vm.h>
#include <kernel/offload.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/vm.h>
#include <mcexec/abi.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace fake {

void zero_phys(uint64_t phys, uint64_t bytes);
void tsc_advance(uint64_t ns);

std::vector<Call> offloads;
std::function<int64_t(const Call&)> offload_handler;
std::vector<Invalidation> invalidations;
std::vector<Flush> flushes;
std::vector<mck::Thread*> interrupted;

namespace {

ihk_boot_param g_bp;
std::mutex g_mutex; // the log, violations and the scheduler below
std::condition_variable g_cv;
std::vector<std::string> g_log, g_violations;
int g_blocked;
thread_local mck::Thread* t_current;

void violation(const char* what)
{
    std::lock_guard<std::mutex> l(g_mutex);
    g_violations.push_back(what);
}

// The fake usercopy tells user from kernel addresses by value: every host
// address must be above the user range.
void check_host_addresses()
{
    int local;
    auto heap = std::make_unique<int>(0);
    for (uintptr_t a : {uintptr_t(&local), uintptr_t(heap.get()), uintptr_t(&g_bp)})
        if (a < MCK_USER_END) {
            fprintf(stderr, "fake: host address 0x%lx is inside the LWK's user range (build as PIE)\n", a);
            abort();
        }
}

} // namespace

void boot(uint64_t bytes, int nodes)
{
    check_host_addresses();
    g_bp = ihk_boot_param{};
    g_bp.num_cpus = 1;
    g_bp.tsc_khz = 1000000; // 1 GHz: one TSC tick per nanosecond
    g_bp.num_mem = uint32_t(nodes);
    uint64_t stride = (bytes + (2ull << 20) - 1) & ~((2ull << 20) - 1);
    if (INSTANCE_PHYS + stride * nodes > PHYS_BASE + PHYS_SIZE)
        abort();
    for (int i = 0; i < nodes; i++)
        g_bp.mem[i] = ihk_boot_mem{INSTANCE_PHYS + uint64_t(i) * stride, bytes, i, 0};
    zero_phys(PHYS_BASE, PHYS_SIZE);
    {
        std::lock_guard<std::mutex> l(g_mutex);
        g_log.clear();
        g_violations.clear();
    }
    offloads.clear();
    offload_handler = nullptr;
    invalidations.clear();
    flushes.clear();
    interrupted.clear();
    fault_user_range(0, 0);
    mck::lock_rank_start(); // the real lock-order check (kernel/lock_rank.cpp)
    mck::mem_init(INSTANCE_PHYS + IMAGE_BYTES);
}

std::vector<std::string>& violations() { return g_violations; }
const std::vector<std::string>& log() { return g_log; }

void set_current(mck::Thread* t) { t_current = t; }

void advance_ns(uint64_t ns)
{
    std::lock_guard<std::mutex> l(g_mutex);
    tsc_advance(ns);
    g_cv.notify_all();
}

int blocked()
{
    std::lock_guard<std::mutex> l(g_mutex);
    return g_blocked;
}

bool wait_blocked(int n)
{
    std::unique_lock<std::mutex> l(g_mutex);
    return g_cv.wait_for(l, std::chrono::seconds(10), [n] { return g_blocked == n; });
}

Proc::Proc()
{
    p.pid = 1000;
    p.root = mck::arch::mmu_new_space();
    if (!p.root)
        abort();
    t.proc = &p;
    t.tid = 1000;
    t.state = mck::ThreadState::Running;
    p.threads = &t;
    p.nthreads = 1;
    set_current(&t);
}

Proc::~Proc()
{
    // As process exit: the regions, then every page and table.
    mck::vm_free_all(&p);
    mck::arch::mmu_free_space(
        p.root,
        [](uint64_t phys, uint64_t size, void*) {
            if (mck::mem_owns(phys))
                mck::mem_free(phys, size);
        },
        nullptr);
    while (mck::DeferredFree* d = p.deferred) {
        p.deferred = d->next;
        mck::mem_free(d->phys, d->size);
        delete d;
    }
    if (t_current == &t)
        set_current(nullptr);
}

uint8_t* Proc::at(uint64_t va)
{
    uint64_t pa, size;
    uint32_t prot;
    if (!mck::arch::mmu_lookup(p.root, va, &pa, &prot, &size)) {
        fprintf(stderr, "fake: 0x%lx is not mapped\n", va);
        abort();
    }
    return host(pa);
}

bool Proc::mapped(uint64_t va, uint32_t* prot, uint64_t* page_size)
{
    uint64_t pa, size;
    uint32_t pr;
    bool m = mck::arch::mmu_lookup(p.root, va, &pa, &pr, &size);
    if (prot)
        *prot = m ? pr : 0;
    if (page_size)
        *page_size = m ? size : 0;
    return m;
}

} // namespace fake

namespace mck {

const ihk_boot_param& boot_param() { return fake::g_bp; }
ihk_boot_param& boot_param_mut() { return fake::g_bp; }

void kprintf(const char* fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    std::lock_guard<std::mutex> l(fake::g_mutex);
    fake::g_log.push_back(buf);
}

void panic(const char* fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    throw fake::Panic{buf};
}

Thread* current() { return fake::t_current; }

// Threads and processes of the tests belong to the tests: counted, never freed here.
void ref_acquire(Thread* t) { __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED); }
void ref_release(Thread* t)
{
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_RELAXED) == 0)
        fake::violation("a thread's last reference dropped by the code under test");
}
void ref_acquire(Process* p) { __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED); }
void ref_release(Process* p)
{
    if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_RELAXED) == 0)
        fake::violation("a process's last reference dropped by the code under test");
}

int64_t offload(uint64_t nr, const uint64_t args[6])
{
    if (!arch::irq_enabled())
        fake::violation("offload with interrupts off (a spinlock held)");
    fake::Call c{nr, {}};
    for (int i = 0; i < 6; i++)
        c.args[i] = args[i];
    fake::offloads.push_back(c);
    return fake::offload_handler ? fake::offload_handler(c) : -ENOSYS;
}
// The program's own waits (signalfd.cpp) are offloads like any other here.
int64_t offload_program(uint64_t nr, const uint64_t args[6]) { return offload(nr, args); }

void process_unmapped(Process* p, uint64_t start, uint64_t len, DeferredFree* pages)
{
    (void)p;
    uint64_t bytes = 0;
    while (DeferredFree* d = pages) {
        pages = d->next;
        bytes += d->size;
        mem_free(d->phys, d->size);
        delete d;
    }
    fake::invalidations.push_back({start, len, bytes});
}

void process_flush_tlb(Process*, uint64_t start, uint64_t len)
{
    if (!arch::irq_enabled())
        fake::violation("TLB shootdown with interrupts off (a spinlock held)");
    fake::flushes.push_back({start, len});
}

void process_reclaim(Process*) {}

bool signal_pending(Thread* t) { return t->sigpending & ~t->sigmask; }

void offload_interrupt(Thread* t) { fake::interrupted.push_back(t); }

int64_t signal_read_set(uint64_t ptr, uint64_t size, uint64_t& set)
{
    if (size != 8)
        return -EINVAL;
    if (!get_user(set, UserPtr<uint64_t>(ptr)))
        return -EFAULT;
    set &= ~((1ull << 8) | (1ull << 18));
    return 0;
}

// The tests' processes are not in a table: no other process is found.
RefPtr<Process> process_find(uint32_t) { return RefPtr<Process>(); }
// Never reached: process_find finds no other process.
Access process_may_access(Process*, Process*) { return Access::AskLinux; }

// The lowest pending signal of @set, the thread's before the process's.
int signal_take(uint64_t set, bool wait, uint64_t deadline, SigInfo& info)
{
    Thread* t = current();
    Process* p = t->proc;
    for (;;) {
        uint64_t mine = t->sigpending & set, ours = p->sigpending & set;
        if (mine || ours) {
            int sig = __builtin_ctzll(mine ? mine : ours) + 1;
            (mine ? t->sigpending : p->sigpending) &= ~(1ull << (sig - 1));
            info = (mine ? t->siginfo : p->siginfo)[sig - 1];
            return sig;
        }
        if (!wait || signal_pending(t) || t->killed || !sched_block(deadline))
            return 0;
    }
}

// Threads are host threads: blocking waits on a condition variable until
// sched_wake() or until the fake clock passes the deadline.
bool sched_block(uint64_t deadline)
{
    if (!arch::irq_enabled())
        fake::violation("sched_block with interrupts off (a spinlock held)");
    Thread* t = current();
    std::unique_lock<std::mutex> l(fake::g_mutex);
    fake::g_blocked++;
    fake::g_cv.notify_all();
    auto done = [&] { return t->wake_pending || (deadline && fake::now_tsc() >= deadline); };
    bool stuck = !fake::g_cv.wait_for(l, std::chrono::seconds(10), done);
    fake::g_blocked--;
    fake::g_cv.notify_all();
    if (stuck) {
        fake::g_violations.push_back("a thread stayed blocked for 10 s");
        return false;
    }
    bool woken = t->wake_pending;
    t->wake_pending = false;
    return woken || !deadline || fake::now_tsc() < deadline;
}

void sched_wake(Thread* t)
{
    std::lock_guard<std::mutex> l(fake::g_mutex);
    t->wake_pending = true;
    fake::g_cv.notify_all();
}

} // namespace mck
