// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: IRQ request and release, interrupt delivery, masking and bus
 * mastering.
 *
 * A vector holds a requested IRQ only while it has a listener: an eventfd
 * bound to it, or for vector 0 an open /dev/uioN.  In msi and msix mode
 * the IRQ is requested disabled, bus mastering goes on (an MSI is a DMA
 * write) and only then is the IRQ enabled: a request that fails has turned
 * nothing on, and an interrupt the device held pending is not sent before
 * bus mastering lets it through.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/slab.h>

#include "uio_msi.h"

/* Hand one interrupt of @vec to its single listener. */
static void uio_msi_deliver(struct uio_msi_vector *vec)
{
	struct eventfd_ctx *trigger = READ_ONCE(vec->trigger);

	if (likely(trigger))
		uio_msi_eventfd_signal(trigger);
	else
		/*
		 * Only vector 0 runs without an eventfd, and only while
		 * /dev/uioN is open: the UIO device is registered then
		 * (opens are refused before, and removal takes its files
		 * away and frees this IRQ before unregistering it).
		 */
		uio_event_notify(&vec->udev->info);
}

static irqreturn_t uio_msi_msi_handler(int irq, void *arg)
{
	uio_msi_deliver(arg);
	return IRQ_HANDLED;
}

static irqreturn_t uio_msi_intx_handler(int irq, void *arg)
{
	struct uio_msi_vector *vec = arg;
	struct pci_dev *pdev = vec->udev->pdev;
	u32 command_status;

	/*
	 * The line is shared and level-triggered.  Our function drives it
	 * only while its Interrupt Status is set and INTx is not disabled:
	 * while it is masked (by this handler, until user space re-enables
	 * it, or by user space), another device's interrupt on the line is
	 * not ours, even with our function's own event still pending.
	 */
	if (pci_read_config_dword(pdev, PCI_COMMAND, &command_status) ||
	    !((command_status >> 16) & PCI_STATUS_INTERRUPT) ||
	    (command_status & PCI_COMMAND_INTX_DISABLE))
		return IRQ_NONE;
	/*
	 * Mask it there so the line goes quiet until user space has serviced
	 * the device; false if the status went away meanwhile.
	 */
	if (!pci_check_and_mask_intx(pdev))
		return IRQ_NONE;
	uio_msi_deliver(vec);
	return IRQ_HANDLED;
}

/* Re-enable INTx; a function still asserting it has a new event. */
static void uio_msi_intx_unmask(struct uio_msi_device *udev)
{
	if (!pci_check_and_unmask_intx(udev->pdev))
		uio_msi_deliver(&udev->vectors[0]);
}

static bool uio_msi_is_msi(const struct uio_msi_device *udev)
{
	return udev->mode == UIO_MSI_IRQ_MSI || udev->mode == UIO_MSI_IRQ_MSIX;
}

/*
 * The request_irq() of uio_msi_vector_request(), which the debug kernel's
 * tests can make fail with any errno (fault.c): its callers' handling of
 * every failure is tested, not only of the allocation failures.
 */
static int uio_msi_request_irq(struct uio_msi_vector *vec, bool intx,
			       const char *name)
{
	int ret = uio_msi_fault_request_irq();

	if (ret)
		return ret;
	if (intx)
		return request_irq(vec->irq, uio_msi_intx_handler, IRQF_SHARED,
				   name, vec);
	return uio_msi_request_irq_disabled(vec->irq, uio_msi_msi_handler,
					    name, vec);
}

/*
 * Request @vec's IRQ, not yet delivering: disabled in msi and msix mode,
 * with INTx still disabled in the function in intx mode (a shared IRQ
 * cannot be requested disabled).  uio_msi_vector_arm() starts it.
 */
static int uio_msi_vector_request(struct uio_msi_device *udev,
				  struct uio_msi_vector *vec)
{
	bool intx = udev->mode == UIO_MSI_IRQ_INTX;
	char *name;
	int ret;

	name = kasprintf(GFP_KERNEL, UIO_MSI_IRQ_NAME_FMT, vec->index,
			 pci_name(udev->pdev));
	if (!name)
		return -ENOMEM;

	/*
	 * Masking disables the IRQ: at once, in the function (MSI-X mask
	 * bit, MSI per-vector mask), so that what arrives while masked is
	 * the function's pending bit, one interrupt on unmask however many
	 * came, rather than the IRQ core's replay of the first plus the
	 * pending one.
	 */
	if (!intx)
		irq_set_status_flags(vec->irq, IRQ_DISABLE_UNLAZY);
	ret = uio_msi_request_irq(vec, intx, name);
	if (ret && !intx)
		irq_clear_status_flags(vec->irq, IRQ_DISABLE_UNLAZY);
	if (ret) {
		kfree(name);
		if (ret == -ENOMEM || ret == -ENOSPC)
			return ret;
		/*
		 * The ABI reports every other way the system cannot serve
		 * this vector (e.g. an INTx line held exclusively by another
		 * driver) as ENOSPC; keep the real cause in the log.
		 */
		dev_info_ratelimited(&udev->pdev->dev,
				     "vector %u: request_irq(%d): %d\n",
				     vec->index, vec->irq, ret);
		return -ENOSPC;
	}
	vec->irq_name = name;
	return 0;
}

