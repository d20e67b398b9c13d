// SPDX-License-Identifier: GPL-2.0
// Extended state: XSAVE with every component the CPU offers (up to AVX-512),
// or FXSAVE on CPUs without XSAVE.
#include <arch/cpu.h>
#include <arch/fpu.h>

extern "C" void* memset(void*, int, size_t);

namespace mck::arch {
namespace {

bool g_xsave;
uint32_t g_size = 512;
uint64_t g_xcr0;

inline void xsetbv(uint32_t reg, uint64_t v)
{
    asm volatile("xsetbv" ::"c"(reg), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}

} // namespace

void fpu_init()
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint64_t cr0, cr4;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | (1 << 1) | (1 << 5)) & ~uint64_t((1 << 2) | (1 << 3)); // MP, NE on; EM, TS off
    asm volatile("mov %0, %%cr0" ::"r"(cr0));
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1 << 9) | (1 << 10); // OSFXSR, OSXMMEXCPT
    g_xsave = c & (1u << 26);
    if (g_xsave)
        cr4 |= 1 << 18; // OSXSAVE
    asm volatile("mov %0, %%cr4" ::"r"(cr4));
    if (g_xsave) {
        uint32_t lo, hi;
        cpuid(0xd, 0, &lo, &b, &c, &hi);
        // x87, SSE, AVX, and the three AVX-512 components, where offered.
        g_xcr0 = ((uint64_t(hi) << 32) | lo) & 0xe7;
        xsetbv(0, g_xcr0);
        cpuid(0xd, 0, &a, &b, &c, &d);
        g_size = (b + 63) & ~63u;
    }
    asm volatile("fninit");
}

uint32_t fpu_area_size() { return g_size; }

namespace {
alignas(64) uint8_t g_init_area[8192];
}

void fpu_reset()
{
    if (!g_init_area[0])
        fpu_init_area(g_init_area);
    fpu_restore(g_init_area);
}

void fpu_sanitize(void* area)
{
    auto* bytes = static_cast<uint8_t*>(area);
    *reinterpret_cast<uint32_t*>(bytes + 24) &= 0xffbf; // MXCSR: no reserved bits (DAZ kept)
    if (!g_xsave)
        return;
    auto* header = reinterpret_cast<uint64_t*>(bytes + 512);
    header[0] &= g_xcr0; // XSTATE_BV within what we enabled
    for (int i = 1; i < 8; i++)
        header[i] = 0; // XCOMP_BV (standard form) and reserved
}

void fpu_init_area(void* area)
{
    memset(area, 0, g_size);
    auto* bytes = static_cast<uint8_t*>(area);
    *reinterpret_cast<uint16_t*>(bytes) = 0x37f;         // FCW
    *reinterpret_cast<uint32_t*>(bytes + 24) = 0x1f80;   // MXCSR
    *reinterpret_cast<uint32_t*>(bytes + 28) = 0xffff;   // MXCSR_MASK (ignored on restore)
}

void fpu_save(void* area)
{
    if (g_xsave)
        asm volatile("xsave64 (%0)" ::"r"(area), "a"(uint32_t(g_xcr0)), "d"(uint32_t(g_xcr0 >> 32)) : "memory");
    else
        asm volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void* area)
{
    if (g_xsave)
        asm volatile("xrstor64 (%0)" ::"r"(area), "a"(uint32_t(g_xcr0)), "d"(uint32_t(g_xcr0 >> 32)) : "memory");
    else
        asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

} // namespace mck::arch
