// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: SR-IOV for a physical function (PF) bound to uio_msi.
 *
 * The standard interface creates and removes the virtual functions:
 * writing N to the PF's sriov_numvfs calls uio_msi_sriov_configure() (the
 * PCI core holds the PF's device lock and has already refused a change
 * from one non-zero count to another), 0 removes them.  The VFs are
 * ordinary PCI functions afterwards: bound to whatever driver takes them,
 * uio_msi included.
 *
 * There is no opt-in module parameter like vfio-pci's enable_sriov: that
 * one guards vfio's isolation, which uio_msi does not have.  A user-space
 * driver of a PF bound here can already make the device DMA anywhere
 * (CAP_SYS_RAWIO, kernel tainted); creating VFs adds no power it lacks,
 * so the write only needs the same capability as uio_msi's own files,
 * and the kernel is tainted and told, since kernel drivers may now drive
 * functions whose PF is in user-space hands.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/pci.h>

#include "uio_msi.h"

static int uio_msi_sriov_disable(struct pci_dev *pdev)
{
	/* VFs handed to guests (KVM/Xen device assignment) must stay. */
	if (pci_vfs_assigned(pdev)) {
		dev_warn(&pdev->dev, "not disabling SR-IOV: VFs are assigned to guests\n");
		return -EBUSY;
	}
	/* Removes every VF, unbinding its driver (uio_msi's included) first. */
	pci_disable_sriov(pdev);
	return 0;
}

/* sriov_numvfs written: returns the VFs enabled, or a negative errno. */
int uio_msi_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (!num_vfs)
		return uio_msi_sriov_disable(pdev);

	dev_warn(&pdev->dev,
		 "enabling %d VFs: a user-space driver controls their PF, which can reconfigure or reset them; tainting kernel\n",
		 num_vfs);
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	ret = pci_enable_sriov(pdev, num_vfs);
	if (ret) {
		dev_warn(&pdev->dev, "cannot enable %d VFs: %d\n", num_vfs, ret);
		return ret;
	}
	return num_vfs;
}

/*
 * The PF leaves uio_msi: its VFs go first (each one's driver is unbound,
 * so a VF bound to uio_msi loses its bindings and its UIO device in the
 * usual order), as the PCI core expects of a PF driver's remove.
 */
void uio_msi_sriov_remove(struct pci_dev *pdev)
{
	if (!pci_num_vf(pdev))
		return;
	dev_info(&pdev->dev, "removing %d VFs\n", pci_num_vf(pdev));
	if (uio_msi_sriov_disable(pdev))
		dev_warn(&pdev->dev, "unbound with %d VFs still enabled\n",
			 pci_num_vf(pdev));
}
