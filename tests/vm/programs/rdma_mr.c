// SPDX-License-Identifier: GPL-2.0
/*
 * Memory registration on the LWK (vm.rdma): two RC queue pairs of one verbs
 * device, connected to each other (Soft-RoCE loops the packets back), move
 * data between registered buffers with RDMA WRITE and RDMA READ, and every
 * byte is checked. Under mcexec the buffers are the LWK's own pages, which
 * the device reaches through mcexec's view. Then what Linux refuses to
 * register (read-only memory for writing, unmapped memory), and a write into
 * a region the program unmapped while it was still registered. Prints what
 * it sees; the test compares the output natively and under mcexec.
 *
 *   rdma_mr DEVICE GID_INDEX
 */
#define _GNU_SOURCE
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEN (1 << 20)

static struct ibv_context *g_ctx;
static struct ibv_pd *g_pd;
static struct ibv_cq *g_cq;
static struct ibv_qp *g_a, *g_b;

static void die(const char *what)
{
	printf("%s: %s\n", what, strerror(errno));
	exit(1);
}

static struct ibv_qp *make_qp(void)
{
	struct ibv_qp_init_attr init = {
		.send_cq = g_cq, .recv_cq = g_cq, .qp_type = IBV_QPT_RC,
		.cap = {.max_send_wr = 16, .max_recv_wr = 16, .max_send_sge = 1, .max_recv_sge = 1},
	};
	struct ibv_qp *qp = ibv_create_qp(g_pd, &init);
	struct ibv_qp_attr attr = {.qp_state = IBV_QPS_INIT, .port_num = 1,
				   .qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ};

