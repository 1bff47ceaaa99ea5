// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct pci_driver.dev_groups: mainline 5.14.  Where it exists the PCI core
 * overwrites driver.dev_groups with it, so exactly one of the two must be set.
 */
#include <linux/pci.h>

struct pci_driver uio_msi_conftest = {
	.dev_groups = NULL,
};
