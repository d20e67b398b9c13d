// SPDX-License-Identifier: GPL-2.0
// The files behind the program's file mappings (mapped_files.h).
#include "mapped_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <map>
#include <mutex>
#include <new>

namespace mcexec {
namespace {

constexpr size_t MAX_NOTED = 65536; // per space; Linux's max_map_count is 65530

std::mutex g_lock;
std::map<uint64_t, view::MappedFile> g_noted[2]; // Private, Shared: by start address

} // namespace

namespace {

// Note @f, dropping the notes it overlaps. Caller holds g_lock.
void note_locked(std::map<uint64_t, view::MappedFile>& noted, view::MappedFile f)
{
    auto it = noted.lower_bound(f.start);
    if (it != noted.begin() && std::prev(it)->second.end > f.start)
        --it;
    while (it != noted.end() && it->first < f.end)
        it = noted.erase(it);
    if (noted.size() >= MAX_NOTED)
        noted.erase(noted.begin());
    uint64_t start = f.start;
    noted.emplace(start, std::move(f));
}

} // namespace

void mapped_file_note(view::MappedFile::Space space, uint64_t addr, uint64_t len, uint64_t offset, int fd)
{
    if (space == view::MappedFile::Program || !len || addr + len < addr)
        return;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    struct stat st {};
    if (n <= 0 || fstat(fd, &st) != 0)
        return;
    view::MappedFile f{addr, addr + len, offset, uint64_t(st.st_dev), uint64_t(st.st_ino), std::string(target, size_t(n)),
                       space};
    std::lock_guard<std::mutex> guard(g_lock);
    note_locked(g_noted[space == view::MappedFile::Private ? 0 : 1], std::move(f));
}

void mapped_file_copy(view::MappedFile::Space space, uint64_t from, uint64_t to, uint64_t len)
{
    if (space == view::MappedFile::Program || !len || to + len < to)
        return;
    std::lock_guard<std::mutex> guard(g_lock);
    auto& noted = g_noted[space == view::MappedFile::Private ? 0 : 1];
    auto it = noted.upper_bound(from);
    if (it == noted.begin() || std::prev(it)->second.end <= from)
        return; // a file we could not name (or shared anonymous memory)
    view::MappedFile c = std::prev(it)->second;
    c.offset += from - c.start;
    c.start = to;
    c.end = to + len;
    note_locked(noted, std::move(c));
}

std::vector<view::MappedFile> mapped_files_noted()
{
    std::vector<view::MappedFile> out;
    std::lock_guard<std::mutex> guard(g_lock);
    for (const auto& noted : g_noted)
        for (const auto& [addr, f] : noted)
            out.push_back(f);
    return out;
}

void mapped_files_after_fork()
{
    new (&g_lock) std::mutex; // another thread may have held it when the parent forked
}

} // namespace mcexec
