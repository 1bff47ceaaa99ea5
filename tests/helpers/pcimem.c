// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcimem: one 32-bit read or write of a PCI memory BAR through
 * /sys/bus/pci/devices/BDF/resourceN.
 *
 * Exactly one volatile 32-bit access: devices such as ivshmem act on
 * every store, so a byte-wise or repeated access would have side effects.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"

static int usage(void)
{
	fprintf(stderr,
		"Usage: pcimem BDF BAR read32 OFFSET\n"
		"       pcimem BDF BAR write32 OFFSET VALUE\n"
		"\n"
		"One 32-bit access to memory BAR 0-5 of PCI device BDF ([DDDD:]BB:DD.F)\n"
		"through its sysfs resource file; read32 prints the value as 0x%%08x.\n"
		"OFFSET (4-byte aligned) and VALUE are decimal or 0x hex.\n"
		"Exit status: 0 done, 1 access failed, 2 usage error.\n"
		"UIO_MSI_ROOT, if set, is prepended to /sys and /proc paths (for tests).\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	unsigned long long bar, offset, value = 0;
	volatile uint32_t *regs;
	char bdf[32];
	bool write;
	size_t size;

	helper_name = "pcimem";
	if (argc < 5 || normalize_bdf(argv[1], bdf, sizeof(bdf)) ||
	    parse_number(argv[2], 5, &bar) ||
	    parse_number(argv[4], UINT32_MAX, &offset) || offset % 4)
		return usage();
	if (strcmp(argv[3], "read32") == 0 && argc == 5) {
		write = false;
	} else if (strcmp(argv[3], "write32") == 0 && argc == 6) {
		write = true;
		if (parse_number(argv[5], UINT32_MAX, &value))
			return usage();
	} else {
		return usage();
	}

	regs = map_bar(bdf, (unsigned)bar, write, &size);
	if (offset + 4 > size)
		die("offset 0x%llx is outside BAR %llu (size 0x%zx)", offset, bar,
		    size);
	if (write)
		regs[offset / 4] = (uint32_t)value;
	else
		printf("0x%08" PRIx32 "\n", regs[offset / 4]);
	munmap((void *)(uintptr_t)regs, size);
	return 0;
}
