// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_error_handlers.cor_error_detected: corrected AER errors reported to
 * the driver (absent from the 5.10 and 6.1 headers, where the PCI core
 * only logs them).
 */
#include <linux/pci.h>

static void uio_msi_conftest_cor(struct pci_dev *pdev)
{
}

struct pci_error_handlers uio_msi_conftest = {
	.cor_error_detected = uio_msi_conftest_cor,
};
