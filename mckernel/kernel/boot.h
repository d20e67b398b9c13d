// SPDX-License-Identifier: GPL-2.0
// Kernel-wide services every file may use: the boot parameters, the log, panic.
#pragma once

#include <ihk/boot.h>

#include <stdint.h>

namespace mck {

const ihk_boot_param& boot_param();
ihk_boot_param& boot_param_mut();

// printf-style line into the kernel message log shared with Linux.
[[gnu::format(printf, 1, 2)]] void kprintf(const char* fmt, ...);
// Log, mark the instance PANIC for Linux, stop this CPU.
[[noreturn, gnu::format(printf, 1, 2)]] void panic(const char* fmt, ...);

void kmsg_init(); // start the clock of the log's time stamps

// Every CPU calls this when it makes progress; Linux's liveness probe reads it.
void heartbeat();
// Liveness, published for Linux (ihk/boot.h): this CPU entered the kernel
// (counted), or goes idle or to user mode. Cheap stores, no interrupts.
void cpu_entered_kernel();
void cpu_going_idle();
void cpu_going_user();

} // namespace mck
