/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ihklib: the C API of libihk. Function names and meaning follow IHK's ihklib so
 * existing programs port by recompiling. Every function returns 0 (or a count or
 * index) on success and a negative errno on failure; ihk_last_error() then gives
 * a one-line message naming the refused value.
 *
 * "index" is the device index (0 for /dev/mcd0) for ihk_* calls and the OS
 * instance index (N of /dev/mcosN) for ihk_os_* calls.
 */
#ifndef IHKLIB_H
#define IHKLIB_H

#ifdef __cplusplus
extern "C" {
#endif

/* size of a chunk that means "all that can be spared" / "all" */
#define IHK_MEM_CHUNK_ALL ((unsigned long)-1)

struct ihk_mem_chunk {
	unsigned long size;	/* bytes, multiple of 2 MiB, or IHK_MEM_CHUNK_ALL */
	int numa_node_number;	/* -1 with IHK_MEM_CHUNK_ALL: every node */
};

struct ihk_ikc_cpu_map {
	int src_cpu;		/* LWK CPU */
	int dst_cpu;		/* Linux CPU */
};

enum ihklib_os_status {
	IHK_STATUS_INACTIVE,
	IHK_STATUS_BOOTING,
	IHK_STATUS_RUNNING,
	IHK_STATUS_SHUTDOWN,
	IHK_STATUS_PANIC,
	IHK_STATUS_HUNGUP,
};

/* The message of the last failed call in this thread ("" if none). */
const char *ihk_last_error(void);

int ihk_reserve_cpu(int index, int *cpus, int num_cpus);
int ihk_get_num_reserved_cpus(int index);
int ihk_query_cpu(int index, int *cpus, int num_cpus);
int ihk_release_cpu(int index, int *cpus, int num_cpus);

int ihk_reserve_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_get_num_reserved_mem_chunks(int index);
int ihk_query_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_release_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);

int ihk_create_os(int index);
int ihk_destroy_os(int dev_index, int os_index);
int ihk_get_num_os_instances(int index);
int ihk_get_os_instances(int index, int *indices, int num_os_instances);

int ihk_os_assign_cpu(int index, int *cpus, int num_cpus);
int ihk_os_get_num_assigned_cpus(int index);
int ihk_os_query_cpu(int index, int *cpus, int num_cpus);
int ihk_os_release_cpu(int index, int *cpus, int num_cpus);

int ihk_os_assign_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_os_get_num_assigned_mem_chunks(int index);
int ihk_os_query_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);
int ihk_os_release_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks);

int ihk_os_set_ikc_map(int index, struct ihk_ikc_cpu_map *map, int num_cpus);
int ihk_os_get_num_ikc_map(int index);
int ihk_os_get_ikc_map(int index, struct ihk_ikc_cpu_map *map, int num_cpus);

int ihk_os_kargs(int index, char *kargs);
int ihk_os_get_kargs(int index, char *kargs, int size);
int ihk_os_get_status(int index);

#ifdef __cplusplus
}
#endif

#endif /* IHKLIB_H */
