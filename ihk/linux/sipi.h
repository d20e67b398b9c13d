/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ihk-smp-x86: the SIPI page below 1 MiB that holds the trampoline, and the
 * raw IPIs (INIT, SIPI, fixed) sent to CPUs Linux has let go of.
 */
#ifndef _IHK_SIPI_H
#define _IHK_SIPI_H

#include <linux/types.h>
#include <ihk/boot.h>

int smp_x86_sipi_init(void);
void smp_x86_sipi_exit(void);
u64 smp_x86_sipi_phys(void);
struct ihk_trampoline_data *smp_x86_sipi_data(void);

void smp_x86_send_init(u32 apic_id);
void smp_x86_send_startup(u32 apic_id, u64 page);
void smp_x86_send_fixed(u32 apic_id, u8 vector);

#endif /* _IHK_SIPI_H */
