/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS) of LWK programs, an
 * addition to MCK_SYS_MAP_SHARED (abi.h): with this value as its fd, mcexec
 * maps no file but anonymous memory MAP_SHARED (Linux's shared anonymous
 * object, as for /dev/zero), and every page of it is pinned; the offset is 0.
 * The LWK never passes it for a program's descriptor (it refuses negative
 * ones with EBADF). Kept apart from abi.h only while that file is being
 * reworked; it belongs next to MCK_SYS_MAP_SHARED there.
 */
#ifndef _MCEXEC_SHARED_ANON_H
#define _MCEXEC_SHARED_ANON_H

#define MCK_SHARED_ANON_FD 0xffffffffffffffffull

#endif
