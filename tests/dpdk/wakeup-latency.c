// SPDX-License-Identifier: GPL-2.0-only
/*
 * Receive-interrupt wake-up latency inside DPDK: one Rx queue of port 0 in
 * interrupt mode, as dpdk-l3fwd-power uses it.  The lcore sleeps in
 * rte_epoll_wait(); each packet sent by tests/dpdk/latency-sender.py
 * carries the CLOCK_MONOTONIC time at which the sender sent it (same
 * guest, same clock); on waking, the lcore reads the clock and prints
 * the difference in nanoseconds, one line per sample:
 *
 *   dpdk-wakeup-latency EAL-OPTIONS -- SAMPLES
 *
 * A packet found by the poll made after re-arming the interrupt (it came
 * while the lcore was awake) is dropped, not counted.  Prints "ready"
 * when it sleeps for the first time, "done" at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#define TAG "uio-msi-lat"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* The send time in a packet of the sender, or 0. */
static uint64_t
sent_ns(struct rte_mbuf *m)
{
	const char *p = rte_pktmbuf_mtod(m, const char *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint64_t t;
	uint32_t i;

	for (i = 0; i + sizeof(TAG) - 1 + sizeof(t) <= len; i++) {
		if (memcmp(p + i, TAG, sizeof(TAG) - 1) == 0) {
			memcpy(&t, p + i + sizeof(TAG) - 1, sizeof(t));
			return t;
		}
	}
	return 0;
}

static unsigned int
drain(uint16_t port, uint64_t *first)
{
	struct rte_mbuf *pkts[32];
	unsigned int n = 0;
	uint16_t i, nb;

	*first = 0;
	while ((nb = rte_eth_rx_burst(port, 0, pkts, 32)) > 0) {
		for (i = 0; i < nb; i++) {
			if (*first == 0)
				*first = sent_ns(pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
		n += nb;
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf = { .intr_conf = { .rxq = 1 } };
	struct rte_epoll_event ev;
	struct rte_mempool *pool;
	uint64_t t, wake;
	uint16_t port = 0;
	long samples, got = 0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	argc -= ret;
	argv += ret;
	samples = argc > 1 ? atol(argv[1]) : 1000;
	if (rte_eth_dev_count_avail() < 1)
		rte_exit(EXIT_FAILURE, "no port\n");

	pool = rte_pktmbuf_pool_create("pool", 4095, 64, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "no mbuf pool\n");
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, rte_socket_id(), NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		rte_exit(EXIT_FAILURE, "cannot set up port 0\n");
	rte_eth_promiscuous_enable(port);
	if (rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD,
				      RTE_INTR_EVENT_ADD, NULL) < 0)
		rte_exit(EXIT_FAILURE, "no Rx interrupt for queue 0\n");

	drain(port, &t);
	printf("ready\n");
	fflush(stdout);
	while (got < samples) {
		rte_eth_dev_rx_intr_enable(port, 0);
		/* came while awake: not a wake-up */
		if (drain(port, &t) > 0) {
			rte_eth_dev_rx_intr_disable(port, 0);
			continue;
		}
		ret = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, -1);
		wake = now_ns();
		rte_eth_dev_rx_intr_disable(port, 0);
		if (ret <= 0)
			continue;
		if (drain(port, &t) == 0 || t == 0 || t > wake)
			continue;
		printf("%" PRIu64 "\n", wake - t);
		got++;
	}
	printf("done\n");
	fflush(stdout);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
