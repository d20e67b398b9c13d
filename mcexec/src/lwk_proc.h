// SPDX-License-Identifier: GPL-2.0
// The program's /proc/self/{maps,stat,statm,status} rendered from a snapshot
// of its LWK process (struct mck_proc_snapshot, MCK_SYS_PROC_FILE in
// mcexec/abi.h), in Linux's formats (man 5 proc, fs/proc/array.c,
// fs/proc/task_mmu.c), so that ps, glibc's pthread_getattr_np, libnuma and
// hwloc parse them as Linux's. What the LWK does not know (process group,
// session, terminal, start time, signals) comes from mcexec's own files,
// which Linux keeps right for the program: its pid, parent and session are
// mcexec's.
//
// Pure functions of their inputs, unit-tested on the host
// (tests/unit/mcexec/lwk_proc_test.cpp).
#pragma once

#include <mcexec/abi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mcexec::view {

struct Snapshot {
    mck_proc_snapshot head{};
    std::vector<mck_snap_thread> threads;
    std::vector<mck_snap_vma> vmas;
};

// Parse @len bytes at @data; false if they are not a snapshot of this
// version or the counts do not fit in @len.
bool parse_snapshot(const void* data, size_t len, Snapshot* out);

// A file whose bytes [start, end) hold from @offset, in one of three places:
//  Program: a region mcexec mapped at creation (the program and its loader);
//  Private: a private file mapping McKernel filled (MCK_SYS_MAP_FILL), for
//           regions the snapshot marks MCK_SNAP_VMA_FILE;
//  Shared:  mcexec's own mapping behind a shared file mapping, for regions
//           whose linux_addr falls in it.
struct MappedFile {
    enum Space : uint8_t { Program, Private, Shared };
    uint64_t start = 0, end = 0, offset = 0;
    uint64_t dev = 0, ino = 0; // st_dev, st_ino
    std::string path;
    Space space = Program;
};

// /proc/self/maps: one line per region, "[heap]", "[stack]", "[vdso]",
// "[vvar]" and the files of @files named; a file mapping none of them covers
// (moved by mremap) has no name.
std::string maps(const Snapshot& s, const std::vector<MappedFile>& files);

// /proc/self/stat of the process (@tid 0) or of its thread @tid, from
// @linux_stat (mcexec's own, for the fields the LWK does not know).
// Empty if @linux_stat cannot be parsed or @tid is not in the snapshot.
std::string stat(const Snapshot& s, const std::string& linux_stat, uint32_t tid, const std::string& comm);

// /proc/self/statm, in pages.
std::string statm(const Snapshot& s);

// /proc/self/status made the LWK process's: State, Pid (the thread's for
// @tid), Threads, Vm* and Rss* lines and the context switches; every other
// line of @status as it is, VmLck and VmPin too: what mcexec pins for the
// program's shared file mappings is charged there (docs/mcexec.md).
std::string status(const Snapshot& s, const std::string& status, uint32_t tid);

} // namespace mcexec::view
