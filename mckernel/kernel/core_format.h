// SPDX-License-Identifier: GPL-2.0
// The pure half of core files (kernel/coredump.cpp writes them): the file's
// name from Linux's core_pattern, which of a region's bytes go in, and the
// ELF core records as Linux's x86-64 core dumps lay them out, so gdb, eu-stack
// and readelf read ours as theirs. No kernel state here: host tests use it.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mck {

// What core_pattern's %-specifiers name (Linux's core(5)).
struct CoreNameFacts {
    uint32_t pid = 0, tid = 0, uid = 0, gid = 0;
    int sig = 0;
    int64_t time = 0;         // %t: seconds since the epoch
    uint64_t limit = 0;       // %c: RLIMIT_CORE's soft limit
    const char* host = "";    // %h
    const char* exe = "";     // the executable's path: %e its last part (15 bytes), %E with '!' for '/'
};

// The core file's path for @pattern (Linux's format_corename): false for a
// pattern that pipes to a program ('|'), an empty one, or a name of @out_len
// bytes or more. @uses_pid: core_uses_pid, ".PID" unless %p is in the pattern.
// Unknown specifiers are dropped, as Linux drops them.
bool core_name(const char* pattern, const CoreNameFacts& f, bool uses_pid, char* out, size_t out_len);

// Region flags that decide what of a region goes in (as Linux's default
// coredump_filter 0x33: private and shared anonymous memory, written private
// file pages, ELF headers; not shared file pages or device memory).
struct CoreRegion {
    uint64_t start, end;
    bool readable, writable, executable;
    bool file;          // mapped from a file
    bool shared_file;   // a shared mapping of Linux's pages (a file, System V memory)
    bool device;        // device memory or I/O space
    bool elf_header;    // its first page starts with an ELF header
};
// Bytes of the region from its start that the file holds (holes where no page is).
uint64_t core_region_bytes(const CoreRegion& r);

constexpr uint32_t NT_PRSTATUS = 1, NT_PRFPREG = 2, NT_PRPSINFO = 3, NT_AUXV = 6, NT_SIGINFO = 0x53494749;

struct Elf64Ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
static_assert(sizeof(Elf64Ehdr) == 64);

struct Elf64Phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
static_assert(sizeof(Elf64Phdr) == 56);

// x86-64 user_regs_struct, in its order.
struct CoreRegs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags,
        rsp, ss, fs_base, gs_base, ds, es, fs, gs;
};
static_assert(sizeof(CoreRegs) == 216);

// Linux's struct elf_prstatus on x86-64.
struct CorePrstatus {
    int32_t si_signo, si_code, si_errno;
    int16_t cursig;
    uint16_t pad0;
    uint64_t sigpend, sighold;
    int32_t pid, ppid, pgrp, sid;
    int64_t utime[2], stime[2], cutime[2], cstime[2];
    CoreRegs regs;
    int32_t fpvalid;
    int32_t pad1;
};
static_assert(sizeof(CorePrstatus) == 336);

// Linux's struct elf_prpsinfo on x86-64.
struct CorePrpsinfo {
    char state, sname, zomb, nice;
    uint32_t pad0;
    uint64_t flag;
    uint32_t uid, gid;
    int32_t pid, ppid, pgrp, sid;
    char fname[16];
    char psargs[80];
};
static_assert(sizeof(CorePrpsinfo) == 136);

// A note's size in the file: its header, "CORE" and the description, each 4-byte aligned.
constexpr uint64_t core_note_size(uint64_t desc) { return 12 + 8 + ((desc + 3) & ~3ull); }
// The note's header and name, into @out (20 bytes); the description follows.
void core_note_header(uint8_t* out, uint32_t type, uint32_t desc);

// The ELF header of a core file with @phnum program headers right after it.
Elf64Ehdr core_ehdr(uint16_t phnum);

} // namespace mck