/* Start delivering on @vec, just requested, unless it is masked. */
static void uio_msi_vector_arm(struct uio_msi_device *udev,
			       struct uio_msi_vector *vec)
{
	if (vec->masked)
		return;
	if (udev->mode == UIO_MSI_IRQ_INTX)
		uio_msi_intx_unmask(udev);
	else
		enable_irq(vec->irq);
}

static void uio_msi_vector_free(struct uio_msi_device *udev,
				struct uio_msi_vector *vec)
{
	/* A shared line must not stay asserted once our handler is gone. */
	if (udev->mode == UIO_MSI_IRQ_INTX)
		pci_intx(udev->pdev, 0);
	free_irq(vec->irq, vec);
	if (udev->mode != UIO_MSI_IRQ_INTX)
		irq_clear_status_flags(vec->irq, IRQ_DISABLE_UNLAZY);
	kfree(vec->irq_name);
	vec->irq_name = NULL;
	/* The mask stays the vector's: the next request honours it. */
}

/*
 * Make @vec's IRQ match its listeners: requested while it has one, free
 * otherwise, and delivering to the bound eventfd if there is one.  Taking
 * a listener away never fails.  Returns 1 when it requested the IRQ just
 * now: the caller arms it once bus mastering is on.
 */
static int uio_msi_vector_update(struct uio_msi_device *udev,
				 struct uio_msi_vector *vec)
{
	struct eventfd_ctx *trigger = vec->binding ? vec->binding->ctx : NULL;
	bool listened = trigger || (vec->index == 0 && udev->uio_open_count);
	int ret;

	if (!listened) {
		if (vec->irq_name)
			uio_msi_vector_free(udev, vec);
		WRITE_ONCE(vec->trigger, NULL);
		return 0;
	}

	if (vec->irq_name) {
		if (vec->trigger != trigger) {
			WRITE_ONCE(vec->trigger, trigger);
			/* The caller puts the old context after this. */
			synchronize_irq(vec->irq);
		}
		return 0;
	}

	WRITE_ONCE(vec->trigger, trigger);
	ret = uio_msi_vector_request(udev, vec);
	if (ret) {
		WRITE_ONCE(vec->trigger, NULL);
		return ret;
	}
	return 1;
}

bool uio_msi_listened(const struct uio_msi_device *udev)
{
	return udev->nr_bindings || udev->uio_open_count;
}

static void uio_msi_bus_master_on(struct uio_msi_device *udev)
{
	/* An MSI is a DMA write: it needs bus mastering.  INTx does not. */
	if (udev->bus_master || !uio_msi_is_msi(udev))
		return;
	/* Shut down (reboot, kexec): the DMA stays off. */
	if (!udev->live)
		return;
	if (!udev->tainted) {
		dev_warn(&udev->pdev->dev,
			 "bus mastering on for a user-space driver: its device can DMA anywhere without IOMMU protection; tainting kernel\n");
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
		udev->tainted = true;
	}
	pci_set_master(udev->pdev);
	udev->bus_master = true;
}

/*
 * Apply a change of listeners: of @vec (may be NULL when no vectors are
 * allocated) and of the device as a whole.  Bus mastering goes on once
 * the IRQ is requested and before it is enabled, since MSIs need it; it
 * is not turned on (nor the kernel tainted) when the request fails.  It
 * goes off once the last listener is gone, whatever the mode: also any
 * DMA that user space enabled itself stops when its driver exits or
 * crashes.
 */
int uio_msi_update(struct uio_msi_device *udev, struct uio_msi_vector *vec)
{
	bool was_in_use = udev->in_use, listened;
	int ret = 0;

	lockdep_assert_held(&udev->lock);

	if (vec)
		ret = uio_msi_vector_update(udev, vec);
	listened = uio_msi_listened(udev);
	if (ret >= 0 && listened)
		uio_msi_bus_master_on(udev);
	if (ret > 0) {
		uio_msi_vector_arm(udev, vec);
		ret = 0;
	}
	if (!listened && was_in_use) {
		pci_clear_master(udev->pdev);
		udev->bus_master = false;
	}
	WRITE_ONCE(udev->in_use, listened);
	/* Removal may be waiting for the last listener (core.c). */
	if (!listened && was_in_use)
		wake_up(&udev->listeners_gone);
	return ret;
}

static struct uio_msi_vector *uio_msi_uio_vector(struct uio_msi_device *udev)
{
	return udev->irq_count ? &udev->vectors[0] : NULL;
}

