// SPDX-License-Identifier: GPL-2.0
// Starting the instance's other CPUs.
#pragma once

namespace mck {

// Start every CPU after cpus[0], one at a time, each within a bounded wait.
void smp_start_cpus();

} // namespace mck
