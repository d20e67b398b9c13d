// SPDX-License-Identifier: LGPL-2.1-or-later
// Turns the kernel's refusal of a call (errno, err_reason, the refused entry)
// into one line a user can act on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ihk {

// What kind of entry the refused call carried; it decides the wording.
enum class Subject { Cpu, OsCpu, Mem, OsMem, Ikc };

// @reason: enum ihk_err_reason; @item: the refused entry as the user wrote it
// ("3", "512M@0", "2:0"); @err: the errno, used when @reason says nothing.
std::string refusal_message(Subject subject, uint32_t reason, int err, std::string_view item);

// Message for errno @err from opening @path.
std::string open_error_message(std::string_view path, int err);

} // namespace ihk