/* /dev/uioN listens to vector 0 unless an eventfd is bound to it. */
int uio_msi_uio_open(struct uio_msi_device *udev)
{
	int ret;

	lockdep_assert_held(&udev->lock);

	/* Not registered yet, or being removed or shut down. */
	if (!udev->live)
		return -ENODEV;
	/*
	 * In msi and msix mode an open listener turns bus mastering on:
	 * DMA, as for every other listener, needs CAP_SYS_RAWIO whatever
	 * the file's mode (intx and none keep uio_pci_generic's rules).
	 */
	if (uio_msi_is_msi(udev) && !capable(CAP_SYS_RAWIO))
		return -EPERM;

	udev->uio_open_count++;
	ret = uio_msi_update(udev, uio_msi_uio_vector(udev));
	if (ret) {
		udev->uio_open_count--;
		uio_msi_update(udev, uio_msi_uio_vector(udev));
	}
	return ret;
}

void uio_msi_uio_release(struct uio_msi_device *udev)
{
	struct uio_msi_vector *vec = uio_msi_uio_vector(udev);

	lockdep_assert_held(&udev->lock);

	/* Removal already counted every file as closed. */
	if (udev->uio_detached)
		return;
	udev->uio_open_count--;
	/*
	 * A mask set through /dev/uioN ends with its last file, so that an
	 * eventfd still bound to vector 0, or the next listener, is not
	 * left without interrupts by a program that is gone.  A mask set
	 * through the mask attribute stays.
	 */
	if (!udev->uio_open_count && vec && vec->masked_by_uio)
		uio_msi_set_mask(udev, vec, false, false);
	uio_msi_update(udev, vec);
}

/*
 * Device removal, before the UIO device is unregistered: its open files
 * no longer listen, and no interrupt reaches the UIO core from now on
 * (vector 0's IRQ is freed, or delivers to its eventfd only).
 */
void uio_msi_uio_forget(struct uio_msi_device *udev)
{
	lockdep_assert_held(&udev->lock);

	udev->uio_detached = true;
	udev->uio_open_count = 0;
	uio_msi_update(udev, uio_msi_uio_vector(udev));
}

/*
 * Mask or unmask @vec (@by_uio: through /dev/uioN).  While masked, none
 * of its interrupts reaches a listener; if one or more came, exactly one
 * is delivered on unmask: the MSI-X pending bit, an MSI the IRQ core held
 * (a function without per-vector masks), or INTx still asserted.  Neither
 * the IRQ nor bus mastering changes.  A vector without a listener keeps
 * its mask for the next one.
 */
int uio_msi_set_mask(struct uio_msi_device *udev, struct uio_msi_vector *vec,
		     bool masked, bool by_uio)
{
	lockdep_assert_held(&udev->lock);

	/* Shut down: nothing is re-enabled any more. */
	if (!masked && !udev->live)
		return -ENODEV;
	/* Who set it last: a mask set through /dev/uioN ends with it. */
	vec->masked_by_uio = masked && by_uio;
	if (vec->masked == masked)
		return 0;
	vec->masked = masked;
	if (!vec->irq_name)
		return 0;
	if (udev->mode == UIO_MSI_IRQ_INTX) {
		if (masked)
			pci_intx(udev->pdev, 0);
		else
			uio_msi_intx_unmask(udev);
	} else if (masked) {
		disable_irq(vec->irq);
	} else {
		enable_irq(vec->irq);
	}
	return 0;
}

/*
 * write() of 1 or 0 on /dev/uioN: unmask or mask vector 0, as igb_uio
 * does.  In intx mode, 1 also re-enables INTx after the handler masked it
 * (user space serviced the device), as uio_pci_generic's users do it
 * through the config space.
 */
int uio_msi_irqcontrol(struct uio_msi_device *udev, bool enable)
{
	struct uio_msi_vector *vec = uio_msi_uio_vector(udev);
	bool was_masked;
	int ret;

	lockdep_assert_held(&udev->lock);

	/* Removed or shut down: nothing is re-enabled any more. */
	if (!udev->live)
		return -EIO;
	/* The caller holds /dev/uioN open, so vector 0 has its IRQ. */
	if (!vec || !vec->irq_name)
		return -EIO;

	was_masked = vec->masked;
	ret = uio_msi_set_mask(udev, vec, !enable, true);
	/* (Unmasking a masked vector re-enabled INTx already.) */
	if (!ret && enable && !was_masked && udev->mode == UIO_MSI_IRQ_INTX)
		uio_msi_intx_unmask(udev);
	return ret;
}

/*
 * After the config space was restored (a reset, a resume, AER's
 * slot_reset): bus mastering as the listeners require, and INTx disabled
 * unless a listener in intx mode has it (its own state was restored).
 * Restoring used up the saved state: a new snapshot is what the next
 * AER link reset will need (pci_restore_state() in slot_reset).
 */
void uio_msi_restore_hw(struct uio_msi_device *udev)
{
	struct pci_dev *pdev = udev->pdev;

	lockdep_assert_held(&udev->lock);

	if (udev->bus_master)
		pci_set_master(pdev);
	else
		pci_clear_master(pdev);
	if (udev->mode != UIO_MSI_IRQ_INTX || !udev->vectors[0].irq_name)
		pci_intx(pdev, 0);
	pci_save_state(pdev);
}