	if (!qp)
		die("ibv_create_qp");
	if (ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		die("INIT");
	return qp;
}

/* Take @qp to RTS, talking to @peer on this port's GID @gid_index. */
static void connect_qp(struct ibv_qp *qp, struct ibv_qp *peer, int gid_index)
{
	union ibv_gid gid;
	struct ibv_qp_attr attr = {
		.qp_state = IBV_QPS_RTR, .path_mtu = IBV_MTU_1024, .dest_qp_num = peer->qp_num, .rq_psn = 1,
		.max_dest_rd_atomic = 4, .min_rnr_timer = 12,
		.ah_attr = {.is_global = 1, .port_num = 1,
			    .grh = {.sgid_index = gid_index, .hop_limit = 1}},
	};

	if (ibv_query_gid(g_ctx, 1, gid_index, &gid))
		die("ibv_query_gid");
	attr.ah_attr.grh.dgid = gid;
	if (ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				       IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		die("RTR");
	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IBV_QPS_RTS;
	attr.timeout = 14;
	attr.retry_cnt = 7;
	attr.rnr_retry = 7;
	attr.sq_psn = 1;
	attr.max_rd_atomic = 4;
	if (ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
				       IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		die("RTS");
}

/* RDMA @op of @len bytes from @local (@mr) to @remote (@rkey) on QP a; its completion status. */
static const char *rdma(enum ibv_wr_opcode op, void *local, struct ibv_mr *mr, uint64_t remote, uint32_t rkey,
			size_t len)
{
	struct ibv_sge sge = {.addr = (uintptr_t)local, .length = (uint32_t)len, .lkey = mr->lkey};
	struct ibv_send_wr wr = {.opcode = op, .sg_list = &sge, .num_sge = 1, .send_flags = IBV_SEND_SIGNALED,
				 .wr.rdma = {.remote_addr = remote, .rkey = rkey}};
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	int n, spins;

	if (ibv_post_send(g_a, &wr, &bad))
		return "post failed";
	for (spins = 0; spins < 200000000; spins++) {
		n = ibv_poll_cq(g_cq, 1, &wc);
		if (n < 0)
			return "poll failed";
		if (n)
			return ibv_wc_status_str(wc.status);
		if (spins > 1000)
			usleep(100);
	}
	return "no completion";
}

static size_t wrong(const uint8_t *p, size_t len, uint8_t seed)
{
	size_t i, bad = 0;

	for (i = 0; i < len; i++)
		bad += p[i] != (uint8_t)(i * 31 + seed);
	return bad;
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static const char *reg_result(void *addr, size_t len, int access)
{
	struct ibv_mr *mr = ibv_reg_mr(g_pd, addr, len, access);

	if (!mr)
		return strerror(errno);
	ibv_dereg_mr(mr);
	return "registered";
}

int main(int argc, char **argv)
{
	const int rw = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	struct ibv_device **list;
	int n, i, gid_index;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: rdma_mr DEVICE GID_INDEX\n");
		return 2;
	}
	gid_index = atoi(argv[2]);
	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n && strcmp(ibv_get_device_name(list[i]), argv[1]); i++)
		;
	if (!list || i == n)
		die("no such device");
	g_ctx = ibv_open_device(list[i]);
	if (!g_ctx)
		die("ibv_open_device");
	g_pd = ibv_alloc_pd(g_ctx);
	g_cq = ibv_create_cq(g_ctx, 32, NULL, NULL, 0);
	if (!g_pd || !g_cq)
		die("pd/cq");
	g_a = make_qp();
	g_b = make_qp();
	connect_qp(g_a, g_b, gid_index);
	connect_qp(g_b, g_a, gid_index);

	/* malloc'ed (heap) and mmap'ed buffers, registered. */
	uint8_t *src = malloc(LEN), *dst = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!src || dst == MAP_FAILED)
		die("buffers");
	fill(src, LEN, 1);
	memset(dst, 0, LEN);
	struct ibv_mr *src_mr = ibv_reg_mr(g_pd, src, LEN, rw), *dst_mr = ibv_reg_mr(g_pd, dst, LEN, rw);
	if (!src_mr || !dst_mr)
		die("ibv_reg_mr");
	const char *status = rdma(IBV_WR_RDMA_WRITE, src, src_mr, (uintptr_t)dst, dst_mr->rkey, LEN);
	printf("RDMA WRITE of 1 MiB into registered memory: %s, %zu bytes wrong\n", status, wrong(dst, LEN, 1));
	fill(dst, LEN, 7);
	memset(src, 0, LEN);
	status = rdma(IBV_WR_RDMA_READ, src, src_mr, (uintptr_t)dst, dst_mr->rkey, LEN);
	printf("RDMA READ of 1 MiB from registered memory: %s, %zu bytes wrong\n", status, wrong(src, LEN, 7));
	/* Unaligned pieces, each checked. */
	size_t bad = 0;
	for (size_t off = 1; off < LEN / 2; off = off * 3 + 5) {
		fill(src + off, 4099, (uint8_t)off);
		rdma(IBV_WR_RDMA_WRITE, src + off, src_mr, (uintptr_t)dst + off + 17, dst_mr->rkey, 4099);
		bad += wrong(dst + off + 17, 4099, (uint8_t)off);
	}
	printf("unaligned RDMA WRITEs: %zu bytes wrong\n", bad);

	/* What Linux does not register. */
	void *ro = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *none = mmap(NULL, 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *gone = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 65536);
	printf("register read-only memory for writing: %s\n", reg_result(ro, 65536, rw));
	printf("register read-only memory for reading: %s\n", reg_result(ro, 65536, IBV_ACCESS_REMOTE_READ));
	printf("register PROT_NONE memory: %s\n", reg_result(none, 65536, rw));
	printf("register unmapped memory: %s\n", reg_result(gone, 65536, rw));

	/* Unmapped while registered: the device still writes the pages it holds. */
	uint8_t *tmp = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct ibv_mr *tmp_mr = ibv_reg_mr(g_pd, tmp, LEN, rw);
	if (!tmp_mr)
		die("ibv_reg_mr tmp");
	munmap(tmp, LEN);
	fill(src, LEN, 3);
	printf("RDMA WRITE into a region unmapped while registered: %s\n",
	       rdma(IBV_WR_RDMA_WRITE, src, src_mr, (uintptr_t)tmp, tmp_mr->rkey, LEN));
	printf("deregister it: %s\n", ibv_dereg_mr(tmp_mr) ? strerror(errno) : "ok");
	/* New memory after that is clean: not the pages the device wrote. */
	uint8_t *fresh = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	size_t dirty = 0;
	for (i = 0; i < LEN; i++)
		dirty += fresh[i] != 0;
	printf("new memory afterwards: %zu bytes not zero\n", dirty);

	/* Out of the region's bounds: the responder refuses it (and the QP is in error after it). */
	printf("RDMA WRITE past the end of the region: %s\n",
	       rdma(IBV_WR_RDMA_WRITE, src, src_mr, (uintptr_t)dst + LEN - 8, dst_mr->rkey, 64));
	ibv_dereg_mr(src_mr);
	ibv_dereg_mr(dst_mr);
	ibv_destroy_qp(g_a);
	ibv_destroy_qp(g_b);
	ibv_destroy_cq(g_cq);
	ibv_dealloc_pd(g_pd);
	ibv_close_device(g_ctx);
	ibv_free_device_list(list);
	printf("rdma_mr: done\n");
	return 0;
}
