// SPDX-License-Identifier: GPL-2.0
// The IDT and trap dispatch. Exceptions in the kernel are fatal (a register
// dump and back-trace go to the log and the instance reports PANIC), except a
// fault in one of the user-access primitives (arch/usercopy.h): that one maps a
// demand page if it can, or else resumes at the primitive's failure path.
// Linux's broadcast IPIs can reach us too: vectors we do not own are
// acknowledged and ignored.
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <arch/usercopy.h>
#include <kernel/boot.h>
#include <kernel/ikc.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/stats.h>
#include <kernel/usage.h>
#include <kernel/vm.h>
#include <ihk/ikc.h>

extern "C" const uint64_t mck_isr_table[256];
extern "C" const uint64_t __ex_table_start[], __ex_table_end[];

namespace mck::arch {
namespace {

struct [[gnu::packed]] Gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

Gate g_idt[256];

const char* const EXCEPTION_NAMES[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualization", "#CP control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "#HV hypervisor injection", "#VC VMM communication",
    "#SX security", "reserved"};

[[noreturn]] void fatal(const TrapFrame& f)
{
    irq_disable();
    // Tell Linux first: whatever happens while logging, the instance is PANIC.
    __atomic_store_n(&mck::boot_param_mut().status, IHK_LWK_PANIC, __ATOMIC_RELEASE);
    const char* name = f.vector < 32 ? EXCEPTION_NAMES[f.vector] : "interrupt";
    kprintf("PANIC: %s (vector %lu) in the kernel, error code 0x%lx", name, f.vector, f.error);
    kprintf("  RIP 0x%016lx  CS 0x%lx  RFLAGS 0x%lx  CR2 0x%016lx", f.rip, f.cs, f.rflags, read_cr2());
    kprintf("  RSP 0x%016lx  SS 0x%lx", f.rsp, f.ss);
    kprintf("  RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx", f.rax, f.rbx, f.rcx);
    kprintf("  RDX 0x%016lx  RSI 0x%016lx  RDI 0x%016lx", f.rdx, f.rsi, f.rdi);
    kprintf("  RBP 0x%016lx  R8  0x%016lx  R9  0x%016lx", f.rbp, f.r8, f.r9);
    kprintf("  R10 0x%016lx  R11 0x%016lx  R12 0x%016lx", f.r10, f.r11, f.r12);
    kprintf("  R13 0x%016lx  R14 0x%016lx  R15 0x%016lx", f.r13, f.r14, f.r15);
    kprintf("  back-trace:");
    kprintf("    0x%016lx", f.rip);
    // Frame pointers are kept (-fno-omit-frame-pointer). Follow them only upwards
    // within the faulting stack (16 KiB above RSP), so a bad one cannot fault here.
    uint64_t low = f.rsp, high = f.rsp + 16 * 1024;
    uint64_t fp = f.rbp;
    for (int depth = 0; depth < 16 && fp >= low && fp + 16 <= high && !(fp & 7); depth++) {
        auto* frame = reinterpret_cast<const uint64_t*>(fp);
        if (!frame[1])
            break;
        kprintf("    0x%016lx", frame[1]);
        if (frame[0] <= fp)
            break;
        fp = frame[0];
    }
    uint64_t gs = rdmsr(MSR_GS_BASE);
    panic("CPU %u stopped after %s", gs ? reinterpret_cast<Cpu*>(gs)->index : 0, name);
}

// A fault in a user-access primitive: true if it may go on (retried or failed).
bool user_access_fault(TrapFrame& f)
{
    uint64_t fixup = user_fault_fixup(f.rip);
    if (!fixup)
        return false;
    constexpr uint64_t IF = 0x200, PF_PRESENT = 1, PF_WRITE = 2;
    // With interrupts on (no spinlock held), a page not mapped yet is mapped
    // now, or a page shared copy-on-write copied for a write, and the access
    // retried; otherwise (and for any other fault on a present page) the
    // access fails, as Linux's pagefault_disable() does.
    bool may_map = !(f.error & PF_PRESENT) || (f.error & PF_WRITE);
    if (f.vector == 14 && (f.rflags & IF) && may_map && mck::vm_fault_for_kernel(read_cr2(), f.error & PF_WRITE))
        return true;
    f.rip = fixup;
    return true;
}

} // namespace

uint64_t user_fault_fixup(uint64_t rip)
{
    for (const uint64_t* e = __ex_table_start; e + 1 < __ex_table_end; e += 2)
        if (e[0] == rip)
            return e[1];
    return 0;
}

void idt_init()
{
    for (int v = 0; v < 256; v++) {
        uint64_t addr = mck_isr_table[v];
        Gate& g = g_idt[v];
        g.offset_lo = uint16_t(addr);
        g.selector = 0x08;
        // NMI, double fault and machine check each run on a stack of their own.
        g.ist = v == 2 ? 1 : v == 8 ? 2 : v == 18 ? 3 : 0;
        // Present interrupt gates, DPL 0: an INT n from user mode is #GP. But
        // #BP's is DPL 3, as Linux's: INT3 (a debugger's breakpoint, a program's
        // own trap) is SIGTRAP, not SIGSEGV.
        g.type = v == 3 ? 0xee : 0x8e;
        g.offset_mid = uint16_t(addr >> 16);
        g.offset_hi = uint32_t(addr >> 32);
        g.reserved = 0;
    }
}

void idt_load()
{
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

} // namespace mck::arch

extern "C" void trap_dispatch(mck::arch::TrapFrame* f)
{
    using namespace mck::arch;
    if (f->vector == 2) // NMI: Linux's panic/kdump broadcasts reach us; nothing to do
        return;
    __atomic_add_fetch(&this_cpu()->entries, 1, __ATOMIC_RELAXED);
    mck::cpu_entered_kernel();
    mck::usage_cpu_entry(f->vector < 32 ? mck::Entry::Exception : mck::Entry::Interrupt);
    mck::stats_enter(false);
    if (f->vector < 32) {
        if (from_user(*f)) {
            mck::user_exception(f); // a signal, delivered on the way back
            return;
        }
        if ((f->vector == 14 || f->vector == 13) && user_access_fault(*f))
            return; // #GP: a non-canonical address given to a user access
        fatal(*f);
    }
    if (f->vector == VECTOR_SPURIOUS)
        return; // no EOI for spurious interrupts
    apic_eoi(); // first: a handler below may switch threads
    if (f->vector == VECTOR_PING)
        mck::heartbeat();
    else if (f->vector == IHK_LWK_IKC_VECTOR)
        mck::ikc_doorbell();
    else if (f->vector == VECTOR_TIMER)
        mck::sched_timer_irq();
    else if (f->vector == VECTOR_RESCHED)
        mck::sched_resched_irq();
    else if (f->vector == VECTOR_TLB)
        mck::tlb_flush_irq();
    // Everything else (Linux's call-function and reschedule broadcasts) is ignored.
}
