// SPDX-License-Identifier: GPL-2.0
// Switching on the lock-order check (lib/spinlock.h) once per-CPU blocks exist.
#pragma once

namespace mck {

void lock_rank_start(); // after the boot CPU's cpu_init(); APs init theirs before any lock

} // namespace mck
