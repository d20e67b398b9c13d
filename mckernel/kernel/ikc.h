// SPDX-License-Identifier: GPL-2.0
// The LWK end of IKC (ihk/ikc.h): the channels, and answering Linux.
#pragma once

#include <stdint.h>

struct ihk_ikc_msg;

namespace mck {

// Allocate and publish one channel per CPU (boot CPU, before RUNNING).
void ikc_init();
// The doorbell interrupt: drain this CPU's incoming ring.
void ikc_doorbell();
// Queue @m on channel @index towards Linux and interrupt the Linux CPU that
// serves it; false if the ring is full (or messages kept for it still wait):
// the caller tries again later or does without. Any CPU, any context.
bool ikc_send_to_linux(uint32_t index, const ihk_ikc_msg& m);
// The same for a message Linux must get (a process's end, an answer to a
// request): if the ring is full it waits, in order, until Linux has emptied
// the ring and rung back. Any CPU, any context.
void ikc_post_to_linux(uint32_t index, const ihk_ikc_msg& m);

} // namespace mck
