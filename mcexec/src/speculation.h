// SPDX-License-Identifier: GPL-2.0
// What prctl's speculation controls answer a program on the LWK (forward.cpp).
// Linux's own answer is about the mcexec worker thread that serves the call;
// the program runs on an LWK CPU, whose speculation controls (SSBD, STIBP,
// L1D flush) the LWK leaves as the CPU came up. So it is told what holds
// there: not affected where Linux says the CPU is not, otherwise speculation
// on and no control, and never a mitigation it does not have.
#pragma once

#include <sys/prctl.h>

#include <cerrno>
#include <cstdint>

namespace mcexec {

// PR_GET_SPECULATION_CTRL, given Linux's answer (or -errno) for the same misfeature.
constexpr int64_t speculation_get(int64_t linux_says)
{
    if (linux_says < 0)
        return linux_says; // an unknown misfeature: ENODEV
    return linux_says == PR_SPEC_NOT_AFFECTED ? PR_SPEC_NOT_AFFECTED : int64_t(PR_SPEC_ENABLE);
}

// PR_SET_SPECULATION_CTRL, given Linux's PR_GET answer for the same misfeature.
constexpr int64_t speculation_set(int64_t linux_says)
{
    return linux_says < 0 ? linux_says : -ENXIO; // "the control is not possible"
}

} // namespace mcexec
