// SPDX-License-Identifier: GPL-2.0
// The LWK end of IKC (ihk/ikc.h): the channels, and answering Linux.
#pragma once

namespace mck {

// Allocate and publish one channel per CPU (boot CPU, before RUNNING).
void ikc_init();
// The doorbell interrupt: drain this CPU's incoming ring.
void ikc_doorbell();

} // namespace mck
