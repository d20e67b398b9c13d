// SPDX-License-Identifier: GPL-2.0
// Program loading (loader.h).
#include "loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace mcexec {
namespace {

constexpr uint64_t PAGE = 4096;
uint64_t down(uint64_t v) { return v & ~(PAGE - 1); }
uint64_t up(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

bool fail(LoadError* err, int status, std::string message)
{
    *err = LoadError{status, std::move(message)};
    return false;
}

bool read_at(int fd, void* buf, size_t len, off_t off)
{
    auto* p = static_cast<char*>(buf);
    while (len) {
        ssize_t n = pread(fd, p, len, off);
        if (n <= 0)
            return false;
        p += n;
        len -= size_t(n);
        off += n;
    }
    return true;
}

bool executable_file(const std::string& path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

} // namespace

std::string resolve_program(const std::string& name, const char* path_env, LoadError* err)
{
    if (name.empty()) {
        fail(err, 127, "an empty program name");
        return {};
    }
    auto check = [&](const std::string& path) -> std::string {
        struct stat st;
        if (stat(path.c_str(), &st) != 0) {
            fail(err, 127, path + ": " + std::strerror(errno));
            return {};
        }
        if (S_ISDIR(st.st_mode)) {
            fail(err, 126, path + ": Is a directory");
            return {};
        }
        if (access(path.c_str(), X_OK) != 0) {
            fail(err, 126, path + ": " + std::strerror(errno));
            return {};
        }
        return path;
    };
    if (name.find('/') != std::string::npos)
        return check(name);
    std::string dirs = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    std::stringstream ss(dirs);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        std::string cand = (dir.empty() ? "." : dir) + "/" + name;
        if (executable_file(cand))
            return cand;
    }
    fail(err, 127, name + ": command not found");
    return {};
}

bool load_elf(const std::string& path, uint64_t pie_bias, ElfImage* out, LoadError* err)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errno == ENOENT ? 127 : 126, path + ": " + std::strerror(errno));
    out->fd = fd;
    out->path = path;
    // Linux runs nothing from a noexec mount, the program or its loader (EACCES).
    struct statvfs vfs;
    if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
        return fail(err, 126, path + ": " + std::strerror(EACCES) + " (a noexec mount)");
    Elf64_Ehdr eh;
    if (!read_at(fd, &eh, sizeof(eh), 0) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return fail(err, 126, path + ": not an ELF executable (cannot execute binary file)");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
        return fail(err, 126,
                    path + ": built for another architecture (ELF class " + std::to_string(eh.e_ident[EI_CLASS]) +
                        ", machine " + std::to_string(eh.e_machine) + "); McKernel runs x86-64 programs");
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return fail(err, 126, path + ": ELF type " + std::to_string(eh.e_type) + " is not an executable");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 256)
        return fail(err, 126, path + ": bad program header table");
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    if (!read_at(fd, ph.data(), ph.size() * sizeof(Elf64_Phdr), off_t(eh.e_phoff)))
        return fail(err, 126, path + ": truncated program header table");
    out->pie = eh.e_type == ET_DYN;
    out->bias = out->pie ? pie_bias : 0;
    out->entry = eh.e_entry + out->bias;
    out->phnum = eh.e_phnum;
    out->phent = eh.e_phentsize;
    for (const auto& p : ph) {
        if (p.p_type == PT_INTERP) {
            if (p.p_filesz < 2 || p.p_filesz > 4096)
                return fail(err, 126, path + ": bad PT_INTERP");
            std::string interp(p.p_filesz, '\0');
            if (!read_at(fd, interp.data(), interp.size(), off_t(p.p_offset)))
                return fail(err, 126, path + ": truncated PT_INTERP");
            out->interp = interp.c_str();
        } else if (p.p_type == PT_PHDR) {
            out->phdr = p.p_vaddr + out->bias;
        } else if (p.p_type == PT_LOAD && p.p_memsz) {
            if (p.p_filesz > p.p_memsz || (p.p_vaddr % PAGE) != (p.p_offset % PAGE))
                return fail(err, 126, path + ": malformed PT_LOAD segment");
            uint32_t prot = ((p.p_flags & PF_R) ? PROT_READ : 0) | ((p.p_flags & PF_W) ? PROT_WRITE : 0) |
                            ((p.p_flags & PF_X) ? PROT_EXEC : 0);
            out->segments.push_back(Segment{p.p_vaddr + out->bias, p.p_memsz, p.p_filesz, p.p_offset, prot});
            out->end = std::max(out->end, up(p.p_vaddr + out->bias + p.p_memsz));
        }
    }
    if (out->segments.empty())
        return fail(err, 126, path + ": no loadable segments");
    if (!out->phdr) // no PT_PHDR: the headers are loaded if a segment covers them
        for (const auto& s : out->segments)
            if (eh.e_phoff >= s.offset && eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) <= s.offset + s.filesz)
                out->phdr = s.vaddr + (eh.e_phoff - s.offset);
    return true;
}

