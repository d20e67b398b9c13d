// SPDX-License-Identifier: GPL-2.0
// Pages Linux still held when a program let go of them (mem_withhold): asking
// Linux again, and taking back those it let go of (docs/memory.md).
#pragma once

#include <stdint.h>

struct ihk_ikc_msg;

namespace mck {

// A process ended on CPU @cpu_index: ask Linux, on that CPU's ring, about the
// withheld pages we have freed. Call with no lock held.
void held_ask_linux(uint32_t cpu_index);
// Linux's answer (MCK_IKC_HELD_FREE): it holds none of those pages any more.
void held_freed_by_linux(const ihk_ikc_msg& m);

} // namespace mck
