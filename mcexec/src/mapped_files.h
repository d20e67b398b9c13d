// SPDX-License-Identifier: GPL-2.0
// Which file is behind the program's file mappings, for the names in its
// /proc/self/maps (lwk_proc.h). McKernel keeps only that a region is a file
// mapping; mcexec sees the descriptor when it fills a private one
// (MCK_SYS_MAP_FILL) or maps a shared one (MCK_SYS_MAP_SHARED), and notes the
// file's path, device and inode then. At most MAX_NOTED per space: a note a
// later one overlaps is dropped, and past the limit the lowest address goes.
#pragma once

#include "lwk_proc.h"

#include <cstdint>
#include <vector>

namespace mcexec {

// [addr, addr + len) of @space (Private: the program's address; Shared:
// mcexec's mapping) holds @fd's bytes from @offset.
void mapped_file_note(view::MappedFile::Space space, uint64_t addr, uint64_t len, uint64_t offset, int fd);
// [to, to + len) of @space maps the file noted at @from, from there on (a
// second mapping made by mremap, perhaps longer).
void mapped_file_copy(view::MappedFile::Space space, uint64_t from, uint64_t to, uint64_t len);
// Every note, for maps().
std::vector<view::MappedFile> mapped_files_noted();
// In a fork child (one thread): the notes stay (the child has the same mappings).
void mapped_files_after_fork();

} // namespace mcexec
