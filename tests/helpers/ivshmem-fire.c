// SPDX-License-Identifier: GPL-2.0-only
/*
 * ivshmem-fire: make an ivshmem-doorbell device interrupt itself.
 *
 * Reads the device's own peer id (IVPosition, BAR0+8) and rings its own
 * doorbell (BAR0+12) with (id << 16) | vector, one 32-bit store per
 * interrupt.  Consecutive interrupts of a vector would coalesce in the
 * eventfd, so between stores it waits until /proc/interrupts shows the
 * previous one (when the vector has an IRQ line), else it sleeps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "helpers.h"
#include "uio_msi_abi.h"

#define IVSHMEM_IVPOSITION	8	/* BAR0 offsets */
#define IVSHMEM_DOORBELL	12

struct fire {
	unsigned vec;
	unsigned long long n;
};

static int usage(void)
{
	fprintf(stderr,
		"Usage: ivshmem-fire BDF VEC N [--interval-ms MS]\n"
		"       ivshmem-fire BDF VEC:N [VEC:N...] [--interval-ms MS]\n"
		"\n"
		"Ring the own doorbell of ivshmem device BDF N times per vector VEC.\n"
		"While the vector has an IRQ line uio_msi[VEC](BDF) in /proc/interrupts,\n"
		"each interrupt is awaited there (up to 10 s, or until the line goes\n"
		"away with its last listener) before the next store;\n"
		"otherwise MS milliseconds (default 100) pass between stores.\n"
		"Exit status: 0 all fired, 1 failure or interrupt not seen, 2 usage error.\n"
		"UIO_MSI_ROOT, if set, is prepended to /sys and /proc paths (for tests).\n");
	return EXIT_USAGE;
}


static int parse_fire(const char *vec, const char *n, struct fire *f)
{
	unsigned long long v;

	if (parse_number(vec, UIO_MSI_MAX_VECTORS - 1, &v) ||
	    parse_number(n, 1000000000, &f->n))
		return -1;
	f->vec = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long interval_ms = 100, done = 0, total = 0;
	struct fire *fires;
	size_t nfires = 0, npos = 0, i;
	char bdf[32], name[80];
	const char **pos;
	volatile uint32_t *regs;
	size_t size;
	uint32_t own_id;

	helper_name = "ivshmem-fire";
	pos = calloc((size_t)argc + 1, sizeof(*pos));
	if (!pos)
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
	if (npos < 2 || normalize_bdf(pos[0], bdf, sizeof(bdf)))
		return usage();
	fires = calloc(npos, sizeof(*fires));
	if (!fires)
		die("out of memory");
	if (!strchr(pos[1], ':')) {
		/* BDF VEC N */
		if (npos != 3 || parse_fire(pos[1], pos[2], &fires[0]))
			return usage();
		nfires = 1;
	} else {
		/* BDF VEC:N... */
		for (i = 1; i < npos; i++) {
			char vec[16];
			const char *colon = strchr(pos[i], ':');
			size_t len = colon ? (size_t)(colon - pos[i]) : 0;

			if (!colon || len >= sizeof(vec))
				return usage();
			memcpy(vec, pos[i], len);
			vec[len] = '\0';
			if (parse_fire(vec, colon + 1, &fires[nfires++]))
				return usage();
		}
	}
	for (i = 0; i < nfires; i++)
		total += fires[i].n;

	regs = map_bar(bdf, 0, true, &size);
	if (size < IVSHMEM_DOORBELL + 4)
		die("BAR0 of %s is too small (%zu bytes) for ivshmem registers",
		    bdf, size);
	own_id = regs[IVSHMEM_IVPOSITION / 4];

	for (i = 0; i < nfires; i++) {
		snprintf(name, sizeof(name), UIO_MSI_IRQ_NAME_FMT, fires[i].vec,
			 bdf);
		for (unsigned long long k = 0; k < fires[i].n; k++) {
			long long before = irq_line_count(name);

			regs[IVSHMEM_DOORBELL / 4] = (own_id << 16) | fires[i].vec;
			done++;
			if (before >= 0) {
				if (!wait_irq_count(name, before + 1))
					die("vector %u: interrupt %llu of %llu not seen in /proc/interrupts within %d s",
					    fires[i].vec, k + 1, fires[i].n,
					    SYNC_TIMEOUT_MS / 1000);
			} else if (done < total) {
				sleep_ns((long long)interval_ms * 1000000LL);
			}
		}
	}
	munmap((void *)(uintptr_t)regs, size);
	free(fires);
	free(pos);
	return 0;
}
