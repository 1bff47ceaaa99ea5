// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dynamic MSI-X: pci_msix_alloc_irq_at() and pci_msix_free_irq() (mainline
 * 6.2): vectors added to or taken from an enabled MSI-X table one by one,
 * where the interrupt domain supports it (pci_msix_can_alloc_dyn()).
 */
#include <linux/pci.h>

int uio_msi_conftest(struct pci_dev *pdev);
int uio_msi_conftest(struct pci_dev *pdev)
{
	struct msi_map map;

	if (!pci_msix_can_alloc_dyn(pdev))
		return -EOPNOTSUPP;
	map = pci_msix_alloc_irq_at(pdev, 1, NULL);
	if (map.index < 0)
		return map.index;
	pci_msix_free_irq(pdev, map);
	return 0;
}
