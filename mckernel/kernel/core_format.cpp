// SPDX-License-Identifier: GPL-2.0
// Core file names and records (kernel/core_format.h).
#include <kernel/core_format.h>

#include <lib/format.h>

#include <string.h>

namespace mck {
namespace {

constexpr uint64_t PAGE = 4096;

// Appends to a fixed buffer; remembers that something did not fit.
class NameBuf {
public:
    NameBuf(char* out, size_t len) : m_out(out), m_len(len) { m_out[0] = 0; }
    void put(const char* s, size_t n)
    {
        for (size_t i = 0; i < n && s[i]; i++) {
            if (m_used + 1 >= m_len) {
                m_overflow = true;
                return;
            }
            m_out[m_used++] = s[i];
        }
        m_out[m_used] = 0;
    }
    void put(const char* s) { put(s, ~size_t(0)); }
    // A specifier's value: a '/' in it would name another directory, so it
    // becomes '!' (Linux's cn_esc_printf).
    void put_escaped(const char* s, size_t n)
    {
        for (size_t i = 0; i < n && s[i]; i++)
            put(s[i] == '/' ? "!" : s + i, 1);
    }
    void num(uint64_t v)
    {
        char b[24];
        format(b, sizeof(b), "%llu", static_cast<unsigned long long>(v));
        put(b);
    }
    bool ok() const { return !m_overflow && m_used > 0; }

private:
    char* m_out;
    size_t m_len, m_used = 0;
    bool m_overflow = false;
};

const char* last_part(const char* path)
{
    const char* base = path;
    for (const char* c = path; *c; c++)
        if (*c == '/' && c[1])
            base = c + 1;
    return base;
}

} // namespace

bool core_name(const char* pattern, const CoreNameFacts& f, bool uses_pid, char* out, size_t out_len)
{
    if (!out_len)
        return false;
    NameBuf n(out, out_len);
    if (pattern[0] == '|' || !pattern[0])
        return false; // a pipe to a program: not ours to start (docs/lwk.md)
    bool pid_in_pattern = false;
    for (const char* c = pattern; *c; c++) {
        if (*c != '%') {
            n.put(c, 1);
            continue;
        }
        switch (*++c) {
        case 0:
            c--; // a lone '%' at the end: dropped
            break;
        case '%':
            n.put("%");
            break;
        case 'p':
            pid_in_pattern = true;
            [[fallthrough]];
        case 'P':
            n.num(f.pid);
            break;
        case 'i':
        case 'I':
            n.num(f.tid);
            break;
        case 'u':
            n.num(f.uid);
            break;
        case 'g':
            n.num(f.gid);
            break;
        case 'd':
            n.num(1); // only a dumpable process writes a core
            break;
        case 's':
            n.num(uint64_t(f.sig));
            break;
        case 't':
            n.num(uint64_t(f.time));
            break;
        case 'c':
            n.num(f.limit);
            break;
        case 'h':
            n.put_escaped(f.host, ~size_t(0));
            break;
        case 'e':
            n.put_escaped(last_part(f.exe), 15); // the name Linux keeps (comm)
            break;
        case 'E':
            n.put_escaped(f.exe, ~size_t(0));
            break;
        default:
            break; // unknown: dropped, as Linux does
        }
    }
    if (uses_pid && !pid_in_pattern) {
        n.put(".");
        n.num(f.pid);
    }
    return n.ok();
}

uint64_t core_region_bytes(const CoreRegion& r)
{
    uint64_t len = r.end - r.start;
    if (r.device || r.shared_file || !r.readable)
        return 0;
    if (!r.file || r.writable)
        return len; // anonymous memory, or a private file mapping that may have been written
    // Text and read-only data are in the files gdb reads; their first page
    // (the ELF header) says which file, as Linux keeps it.
    return r.elf_header ? (len < PAGE ? len : PAGE) : 0;
}

void core_note_header(uint8_t* out, uint32_t type, uint32_t desc)
{
    uint32_t h[3] = {5, desc, type}; // namesz counts the NUL of "CORE"
    memcpy(out, h, sizeof(h));
    memcpy(out + 12, "CORE\0\0\0\0", 8);
}

Elf64Ehdr core_ehdr(uint16_t phnum)
{
    Elf64Ehdr e{};
    const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */};
    memcpy(e.ident, ident, sizeof(ident));
    e.type = 4;     // ET_CORE
    e.machine = 62; // EM_X86_64
    e.version = 1;
    e.phoff = sizeof(Elf64Ehdr);
    e.ehsize = sizeof(Elf64Ehdr);
    e.phentsize = sizeof(Elf64Phdr);
    e.phnum = phnum;
    return e;
}

} // namespace mck
