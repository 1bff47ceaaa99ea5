// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: what the PCI core tells a driver about its device: AER errors
 * and their recovery, function resets, system sleep.
 *
 * The user-space driver owns the device, so the kernel's part is to tell
 * it (the error notice), to let recovery proceed for the whole hierarchy
 * (a driver without error callbacks votes against it for every device
 * under the same port), and to keep the interrupt state that user space
 * set up: mode, vectors, bindings and masks are the driver's, restored
 * with the config space; bus mastering follows the listeners.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/pm.h>

#include "uio_msi.h"

static pci_ers_result_t uio_msi_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	mutex_lock(&udev->lock);
	uio_msi_notice_signal(udev, UIO_MSI_NOTICE_ERROR);
	mutex_unlock(&udev->lock);

	/* Gone for good: user space has been told; nothing to recover. */
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	/*
	 * A frozen link is reset by the AER core, which does not restore the
	 * function's config space (BARs, MSI-X enable and table): ask for
	 * slot_reset, where it is put back.  Otherwise, as vfio-pci, the
	 * device needs nothing from the kernel to recover.
	 */
	if (state == pci_channel_io_frozen)
		return PCI_ERS_RESULT_NEED_RESET;
	return PCI_ERS_RESULT_CAN_RECOVER;
}

/*
 * After the AER core reset the link: the config space of the last
 * snapshot (BARs, command; taken at probe and after every restore) and
 * the interrupt state the kernel keeps (MSI or MSI-X enable, table,
 * per-vector masks), then bus mastering as the listeners require.
 */
static pci_ers_result_t uio_msi_slot_reset(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	mutex_lock(&udev->lock);
	pci_restore_state(pdev);
	uio_msi_restore_hw(udev);
	mutex_unlock(&udev->lock);
	return PCI_ERS_RESULT_RECOVERED;
}

#ifdef UIO_MSI_HAVE_COR_ERROR_DETECTED
/* Kernels that report corrected errors to drivers (not 5.10 or 6.1). */
static void uio_msi_cor_error_detected(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	mutex_lock(&udev->lock);
	uio_msi_notice_signal(udev, UIO_MSI_NOTICE_ERROR);
	mutex_unlock(&udev->lock);
}
#endif

/*
 * A reset (sysfs reset file, AER's bus reset, a PF's FLR of its VF):
 * from saving the config space to restoring it, no listener may come or
 * go, or the restore would put back a bus mastering bit that no longer
 * matches them.  So uio_msi_device.lock is held from reset_prepare to
 * reset_done (the PCI core calls both, in one task, under device_lock).
 */
static void uio_msi_reset_prepare(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	mutex_lock(&udev->lock);
}

static void uio_msi_reset_done(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	lockdep_assert_held(&udev->lock);
	uio_msi_restore_hw(udev);
	mutex_unlock(&udev->lock);
}

/* After recovery: the interrupt state as the driver knows it. */
static void uio_msi_resume(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	mutex_lock(&udev->lock);
	uio_msi_restore_hw(udev);
	mutex_unlock(&udev->lock);
}

const struct pci_error_handlers uio_msi_err_handler = {
	.error_detected = uio_msi_error_detected,
	.slot_reset = uio_msi_slot_reset,
#ifdef UIO_MSI_HAVE_COR_ERROR_DETECTED
	.cor_error_detected = uio_msi_cor_error_detected,
#endif
	.reset_prepare = uio_msi_reset_prepare,
	.reset_done = uio_msi_reset_done,
	.resume = uio_msi_resume,
};

/*
 * System sleep.  Without these the PCI core would, on resume, re-enable
 * the function the way pci_enable_device() does, which clears INTx's
 * Interrupt Disable bit of a function not using MSI: a shared line left
 * unmasked with nobody listening.  So:
 *   suspend: no DMA while the system sleeps (bus mastering off in the
 *            function; our record of it stays);
 *   suspend_noirq: save the config space ourselves, which keeps the
 *            function in D0: a lower power state could lose the state its
 *            user-space driver gave the device;
 *   resume: after the core restored the config space (MSI-X table and
 *            masks included), bus mastering and INTx as the listeners
 *            require.
 * Runtime PM never applies: the PCI core keeps a bound function active
 * unless its driver lets go, and user space may reach its BARs at any
 * time.
 */
static int __maybe_unused uio_msi_suspend(struct device *dev)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);

	mutex_lock(&udev->lock);
	pci_clear_master(udev->pdev);
	mutex_unlock(&udev->lock);
	return 0;
}

static int __maybe_unused uio_msi_suspend_noirq(struct device *dev)
{
	pci_save_state(to_pci_dev(dev));
	return 0;
}

static int __maybe_unused uio_msi_pm_resume(struct device *dev)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);

	mutex_lock(&udev->lock);
	uio_msi_restore_hw(udev);
	mutex_unlock(&udev->lock);
	return 0;
}

const struct dev_pm_ops uio_msi_pm_ops = {
	SET_SYSTEM_SLEEP_PM_OPS(uio_msi_suspend, uio_msi_pm_resume)
	SET_NOIRQ_SYSTEM_SLEEP_PM_OPS(uio_msi_suspend_noirq, NULL)
};
