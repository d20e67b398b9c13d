// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved CPU pool: CPUs taken offline from Linux with remove_cpu(), kept
 * offline by a CPU-hotplug veto while reserved, assigned to OS instances, and
 * brought back with add_cpu() on release or module unload.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "ihk_internal.h"

static cpumask_var_t ihk_reserved;	/* read locklessly by the hotplug veto */
static struct ihk_os **ihk_cpu_owner;	/* [nr_cpu_ids]; NULL: in the pool */
static int ihk_hp_state;

/*
 * A reserved CPU belongs to IHK: an admin writing 1 to .../cpuN/online would
 * otherwise INIT/SIPI it back into Linux under a running co-kernel.
 */
static int ihk_cpu_veto_online(unsigned int cpu)
{
	if (!cpumask_test_cpu(cpu, ihk_reserved))
		return 0;
	pr_warn_ratelimited("ihk: CPU %u is reserved by IHK; release it with ihkconfig first\n",
			    cpu);
	return -EBUSY;
}

/**
 * ihk_cpu_init() - set up the pool and the hotplug veto.
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int ihk_cpu_init(void)
{
	int ret;

	if (!zalloc_cpumask_var(&ihk_reserved, GFP_KERNEL))
		return -ENOMEM;
	ihk_cpu_owner = kcalloc(nr_cpu_ids, sizeof(*ihk_cpu_owner), GFP_KERNEL);
	if (!ihk_cpu_owner) {
		ret = -ENOMEM;
		goto err_free_mask;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "ihk:reserved",
					ihk_cpu_veto_online, NULL);
	if (ret < 0)
		goto err_free_owner;
	ihk_hp_state = ret;
	return 0;

err_free_owner:
	kfree(ihk_cpu_owner);
err_free_mask:
	free_cpumask_var(ihk_reserved);
	return ret;
}

/**
 * ihk_cpu_exit() - give every reserved CPU back to Linux and drop the veto.
 *
 * Context: module exit; no OS instance may still own a CPU.
 */
void ihk_cpu_exit(void)
{
	unsigned int cpu;
	int ret;

	for_each_cpu(cpu, ihk_reserved) {
		cpumask_clear_cpu(cpu, ihk_reserved);
		ret = add_cpu(cpu);
		if (ret)
			pr_err("ihk: CPU %u did not come back online: %d\n", cpu, ret);
	}
	cpuhp_remove_state_nocalls(ihk_hp_state);
	kfree(ihk_cpu_owner);
	free_cpumask_var(ihk_reserved);
}

/* Range and duplicate checks every list gets; fills @seen. */
static int ihk_cpu_list_check(const u32 *cpus, u32 n, struct cpumask *seen,
			      struct ihk_err *err)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (cpus[i] >= nr_cpu_ids || !cpu_present(cpus[i])) {
			ihk_err("CPU %u does not exist\n", cpus[i]);
			return ihk_fail(err, i, IHK_ERR_CPU_NOT_PRESENT, -ENODEV);
		}
		if (cpumask_test_and_set_cpu(cpus[i], seen)) {
			ihk_err("CPU %u is listed twice\n", cpus[i]);
			return ihk_fail(err, i, IHK_ERR_CPU_DUPLICATE, -EINVAL);
		}
	}
	return 0;
}

static int ihk_cpu_reserve_check(const u32 *cpus, u32 n, struct cpumask *want,
				 struct ihk_err *err)
{
	u32 i;
	int ret;

	ret = ihk_cpu_list_check(cpus, n, want, err);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		unsigned int cpu = cpus[i];

		if (cpu == 0 || !cpu_is_hotpluggable(cpu)) {
			ihk_err("CPU %u cannot be reserved: Linux cannot give it up\n", cpu);
			return ihk_fail(err, i, IHK_ERR_CPU_BOOT, -EPERM);
		}
		if (cpumask_test_cpu(cpu, ihk_reserved)) {
			ihk_err("CPU %u is already reserved\n", cpu);
			return ihk_fail(err, i, IHK_ERR_CPU_RESERVED, -EEXIST);
		}
		if (!cpu_online(cpu)) {
			ihk_err("CPU %u is offline but not reserved by IHK\n", cpu);
			return ihk_fail(err, i, IHK_ERR_CPU_OFFLINE, -EBUSY);
		}
		if (ihk_os_ikc_uses(cpu)) {
			ihk_err("CPU %u serves an OS instance's IKC map\n", cpu);
			return ihk_fail(err, i, IHK_ERR_CPU_IKC_TARGET, -EBUSY);
		}
	}
	if (!cpumask_andnot(want, cpu_online_mask, want)) {
		ihk_err("reserving these CPUs would leave Linux without an online CPU\n");
		return ihk_fail(err, n - 1, IHK_ERR_CPU_LAST_ONLINE, -EPERM);
	}
	return 0;
}

