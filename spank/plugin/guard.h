// SPDX-License-Identifier: GPL-2.0
// No exception may cross into Slurm (C): every callback runs through guarded(),
// which turns one into "mckernel: <callback>: <what>" in Slurm's log and -1.
#pragma once

extern "C" {
#include <slurm/spank.h>
}

#include <exception>

namespace mckspank {

template <typename F>
int guarded(const char* where, F&& body) noexcept
{
    try {
        return body();
    } catch (const std::exception& e) {
        slurm_error("mckernel: %s: %s", where, e.what());
    } catch (...) {
        slurm_error("mckernel: %s: unexpected exception", where);
    }
    return -1;
}

} // namespace mckspank
