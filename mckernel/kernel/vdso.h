// SPDX-License-Identifier: GPL-2.0
// The vDSO in every process: its code (vdso/vdso.c, embedded in the image)
// at MCK_VDSO_BASE and its data page (vdso/vvar.h) just below, as Linux maps
// [vvar] and [vdso]; the auxiliary vector's AT_SYSINFO_EHDR (mcexec) points
// at the code. Both are private pages of the process: fork copies them,
// munmap frees them as any other memory.
#pragma once

#include <kernel/process.h>

namespace mck {

// At creation (Linux's SETUP): map the vDSO and publish the process's clock.
// 0 or -ENOMEM / -EINVAL (the range is taken).
int64_t vdso_map(Process* p);

} // namespace mck
