// SPDX-License-Identifier: GPL-2.0
// The retired MCEXEC_PIN (ioctl 0x15) as it was: it took the LWK-side list's
// physical address from the caller. The tests still send it, to see it refused.
#ifndef RETIRED_PIN_H
#define RETIRED_PIN_H

#include <mcexec/abi.h>

struct mcexec_pin_retired {
	mck_u64 addr;
	mck_u64 len;
	mck_u64 list_phys;
	mck_u32 list_len;
	mck_u32 write;
};
#define MCEXEC_PIN_RETIRED _IOW(MCEXEC_IOC_MAGIC, 0x15, struct mcexec_pin_retired)

#endif
