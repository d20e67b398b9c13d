// SPDX-License-Identifier: GPL-2.0
// The C and C++ runtime pieces a freestanding kernel needs: mem* and str*, the
// kernel heap behind operator new, and the ABI hooks g++ emits.
#include <kernel/boot.h>
#include <kernel/mem.h>
#include <arch/paging.h>
#include <lib/spinlock.h>

#include <stddef.h>
#include <stdint.h>

extern "C" {

// The CPU's string instructions: on every CPU since Ivy Bridge (ERMSB) they
// move whole cache lines, tens of times faster than a byte loop.
void* memcpy(void* dst, const void* src, size_t n)
{
    void* d = dst;
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void* memmove(void* dst, const void* src, size_t n)
{
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    // Overlapping, destination above: copy backwards (DF set only here).
    const unsigned char* s_last = s + n - 1;
    unsigned char* d_last = d + n - 1;
    asm volatile("std\n\trep movsb\n\tcld" : "+D"(d_last), "+S"(s_last), "+c"(n) : : "memory");
    return dst;
}

void* memset(void* dst, int c, size_t n)
{
    void* d = dst;
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

int memcmp(const void* a, const void* b, size_t n)
{
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char* s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void __cxa_pure_virtual() { mck::panic("pure virtual call"); }
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; } // the kernel never exits
void* __dso_handle = nullptr;

} // extern "C"

namespace {

// The kernel heap: power-of-two size classes from 16 bytes to 2 KiB, each a free
// list refilled a page at a time; larger objects take whole pages.
constexpr size_t MIN_SHIFT = 4, MAX_SHIFT = 11;
struct FreeObject {
    FreeObject* next;
};
FreeObject* g_free[MAX_SHIFT + 1];
mck::SpinLock g_heap_lock{mck::LockRank::Heap};
constexpr uint64_t PAGE = 4096;

unsigned size_class(size_t bytes)
{
    unsigned shift = MIN_SHIFT;
    while ((size_t(1) << shift) < bytes)
        shift++;
    return shift;
}

void* heap_alloc(size_t bytes)
{
    if (bytes > (size_t(1) << MAX_SHIFT)) {
        // Whole pages, with the size stored in a header page-aligned before.
        uint64_t phys = mck::mem_alloc((bytes + 16 + PAGE - 1) & ~(PAGE - 1), -1);
        if (!phys)
            return nullptr;
        auto* header = static_cast<uint64_t*>(mck::arch::phys_to_virt(phys));
        header[0] = bytes;
        return header + 2;
    }
    unsigned c = size_class(bytes);
    mck::SpinLockGuard guard(g_heap_lock);
    if (!g_free[c]) {
        uint64_t phys = mck::mem_alloc(PAGE, -1);
        if (!phys)
            return nullptr;
        auto* page = static_cast<char*>(mck::arch::phys_to_virt(phys));
        for (uint64_t off = 0; off < PAGE; off += size_t(1) << c) {
            auto* obj = reinterpret_cast<FreeObject*>(page + off);
            obj->next = g_free[c];
            g_free[c] = obj;
        }
    }
    FreeObject* obj = g_free[c];
    g_free[c] = obj->next;
    return obj;
}

void heap_free(void* p, size_t bytes)
{
    if (!p)
        return;
    if (bytes > (size_t(1) << MAX_SHIFT)) {
        auto* header = static_cast<uint64_t*>(p) - 2;
        mck::mem_free(reinterpret_cast<uint64_t>(header) - mck::arch::DIRECT_BASE,
                      (header[0] + 16 + PAGE - 1) & ~(PAGE - 1));
        return;
    }
    unsigned c = size_class(bytes);
    mck::SpinLockGuard guard(g_heap_lock);
    auto* obj = static_cast<FreeObject*>(p);
    obj->next = g_free[c];
    g_free[c] = obj;
}

} // namespace

// Running out of heap is an error the caller sees: operator new returns null
// and the kernel is built with -fcheck-new, so `new T` checks before it
// constructs and every caller handles nullptr (ENOMEM). The heap takes its
// pages from the allocator's kernel reserve, which user memory cannot use up
// (kernel/mem.h). Sized delete only: the size finds the class.
void* operator new(size_t bytes)
{
    return heap_alloc(bytes);
}
void* operator new[](size_t bytes) { return operator new(bytes); }
void operator delete(void* p, size_t bytes) noexcept { heap_free(p, bytes); }
void operator delete[](void* p, size_t bytes) noexcept { heap_free(p, bytes); }
void operator delete[](void*) noexcept { mck::panic("unsized delete[]: use sized types"); }
void operator delete(void*) noexcept { mck::panic("unsized delete"); }