std::vector<Region> plan_regions(const std::vector<const ElfImage*>& images)
{
    std::vector<Region> rs;
    for (const ElfImage* im : images)
        for (const auto& s : im->segments)
            rs.push_back(Region{down(s.vaddr), up(s.vaddr + s.memsz) - down(s.vaddr), s.prot});
    std::sort(rs.begin(), rs.end(), [](const Region& a, const Region& b) { return a.start < b.start; });
    std::vector<Region> merged;
    for (const auto& r : rs) {
        if (!merged.empty() && r.start < merged.back().start + merged.back().len) {
            Region& m = merged.back();
            uint64_t end = std::max(m.start + m.len, r.start + r.len);
            m.len = end - m.start;
            m.prot |= r.prot;
        } else {
            merged.push_back(r);
        }
    }
    return merged;
}

StackImage build_stack(uint64_t top, const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                       const AuxInfo& aux)
{
    // Strings and the random bytes at the top, then (16-byte aligned) the vectors.
    std::vector<uint8_t> strings;
    auto add = [&](const void* data, size_t len) {
        uint64_t off = strings.size();
        strings.insert(strings.end(), static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + len);
        return off;
    };
    std::vector<uint64_t> argv_off, envp_off;
    for (const auto& a : argv)
        argv_off.push_back(add(a.c_str(), a.size() + 1));
    for (const auto& e : envp)
        envp_off.push_back(add(e.c_str(), e.size() + 1));
    uint64_t execfn_off = add(aux.execfn.c_str(), aux.execfn.size() + 1);
    uint64_t platform_off = add(aux.platform.c_str(), aux.platform.size() + 1);
    uint64_t random_off = add(aux.random.data(), aux.random.size());
    uint64_t strings_base = (top - 16 - strings.size()) & ~15ull;
    auto at = [&](uint64_t off) { return strings_base + off; };

    std::vector<uint64_t> words;
    words.push_back(argv.size());
    for (uint64_t o : argv_off)
        words.push_back(at(o));
    words.push_back(0);
    for (uint64_t o : envp_off)
        words.push_back(at(o));
    words.push_back(0);
    auto auxv = [&](uint64_t type, uint64_t value) {
        words.push_back(type);
        words.push_back(value);
    };
    if (aux.phdr)
        auxv(AT_PHDR, aux.phdr);
    auxv(AT_PHENT, aux.phent);
    auxv(AT_PHNUM, aux.phnum);
    auxv(AT_PAGESZ, PAGE);
    auxv(AT_BASE, aux.base);
    auxv(AT_FLAGS, 0);
    auxv(AT_ENTRY, aux.entry);
    auxv(AT_UID, aux.uid);
    auxv(AT_EUID, aux.euid);
    auxv(AT_GID, aux.gid);
    auxv(AT_EGID, aux.egid);
    auxv(AT_PLATFORM, at(platform_off));
    auxv(AT_HWCAP, aux.hwcap);
    auxv(AT_CLKTCK, aux.clktck);
    auxv(AT_SECURE, 0);
    auxv(AT_RANDOM, at(random_off));
    auxv(AT_HWCAP2, aux.hwcap2);
    auxv(AT_EXECFN, at(execfn_off));
    if (aux.minsigstksz)
        auxv(AT_MINSIGSTKSZ, aux.minsigstksz);
    if (aux.sysinfo_ehdr)
        auxv(AT_SYSINFO_EHDR, aux.sysinfo_ehdr);
    auxv(AT_NULL, 0);

    uint64_t sp = (strings_base - words.size() * 8) & ~15ull;
    StackImage img;
    img.sp = sp;
    img.bytes.assign(top - sp, 0);
    std::memcpy(img.bytes.data(), words.data(), words.size() * 8);
    std::memcpy(img.bytes.data() + (strings_base - sp), strings.data(), strings.size());
    return img;
}

