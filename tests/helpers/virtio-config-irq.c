// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-config-irq: make a modern virtio-pci function raise MSI-X vector
 * VEC on every configuration change, with no virtqueue and no DMA: reset
 * the device, accept VIRTIO_F_VERSION_1 (and, for a network device, the
 * link status), set msix_config to VEC and DRIVER_OK.  QEMU then raises
 * the vector when the device's configuration changes, e.g. on a
 * virtio-net link change by the monitor's set_link.
 *
 * The common configuration structure is found through the function's
 * virtio vendor capabilities in its config space and reached through the
 * sysfs resource file of its BAR.  Memory decoding must be on (the driver
 * the function is bound to enabled it); MSI-X delivery needs the vector's
 * IRQ listened, and bus mastering.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_VNDR		0x09
#define VIRTIO_PCI_CAP_COMMON	1

/* struct virtio_pci_common_cfg offsets (virtio 1.x, 4.1.4.3) */
#define COMMON_DFSELECT		0x00
#define COMMON_DF		0x04
#define COMMON_GFSELECT		0x08
#define COMMON_GF		0x0c
#define COMMON_MSIX_CONFIG	0x10
#define COMMON_STATUS		0x14

#define STATUS_ACKNOWLEDGE	1
#define STATUS_DRIVER		2
#define STATUS_DRIVER_OK	4
#define STATUS_FEATURES_OK	8

#define F_VERSION_1_HIGH	(1u << 0)	/* feature bit 32 */
#define F_NET_STATUS		(1u << 16)	/* virtio-net link status */
#define VIRTIO_ID_NET_PCI	0x1041		/* modern device id: 0x1040 + 1 */

static int usage(void)
{
	fprintf(stderr,
		"Usage: virtio-config-irq BDF VEC\n"
		"\n"
		"Reset the modern virtio-pci function BDF and set it up so that every\n"
		"configuration change (a virtio-net link change by QEMU's set_link)\n"
		"raises MSI-X vector VEC. Prints \"ready\".\n"
		"Exit status: 0 done, 1 failure, 2 usage error.\n");
	return EXIT_USAGE;
}

static void read_config(const char *bdf, unsigned char *cfg, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	n = pread(fd, cfg, size, 0);
	if (n < 64)
		die("cannot read %s", path);
	close(fd);
}

static unsigned le16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static unsigned le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

int main(int argc, char **argv)
{
	unsigned char cfg[256];
	unsigned long long vec;
	volatile unsigned char *common;
	volatile uint32_t *regs;
	unsigned pos, bar = 0, offset = 0, features;
	bool found = false, net;
	char bdf[32];
	size_t size;

	helper_name = "virtio-config-irq";
	if (argc != 3 || normalize_bdf(argv[1], bdf, sizeof(bdf)) ||
	    parse_number(argv[2], 2047, &vec))
		return usage();

	read_config(bdf, cfg, sizeof(cfg));
	if (le16(cfg) != 0x1af4)
		die("%s is not a virtio function (vendor %04x)", bdf, le16(cfg));
	net = le16(cfg + 2) == VIRTIO_ID_NET_PCI;
	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3u; pos && pos < 0xfc;
	     pos = cfg[pos + 1] & ~3u) {
		if (cfg[pos] == PCI_CAP_ID_VNDR &&
		    cfg[pos + 3] == VIRTIO_PCI_CAP_COMMON) {
			bar = cfg[pos + 4];
			offset = le32(cfg + pos + 8);
			found = true;
			break;
		}
	}
	if (!found || bar > 5)
		die("%s has no virtio common configuration capability (legacy only?)",
		    bdf);

	regs = map_bar(bdf, bar, true, &size);
	if (offset + 0x38 > size)
		die("common configuration at 0x%x is outside BAR %u", offset, bar);
	common = (volatile unsigned char *)regs + offset;

	/* Reset, and wait for it to complete (status reads back 0). */
	common[COMMON_STATUS] = 0;
	for (int tries = 0; common[COMMON_STATUS] != 0; tries++) {
		if (tries > 1000)
			die("%s does not complete its reset", bdf);
		usleep(1000);
	}
	common[COMMON_STATUS] = STATUS_ACKNOWLEDGE | STATUS_DRIVER;

	*(volatile uint32_t *)(common + COMMON_DFSELECT) = 1;
	if (!(*(volatile uint32_t *)(common + COMMON_DF) & F_VERSION_1_HIGH))
		die("%s does not offer VIRTIO_F_VERSION_1", bdf);
	*(volatile uint32_t *)(common + COMMON_GFSELECT) = 1;
	*(volatile uint32_t *)(common + COMMON_GF) = F_VERSION_1_HIGH;
	*(volatile uint32_t *)(common + COMMON_DFSELECT) = 0;
	features = *(volatile uint32_t *)(common + COMMON_DF);
	*(volatile uint32_t *)(common + COMMON_GFSELECT) = 0;
	*(volatile uint32_t *)(common + COMMON_GF) = net ? features & F_NET_STATUS : 0;

	common[COMMON_STATUS] = STATUS_ACKNOWLEDGE | STATUS_DRIVER |
				STATUS_FEATURES_OK;
	if (!(common[COMMON_STATUS] & STATUS_FEATURES_OK))
		die("%s refused the features", bdf);
	*(volatile uint16_t *)(common + COMMON_MSIX_CONFIG) = (uint16_t)vec;
	if (*(volatile uint16_t *)(common + COMMON_MSIX_CONFIG) != vec)
		die("%s refused MSI-X vector %llu for configuration changes (is MSI-X enabled?)",
		    bdf, vec);
	common[COMMON_STATUS] = STATUS_ACKNOWLEDGE | STATUS_DRIVER |
				STATUS_FEATURES_OK | STATUS_DRIVER_OK;
	munmap((void *)(uintptr_t)regs, size);
	printf("ready\n");
	return 0;
}
