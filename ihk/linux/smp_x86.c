// SPDX-License-Identifier: GPL-2.0
/*
 * ihk-smp-x86.ko: the x86-64 architecture driver of IHK. It tells ihk.ko the
 * hardware (APIC) id of each CPU; booting co-kernels through INIT/SIPI builds on it.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <asm/smp.h>

#include <ihk/driver.h>

static u32 smp_x86_cpu_hw_id(unsigned int cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

static struct ihk_driver smp_x86_driver = {
	.name = "smp-x86",
	.owner = THIS_MODULE,
	.cpu_hw_id = smp_x86_cpu_hw_id,
};

static int __init smp_x86_init(void)
{
	return ihk_register_driver(&smp_x86_driver);
}

static void __exit smp_x86_exit(void)
{
	ihk_unregister_driver(&smp_x86_driver);
}

module_init(smp_x86_init);
module_exit(smp_x86_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IHK x86-64 SMP driver: co-kernels on reserved cores of a running Linux");