/**
 * ihk_cpu_reserve() - take @n online CPUs away from Linux, all or none.
 * @cpus: Linux CPU numbers.
 * @n: how many.
 * @err: which entry failed and why.
 *
 * Context: process, ihk_lock held; sleeps in CPU hotplug.
 * Return: 0 or -errno (see IHK_DEVICE_RESERVE_CPU).
 */
int ihk_cpu_reserve(const u32 *cpus, u32 n, struct ihk_err *err)
{
	cpumask_var_t want;
	u32 i;
	int ret;

	if (!zalloc_cpumask_var(&want, GFP_KERNEL))
		return -ENOMEM;
	ret = ihk_cpu_reserve_check(cpus, n, want, err);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		cpumask_set_cpu(cpus[i], ihk_reserved);
		ret = remove_cpu(cpus[i]);
		if (ret) {
			cpumask_clear_cpu(cpus[i], ihk_reserved);
			ihk_err("Linux refused to take CPU %u offline: %d\n", cpus[i], ret);
			ihk_fail(err, i, IHK_ERR_CPU_HOTPLUG, -EBUSY);
			goto err_online;
		}
	}
	pr_info("ihk: reserved %u CPU(s)\n", n);
	goto out;

err_online:
	while (i--) {
		cpumask_clear_cpu(cpus[i], ihk_reserved);
		if (add_cpu(cpus[i]))
			pr_err("ihk: CPU %u did not come back online\n", cpus[i]);
	}
	ret = -EBUSY;
out:
	free_cpumask_var(want);
	return ret;
}

/*
 * Every CPU listed must be reserved and belong to @owner (NULL: the pool).
 * Context: ihk_lock held.
 */
static int ihk_cpu_check_owner(const u32 *cpus, u32 n, struct ihk_os *owner, struct ihk_err *err)
{
	cpumask_var_t seen;
	u32 i;
	int ret;

	if (!zalloc_cpumask_var(&seen, GFP_KERNEL))
		return -ENOMEM;
	ret = ihk_cpu_list_check(cpus, n, seen, err);
	for (i = 0; !ret && i < n; i++) {
		struct ihk_os *o = ihk_cpu_is_reserved(cpus[i]) ? ihk_cpu_owner[cpus[i]] : NULL;

		if (owner && o != owner) {
			ihk_err("CPU %u is not assigned to OS %d\n", cpus[i], owner->index);
			ret = ihk_fail(err, i, IHK_ERR_CPU_NOT_ASSIGNED, -ENOENT);
		} else if (!owner && !ihk_cpu_is_reserved(cpus[i])) {
			ihk_err("CPU %u is not reserved\n", cpus[i]);
			ret = ihk_fail(err, i, IHK_ERR_CPU_NOT_RESERVED, -ENOENT);
		} else if (!owner && o) {
			ihk_err("CPU %u is assigned to OS %d\n", cpus[i], o->index);
			ret = ihk_fail(err, i, IHK_ERR_CPU_ASSIGNED, -EBUSY);
		}
	}
	free_cpumask_var(seen);
	return ret;
}

/**
 * ihk_cpu_release() - bring reserved, unassigned CPUs back online in Linux.
 * @cpus: Linux CPU numbers.
 * @n: how many.
 * @err: which entry failed and why.
 *
 * A CPU that Linux fails to bring up stays reserved (and can be released again);
 * the others are released anyway.
 *
 * Context: process, ihk_lock held; sleeps in CPU hotplug.
 * Return: 0 or -errno (see IHK_DEVICE_RELEASE_CPU).
 */
