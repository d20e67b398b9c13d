// SPDX-License-Identifier: GPL-2.0
// Local APIC access in both modes. INIT preserves the x2APIC enable bit of
// IA32_APIC_BASE, so each CPU keeps the mode Linux set up; we test it here.
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>

namespace mck::arch {
namespace {

constexpr uint32_t REG_ID = 0x20, REG_EOI = 0xb0, REG_SVR = 0xf0, REG_ICR_LO = 0x300, REG_ICR_HI = 0x310;
constexpr uint32_t REG_TPR = 0x80, REG_LVT_TIMER = 0x320, REG_TIMER_INIT = 0x380, REG_TIMER_CUR = 0x390,
                   REG_TIMER_DIV = 0x3e0;
constexpr uint64_t APIC_BASE_X2 = 1 << 10, APIC_BASE_ENABLE = 1 << 11;
constexpr uint32_t ICR_INIT = 0x500, ICR_STARTUP = 0x600, ICR_LEVEL = 1 << 15, ICR_ASSERT = 1 << 14;
constexpr uint32_t ICR_PENDING = 1 << 12;

bool x2() { return rdmsr(MSR_APIC_BASE) & APIC_BASE_X2; }

uint64_t g_ticks_per_ms; // LAPIC timer ticks (divide by 1) per millisecond, measured on the boot CPU

uint32_t read(uint32_t reg)
{
    if (x2())
        return uint32_t(rdmsr(0x800 + (reg >> 4)));
    return lapic_mmio()[reg / 4];
}

void write(uint32_t reg, uint32_t v)
{
    if (x2())
        wrmsr(0x800 + (reg >> 4), v);
    else
        lapic_mmio()[reg / 4] = v;
}

void send_icr(uint32_t apic_id, uint32_t low)
{
    if (x2()) {
        wrmsr(0x830, (uint64_t(apic_id) << 32) | low);
        return;
    }
    write(REG_ICR_HI, apic_id << 24);
    write(REG_ICR_LO, low);
    for (int i = 0; i < 100000 && (read(REG_ICR_LO) & ICR_PENDING); i++)
        cpu_relax();
}

} // namespace

bool apic_x2() { return x2(); }

void apic_init()
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    write(REG_TPR, 0);
    write(REG_SVR, 0x100 | VECTOR_SPURIOUS);
    write(REG_TIMER_DIV, 0xb); // divide by 1
    write(REG_LVT_TIMER, 1 << 16); // masked until armed
    if (!g_ticks_per_ms) {
        // Calibrate against the TSC, whose rate Linux measured for us.
        write(REG_TIMER_INIT, 0xffffffff);
        delay_us(10000);
        uint32_t left = read(REG_TIMER_CUR);
        write(REG_TIMER_INIT, 0);
        g_ticks_per_ms = (0xffffffffull - left) / 10;
        if (!g_ticks_per_ms)
            g_ticks_per_ms = 1;
    }
}

void apic_timer_arm(uint64_t us)
{
    if (!us) {
        write(REG_TIMER_INIT, 0);
        return;
    }
    uint64_t ticks = us * g_ticks_per_ms / 1000;
    if (ticks < 1)
        ticks = 1;
    if (ticks > 0xffffffffull)
        ticks = 0xffffffffull;
    write(REG_LVT_TIMER, VECTOR_TIMER); // one-shot
    write(REG_TIMER_INIT, uint32_t(ticks));
}

uint32_t apic_id() { return x2() ? read(REG_ID) : read(REG_ID) >> 24; }

void apic_eoi() { write(REG_EOI, 0); }

void apic_send_ipi(uint32_t id, uint8_t vector) { send_icr(id, vector); }

void apic_start_cpu(uint32_t id, uint64_t page_phys)
{
    send_icr(id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
    delay_us(10000);
    send_icr(id, ICR_INIT | ICR_LEVEL);
    delay_us(200);
    for (int i = 0; i < 2; i++) {
        send_icr(id, ICR_STARTUP | uint32_t(page_phys >> 12));
        delay_us(200);
    }
}

} // namespace mck::arch
