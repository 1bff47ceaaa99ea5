// SPDX-License-Identifier: GPL-2.0-only
/*
 * igbvf-fire: make a virtual function of QEMU's igb (82576) raise its
 * own MSI-X vectors, from its own registers.
 *
 * As found in QEMU 10.0.2's igb: a VF raises vector V when its PF is in
 * MSI-X mode (GPIE bit 0x10, PF BAR0 0x1514) and the VF's EIMS (VF BAR0
 * 0x1524) and EIAC (0x152C) have bit V, on a store of 1 << V to the VF's
 * EICS (0x1520).  EIMS is set again before every store (the VF may
 * auto-mask).  No PF driver or mailbox handshake is needed; the VF needs
 * memory decoding and bus mastering, which uio_msi gives it while a
 * vector is listened to.  As with ivshmem-fire, each interrupt is awaited
 * in /proc/interrupts (uio_msi[V](VF)) before the next store while the
 * vector has an IRQ line, so that none coalesce; otherwise MS ms pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "uio_msi_abi.h"

#define PF_GPIE			0x1514	/* PF BAR0 */
#define PF_GPIE_MSIX_MODE	0x10
#define VF_EICS			0x1520	/* VF BAR0 */
#define VF_EIMS			0x1524
#define VF_EIAC			0x152c
#define VF_VECTORS		3

static int usage(void)
{
	fprintf(stderr,
		"Usage: igbvf-fire VF VEC:N [VEC:N...] [--interval-ms MS]\n"
		"\n"
		"Make the igb virtual function VF raise MSI-X vector VEC (0-%d) N times,\n"
		"through its own EICS register, after putting its PF (the VF's physfn)\n"
		"in MSI-X mode.  While the vector has an IRQ line uio_msi[VEC](VF) in\n"
		"/proc/interrupts, each interrupt is awaited there (up to 10 s, or\n"
		"until the line goes away) before the next; otherwise MS milliseconds\n"
		"(default 100) pass between them.\n"
		"Exit status: 0 all fired, 1 failure or interrupt not seen, 2 usage error.\n"
		"UIO_MSI_ROOT, if set, is prepended to /sys and /proc paths (for tests).\n",
		VF_VECTORS - 1);
	return EXIT_USAGE;
}


/* The VF's PF, from its physfn link ("../0000:01:00.0"). */
static void read_physfn(const char *vf, char *pf, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/physfn", vf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("%s: no physfn link: not an SR-IOV VF", vf);
	link[n] = '\0';
	base = strrchr(link, '/');
	if (normalize_bdf(base ? base + 1 : link, pf, size))
		die("%s: physfn link '%s' names no PCI function", vf, link);
}

static volatile uint32_t *reg(volatile uint32_t *bar, size_t size,
			      size_t offset, const char *bdf)
{
	if (offset + 4 > size)
		die("BAR0 of %s is too small (%zu bytes) for igb registers",
		    bdf, size);
	return bar + offset / 4;
}

int main(int argc, char **argv)
{
	unsigned long long interval_ms = 100, vec, n, done = 0, total = 0;
	volatile uint32_t *pf_bar, *vf_bar, *gpie;
	unsigned long long *counts;
	size_t pf_size, vf_size;
	char vf[32], pf[32], name[80];
	const char **pos;
	size_t npos = 0, i;

	helper_name = "igbvf-fire";
	pos = calloc((size_t)argc + 1, sizeof(*pos));
	counts = calloc((size_t)argc + 1, sizeof(*counts));
	if (!pos || !counts)
		die("out of memory");
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--interval-ms") == 0) {
			if (a + 1 >= argc ||
			    parse_number(argv[++a], 3600000, &interval_ms))
				return usage();
		} else if (argv[a][0] == '-') {
			return usage();
		} else {
			pos[npos++] = argv[a];
		}
	}
	if (npos < 2 || normalize_bdf(pos[0], vf, sizeof(vf)))
		return usage();
	/* Every VEC:N first: a usage error fires nothing. */
	for (i = 1; i < npos; i++) {
		const char *colon = strchr(pos[i], ':');
		char text[16];
		size_t len = colon ? (size_t)(colon - pos[i]) : 0;

		if (!colon || len == 0 || len >= sizeof(text))
			return usage();
		memcpy(text, pos[i], len);
		text[len] = '\0';
		if (parse_number(text, VF_VECTORS - 1, &vec) ||
		    parse_number(colon + 1, 1000000000, &n))
			return usage();
		counts[i] = vec << 32 | n;
		total += n;
	}

	read_physfn(vf, pf, sizeof(pf));
	pf_bar = map_bar(pf, 0, true, &pf_size);
	vf_bar = map_bar(vf, 0, true, &vf_size);
	gpie = reg(pf_bar, pf_size, PF_GPIE, pf);
	*gpie = *gpie | PF_GPIE_MSIX_MODE;

	for (i = 1; i < npos; i++) {
		uint32_t bit;

		vec = counts[i] >> 32;
		n = counts[i] & 0xffffffffULL;
		bit = 1U << vec;
		*reg(vf_bar, vf_size, VF_EIAC, vf) =
			*reg(vf_bar, vf_size, VF_EIAC, vf) | bit;
		snprintf(name, sizeof(name), UIO_MSI_IRQ_NAME_FMT,
			 (unsigned)vec, vf);
		for (unsigned long long k = 0; k < n; k++) {
			long long before = irq_line_count(name);

			*reg(vf_bar, vf_size, VF_EIMS, vf) = bit;
			*reg(vf_bar, vf_size, VF_EICS, vf) = bit;
			done++;
			if (before >= 0) {
				if (!wait_irq_count(name, before + 1))
					die("%s vector %llu: interrupt %llu of %llu not seen in /proc/interrupts within %d s",
					    vf, vec, k + 1, n,
					    SYNC_TIMEOUT_MS / 1000);
			} else if (done < total) {
				sleep_ns((long long)interval_ms * 1000000LL);
			}
		}
	}
	munmap((void *)(uintptr_t)vf_bar, vf_size);
	munmap((void *)(uintptr_t)pf_bar, pf_size);
	free(counts);
	free(pos);
	return 0;
}
