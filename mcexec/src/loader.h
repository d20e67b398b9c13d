// SPDX-License-Identifier: GPL-2.0
// Loading a program for the LWK: resolve it on PATH, check and read its ELF
// headers (and its dynamic loader's), plan where everything goes in the
// program's address space, and build the initial stack (argc, argv, envp,
// auxv) the way Linux's execve does. Pure user space: unit-tested on the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mcexec {

// Why a program cannot run, with the shell's exit status for it.
struct LoadError {
    int status;          // 127: not found, 126: cannot execute
    std::string message; // names the file and what is wrong
};

// Resolve @name like execvp: as a path if it has a '/', else on @path_env.
std::string resolve_program(const std::string& name, const char* path_env, LoadError* err);

struct Segment {
    uint64_t vaddr;  // where it goes (load bias applied)
    uint64_t memsz;
    uint64_t filesz;
    uint64_t offset; // in the file
    uint32_t prot;   // PROT_READ | PROT_WRITE | PROT_EXEC
};

struct ElfImage {
    std::string path;
    int fd = -1;          // open, close-on-exec
    bool pie = false;     // ET_DYN: placed at a load bias
    uint64_t bias = 0;
    uint64_t entry = 0;   // with bias
    uint64_t phdr = 0;    // address of the program headers in memory (0 if not loaded)
    uint32_t phnum = 0, phent = 0;
    std::string interp;   // PT_INTERP, empty if static
    std::vector<Segment> segments;
    uint64_t end = 0;     // highest loaded address (page aligned)
};

// A "#!" script: the command that runs it, as Linux's execve builds it
// (interpreter, its one optional argument, the script's path, then @argv
// after argv[0]), up to 4 interpreters deep. @argv unchanged for anything
// else; empty with @err on a bad "#!" line or missing interpreter.
std::vector<std::string> apply_shebang(const std::string& path, const std::vector<std::string>& argv,
                                       std::string* program, LoadError* err);
// Is @path something execve runs (an x86-64 ELF file or a "#!" script)? 0 or ENOEXEC/errno.
int executable_format(const std::string& path);

// Open and check @path (x86-64 ELF executable or shared object) and place it at @bias if it is PIE.
bool load_elf(const std::string& path, uint64_t pie_bias, ElfImage* out, LoadError* err);

struct Region {
    uint64_t start, len;
    uint32_t prot;
};
// Page-aligned regions covering the segments of @images; overlapping pages merged.
std::vector<Region> plan_regions(const std::vector<const ElfImage*>& images);

struct StackImage {
    uint64_t sp;                // the initial stack pointer
    std::vector<uint8_t> bytes; // what goes at [sp, top)
};

struct AuxInfo {
    uint64_t phdr, phent, phnum, entry, base;
    uint64_t uid, euid, gid, egid;
    uint64_t hwcap, hwcap2, clktck, minsigstksz;
    uint64_t sysinfo_ehdr;       // the vDSO the LWK maps (AT_SYSINFO_EHDR); 0: none
    std::vector<uint8_t> random; // 16 bytes
    std::string platform;        // "x86_64"
    std::string execfn;          // the path the program was started as
};

// The initial stack ending at @top (16-byte aligned sp, as the ABI wants).
StackImage build_stack(uint64_t top, const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                       const AuxInfo& aux);

} // namespace mcexec