namespace {

// The interpreter line of @path if it starts with "#!": true and *@interp, *@arg.
bool read_shebang(const std::string& path, std::string* interp, std::string* arg, bool* too_long)
{
    char buf[256];
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 2 || buf[0] != '#' || buf[1] != '!')
        return false;
    buf[n] = 0;
    char* nl = static_cast<char*>(memchr(buf, '\n', size_t(n)));
    *too_long = !nl && n == sizeof(buf) - 1;
    if (nl)
        *nl = 0;
    std::string line(buf + 2);
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    size_t b = 0;
    while (b < line.size() && is_space(line[b]))
        b++;
    size_t e = b;
    while (e < line.size() && !is_space(line[e]))
        e++;
    *interp = line.substr(b, e - b);
    // Linux passes the rest of the line, trimmed, as one argument.
    size_t ab = e;
    while (ab < line.size() && is_space(line[ab]))
        ab++;
    size_t ae = line.size();
    while (ae > ab && is_space(line[ae - 1]))
        ae--;
    *arg = line.substr(ab, ae - ab);
    return true;
}

} // namespace

std::vector<std::string> apply_shebang(const std::string& path, const std::vector<std::string>& argv,
                                       std::string* program, LoadError* err)
{
    std::vector<std::string> cmd = argv;
    std::string current = path;
    for (int depth = 0; depth < 5; depth++) {
        std::string interp, arg;
        bool too_long = false;
        if (!read_shebang(current, &interp, &arg, &too_long)) {
            *program = current;
            return cmd;
        }
        if (depth == 4) {
            fail(err, 126, path + ": too many levels of #! interpreters");
            return {};
        }
        if (interp.empty() || too_long) {
            fail(err, 126, current + ": bad interpreter line");
            return {};
        }
        struct stat st;
        if (stat(interp.c_str(), &st) != 0) {
            fail(err, 126, current + ": bad interpreter " + interp + ": " + std::strerror(errno));
            return {};
        }
        std::vector<std::string> next{interp};
        if (!arg.empty())
            next.push_back(arg);
        next.push_back(current);
        for (size_t i = 1; i < cmd.size(); i++)
            next.push_back(cmd[i]);
        cmd = std::move(next);
        current = interp;
    }
    return {};
}

int executable_format(const std::string& path)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    unsigned char h[20] = {};
    ssize_t n = read(fd, h, sizeof(h));
    close(fd);
    if (n >= 2 && h[0] == '#' && h[1] == '!')
        return 0;
    // ELF, 64-bit, x86-64 (e_machine 62), executable or shared object.
    if (n == 20 && !memcmp(h, "\x7f" "ELF", 4) && h[4] == 2 && h[18] == 62 && h[19] == 0 && (h[16] == 2 || h[16] == 3))
        return 0;
    return ENOEXEC;
}

} // namespace mcexec
