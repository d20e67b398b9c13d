// SPDX-License-Identifier: GPL-2.0
/*
 * The ihklib C API, compiled as C, against the real modules: the calls a ported
 * IHK program makes, their results, and -errno plus ihk_last_error() on refusal.
 */
#include <ihklib.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n", __FILE__, \
				__LINE__, #cond, ihk_last_error());                  \
			failures++;                                                  \
		}                                                                    \
	} while (0)

int main(void)
{
	int cpus[] = { 2, 3 }, got[8] = { 0 }, bad[] = { 0 }, indices[4];
	struct ihk_mem_chunk mem = { 64UL << 20, 0 }, chunks[4];
	struct ihk_mem_chunk all = { IHK_MEM_CHUNK_ALL, -1 };
	struct ihk_ikc_cpu_map map[] = { { 2, 0 }, { 3, 1 } }, map_out[4];
	char kargs[64];
	unsigned long total;
	int os, n, i;

	CHECK(ihk_reserve_cpu(0, cpus, 2) == 0);
	CHECK(ihk_get_num_reserved_cpus(0) == 2);
	CHECK(ihk_query_cpu(0, got, 8) == 2 && got[0] == 2 && got[1] == 3);
	CHECK(ihk_reserve_cpu(0, bad, 1) == -EPERM);
	CHECK(strstr(ihk_last_error(), "CPU 0 cannot be reserved") != NULL);
	CHECK(ihk_reserve_cpu(0, cpus, -1) == -EINVAL);

	CHECK(ihk_reserve_mem(0, &mem, 1) == 0);
	CHECK(ihk_get_num_reserved_mem_chunks(0) >= 1);
	CHECK(ihk_query_mem(0, chunks, 4) >= 1 && chunks[0].numa_node_number == 0);

	os = ihk_create_os(0);
	CHECK(os >= 0);
	CHECK(ihk_get_num_os_instances(0) == 1);
	CHECK(ihk_get_os_instances(0, indices, 4) == 1 && indices[0] == os);
	CHECK(ihk_os_get_status(os) == IHK_STATUS_INACTIVE);
	CHECK(ihk_os_assign_cpu(os, cpus, 2) == 0);
	CHECK(ihk_os_get_num_assigned_cpus(os) == 2);
	CHECK(ihk_os_assign_mem(os, &all, 1) == 0);
	n = ihk_os_query_mem(os, chunks, 4);
	CHECK(n >= 1 && n <= 4);
	for (i = 0, total = 0; i < n && i < 4; i++)
		total += chunks[i].size;
	CHECK(total == (64UL << 20));
	CHECK(ihk_os_set_ikc_map(os, map, 2) == 0);
	CHECK(ihk_os_get_num_ikc_map(os) == 2);
	CHECK(ihk_os_get_ikc_map(os, map_out, 4) == 2 && map_out[1].src_cpu == 3 &&
	      map_out[1].dst_cpu == 1);
	CHECK(ihk_os_kargs(os, "hidos dump_level=24") == 0);
	CHECK(ihk_os_get_kargs(os, kargs, sizeof(kargs)) == 0 &&
	      strcmp(kargs, "hidos dump_level=24") == 0);
	CHECK(ihk_os_get_kargs(os, kargs, 4) == -ENOSPC);
	CHECK(ihk_release_cpu(0, cpus, 2) == -EBUSY);
	CHECK(strstr(ihk_last_error(), "assigned to an OS instance") != NULL);
	CHECK(ihk_os_release_cpu(os, cpus, 2) == 0);
	CHECK(ihk_os_release_mem(os, &all, 1) == 0);

	CHECK(ihk_destroy_os(0, os) == 0);
	CHECK(ihk_destroy_os(0, os) == -ENOENT);
	CHECK(ihk_os_get_status(os) == -ENOENT);
	CHECK(ihk_release_cpu(0, cpus, 2) == 0);
	CHECK(ihk_release_mem(0, &all, 1) == 0);
	CHECK(ihk_get_num_reserved_cpus(0) == 0);
	CHECK(ihk_get_num_reserved_mem_chunks(0) == 0);

	if (failures)
		return 1;
	printf("ihklib_test: all checks passed\n");
	return 0;
}