int ihk_cpu_release(const u32 *cpus, u32 n, struct ihk_err *err)
{
	u32 i;
	int ret = ihk_cpu_check_owner(cpus, n, NULL, err);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		int hp;

		cpumask_clear_cpu(cpus[i], ihk_reserved);
		hp = add_cpu(cpus[i]);
		if (hp) {
			cpumask_set_cpu(cpus[i], ihk_reserved);
			ihk_err("Linux failed to bring CPU %u online: %d\n", cpus[i], hp);
			if (!ret)
				ret = ihk_fail(err, i, IHK_ERR_CPU_HOTPLUG, -EIO);
		}
	}
	if (!ret)
		pr_info("ihk: released %u CPU(s)\n", n);
	return ret;
}

/**
 * ihk_cpu_assign() - move reserved CPUs from the pool into @os, all or none.
 * @os: the instance.
 * @cpus: Linux CPU numbers.
 * @n: how many.
 * @err: which entry failed and why.
 *
 * Context: ihk_lock held.
 * Return: 0 or -errno (see IHK_OS_ASSIGN_CPU).
 */
int ihk_cpu_assign(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err)
{
	u32 i;
	int ret = ihk_cpu_check_owner(cpus, n, NULL, err);

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		ihk_cpu_owner[cpus[i]] = os;
	return 0;
}

/**
 * ihk_cpu_unassign() - move CPUs of @os back into the pool, all or none.
 * @os: the instance.
 * @cpus: Linux CPU numbers.
 * @n: how many.
 * @err: which entry failed and why.
 *
 * Context: ihk_lock held.
 * Return: 0 or -errno (see IHK_OS_RELEASE_CPU).
 */
int ihk_cpu_unassign(struct ihk_os *os, const u32 *cpus, u32 n, struct ihk_err *err)
{
	u32 i;
	int ret = ihk_cpu_check_owner(cpus, n, os, err);

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		ihk_cpu_owner[cpus[i]] = NULL;
	return 0;
}

/**
 * ihk_cpu_unassign_all() - move every CPU of @os back into the pool.
 * @os: the instance.
 *
 * Context: ihk_lock held.
 */
void ihk_cpu_unassign_all(struct ihk_os *os)
{
	unsigned int cpu;

	for_each_cpu(cpu, ihk_reserved)
		if (ihk_cpu_owner[cpu] == os)
			ihk_cpu_owner[cpu] = NULL;
}

bool ihk_cpu_owned_by(unsigned int cpu, struct ihk_os *os)
{
	return cpu < nr_cpu_ids && cpumask_test_cpu(cpu, ihk_reserved) &&
	       ihk_cpu_owner[cpu] == os;
}

bool ihk_cpu_is_reserved(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpumask_test_cpu(cpu, ihk_reserved);
}

/**
 * ihk_cpu_query() - describe reserved CPUs.
 * @os: only CPUs of this instance; NULL for the whole pool.
 * @out: array to fill, may be NULL if @capacity is 0.
 * @capacity: entries @out holds.
 *
 * Context: ihk_lock held.
 * Return: how many CPUs match (may exceed @capacity).
 */
int ihk_cpu_query(struct ihk_os *os, struct ihk_cpu_info *out, u32 capacity)
{
	unsigned int cpu;
	int count = 0;

	for_each_cpu(cpu, ihk_reserved) {
		struct ihk_os *owner = ihk_cpu_owner[cpu];

		if (os && owner != os)
			continue;
		if (count < capacity) {
			out[count].cpu = cpu;
			out[count].hw_id = ihk_driver ? ihk_driver->cpu_hw_id(cpu) : U32_MAX;
			out[count].numa_node = cpu_to_node(cpu);
			out[count].os_index = owner ? owner->index : IHK_OS_NONE;
		}
		count++;
	}
	return count;
}

/**
 * ihk_cpu_boot_list() - the CPUs of @os in ascending order.
 * @os: the instance.
 * @out: array to fill.
 * @capacity: entries @out holds.
 *
 * Context: ihk_lock held.
 * Return: how many CPUs @os has (may exceed @capacity).
 */
u32 ihk_cpu_boot_list(struct ihk_os *os, u32 *out, u32 capacity)
{
	unsigned int cpu;
	u32 count = 0;

	for_each_cpu(cpu, ihk_reserved) {
		if (ihk_cpu_owner[cpu] != os)
			continue;
		if (count < capacity)
			out[count] = cpu;
		count++;
	}
	return count;
}
