// SPDX-License-Identifier: GPL-2.0-only
/*
 * Must always compile: if it does not, the toolchain or the headers are
 * broken and every other probe result would be meaningless.
 */
#include <linux/module.h>
#include <linux/pci.h>

int uio_msi_conftest(struct pci_dev *pdev);
int uio_msi_conftest(struct pci_dev *pdev)
{
	return pci_enable_device(pdev);
}
