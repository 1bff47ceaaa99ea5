// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: interrupt modes, vector allocation, IRQ request and release,
 * interrupt delivery and bus mastering.
 *
 * A vector holds a requested IRQ only while it has a listener: an eventfd
 * bound to it, or for vector 0 an open /dev/uioN.  Allocating vectors
 * (pci_alloc_irq_vectors) therefore costs no CPU interrupt vector until
 * user space binds them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/slab.h>

#include "uio_msi.h"

static const char *const uio_msi_mode_names[] = {
	[UIO_MSI_IRQ_NONE] = UIO_MSI_MODE_NONE,
	[UIO_MSI_IRQ_INTX] = UIO_MSI_MODE_INTX,
	[UIO_MSI_IRQ_MSI] = UIO_MSI_MODE_MSI,
	[UIO_MSI_IRQ_MSIX] = UIO_MSI_MODE_MSIX,
};

const char *uio_msi_mode_name(enum uio_msi_irq_mode mode)
{
	return uio_msi_mode_names[mode];
}

/* Exactly one of the mode words (len bytes, not NUL-terminated). */
int uio_msi_mode_parse(const char *word, size_t len)
{
	int mode;

	for (mode = 0; mode < ARRAY_SIZE(uio_msi_mode_names); mode++) {
		const char *name = uio_msi_mode_names[mode];

		if (strlen(name) == len && !memcmp(word, name, len))
			return mode;
	}
	return -EINVAL;
}

/* Vectors the device offers in @mode, whatever the system can grant. */
static unsigned int uio_msi_mode_max(struct pci_dev *pdev,
				     enum uio_msi_irq_mode mode)
{
	int count;

	switch (mode) {
	case UIO_MSI_IRQ_MSIX:
		count = pci_msix_vec_count(pdev);
		break;
	case UIO_MSI_IRQ_MSI:
		count = pci_msi_vec_count(pdev);
		break;
	case UIO_MSI_IRQ_INTX:
		count = 1;
		break;
	default:
		count = 0;
		break;
	}
	return count > 0 ? count : 0;
}

static bool uio_msi_mode_supported(struct pci_dev *pdev,
				   enum uio_msi_irq_mode mode)
{
	switch (mode) {
	case UIO_MSI_IRQ_MSIX:
	case UIO_MSI_IRQ_MSI:
		return pci_msi_enabled() && !pdev->no_msi &&
		       uio_msi_mode_max(pdev, mode) > 0;
	case UIO_MSI_IRQ_INTX:
		/*
		 * The line may be shared and is level-triggered: without the
		 * PCI 2.3 Interrupt Disable bit nobody could silence it while
		 * user space handles the interrupt.
		 */
		return pdev->irq && pdev->irq != IRQ_NOTCONNECTED &&
		       pci_intx_mask_supported(pdev);
	case UIO_MSI_IRQ_NONE:
		return true;
	}
	return false;
}

/* Hand one interrupt of @vec to its single listener. */
static void uio_msi_deliver(struct uio_msi_vector *vec)
{
	struct eventfd_ctx *trigger = READ_ONCE(vec->trigger);

	if (likely(trigger))
		uio_msi_eventfd_signal(trigger);
	else
		/* Only vector 0 runs without an eventfd: /dev/uioN listens. */
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

	/*
	 * Claim the shared line only if our function asserted it, and mask it
	 * there so the level-triggered line goes quiet until user space has
	 * serviced the device and re-enabled INTx.
	 */
	if (!pci_check_and_mask_intx(vec->udev->pdev))
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

	ret = request_irq(vec->irq,
			  intx ? uio_msi_intx_handler : uio_msi_msi_handler,
			  intx ? IRQF_SHARED : 0, name, vec);
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
	if (intx)
		uio_msi_intx_unmask(udev);
	return 0;
}

static void uio_msi_vector_free(struct uio_msi_device *udev,
				struct uio_msi_vector *vec)
{
	/* A shared line must not stay asserted once our handler is gone. */
	if (udev->mode == UIO_MSI_IRQ_INTX)
		pci_intx(udev->pdev, 0);
	free_irq(vec->irq, vec);
	kfree(vec->irq_name);
	vec->irq_name = NULL;
	/* free_irq() shut the IRQ down; the next request starts enabled. */
	vec->masked = false;
}

/*
 * Make @vec's IRQ match its listeners: requested while it has one, free
 * otherwise, and delivering to the bound eventfd if there is one.  Taking
 * a listener away never fails.
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
	if (ret)
		WRITE_ONCE(vec->trigger, NULL);
	return ret;
}

bool uio_msi_listened(const struct uio_msi_device *udev)
{
	return udev->nr_bindings || udev->uio_open_count;
}

static void uio_msi_bus_master_on(struct uio_msi_device *udev)
{
	if (udev->bus_master)
		return;
	/* An MSI is a DMA write: it needs bus mastering.  INTx does not. */
	if (udev->mode != UIO_MSI_IRQ_MSI && udev->mode != UIO_MSI_IRQ_MSIX)
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
 * allocated) and of the device as a whole.  Bus mastering goes on before
 * the first IRQ is requested, since MSIs need it, and off once the last
 * listener is gone, whatever the mode: also any DMA that user space
 * enabled itself stops when its driver exits or crashes.
 */
int uio_msi_update(struct uio_msi_device *udev, struct uio_msi_vector *vec)
{
	int ret = 0;

	lockdep_assert_held(&udev->lock);

	if (uio_msi_listened(udev))
		uio_msi_bus_master_on(udev);
	if (vec)
		ret = uio_msi_vector_update(udev, vec);
	if (!uio_msi_listened(udev) && udev->in_use) {
		pci_clear_master(udev->pdev);
		udev->bus_master = false;
	}
	udev->in_use = uio_msi_listened(udev);
	return ret;
}

static int uio_msi_alloc_errno(int err)
{
	/*
	 * -EINVAL means the platform refuses this kind of interrupt (e.g. a
	 * bus without MSI); anything else means it cannot grant as many.
	 */
	if (err == -EINVAL)
		return -EOPNOTSUPP;
	if (err == -ENOMEM)
		return -ENOMEM;
	return -ENOSPC;
}

/*
 * Allocate between @min_count and @max_count vectors in @mode.  The device
 * must be in mode none.  INTx is kept masked until a listener comes.
 */
static int uio_msi_vectors_setup(struct uio_msi_device *udev,
				 enum uio_msi_irq_mode mode,
				 unsigned int min_count, unsigned int max_count)
{
	struct pci_dev *pdev = udev->pdev;
	struct uio_msi_vector *vectors;
	unsigned int count, i;
	int ret;

	lockdep_assert_held(&udev->lock);

	switch (mode) {
	case UIO_MSI_IRQ_NONE:
		return 0;
	case UIO_MSI_IRQ_INTX:
		count = 1;
		break;
	case UIO_MSI_IRQ_MSI:
	case UIO_MSI_IRQ_MSIX:
		ret = pci_alloc_irq_vectors(pdev, min_count, max_count,
					    mode == UIO_MSI_IRQ_MSIX ?
					    PCI_IRQ_MSIX : PCI_IRQ_MSI);
		if (ret < 0)
			return uio_msi_alloc_errno(ret);
		count = ret;
		break;
	default:
		return -EINVAL;
	}

	vectors = kvcalloc(count, sizeof(*vectors), GFP_KERNEL);
	if (!vectors) {
		ret = -ENOMEM;
		goto err_free_irq_vectors;
	}
	for (i = 0; i < count; i++) {
		vectors[i].udev = udev;
		vectors[i].index = i;
		ret = mode == UIO_MSI_IRQ_INTX ? pdev->irq :
						 pci_irq_vector(pdev, i);
		if (ret < 0)
			goto err_free_vectors;
		vectors[i].irq = ret;
	}
	if (mode == UIO_MSI_IRQ_INTX)
		pci_intx(pdev, 0);

	udev->vectors = vectors;
	udev->irq_count = count;
	udev->irq_max = uio_msi_mode_max(pdev, mode);
	udev->mode = mode;
	WRITE_ONCE(udev->info.irq, UIO_IRQ_CUSTOM);
	return 0;

err_free_vectors:
	kvfree(vectors);
err_free_irq_vectors:
	if (mode != UIO_MSI_IRQ_INTX)
		pci_free_irq_vectors(pdev);
	return ret;
}

/* Back to mode none.  No vector may have a listener. */
void uio_msi_vectors_release(struct uio_msi_device *udev)
{
	enum uio_msi_irq_mode mode = udev->mode;

	lockdep_assert_held(&udev->lock);
	WARN_ON(uio_msi_listened(udev));

	/* Without interrupts, read() and write() on /dev/uioN fail (EIO). */
	WRITE_ONCE(udev->info.irq, UIO_IRQ_NONE);
	udev->mode = UIO_MSI_IRQ_NONE;
	udev->irq_count = 0;
	udev->irq_max = 0;
	kvfree(udev->vectors);
	udev->vectors = NULL;
	if (mode == UIO_MSI_IRQ_MSI || mode == UIO_MSI_IRQ_MSIX)
		pci_free_irq_vectors(udev->pdev);
	/* Disabling MSI re-enables INTx; nobody would handle it. */
	pci_intx(udev->pdev, 0);
}

/* After a failed re-allocation: get back what was just released. */
static void uio_msi_vectors_restore(struct uio_msi_device *udev,
				    enum uio_msi_irq_mode mode,
				    unsigned int count)
{
	if (uio_msi_vectors_setup(udev, mode, count, count))
		dev_err(&udev->pdev->dev,
			"cannot restore %u %s vectors; interrupts are off (mode %s)\n",
			count, uio_msi_mode_name(mode),
			uio_msi_mode_name(UIO_MSI_IRQ_NONE));
}

int uio_msi_set_mode(struct uio_msi_device *udev, enum uio_msi_irq_mode mode)
{
	enum uio_msi_irq_mode old_mode = udev->mode;
	unsigned int old_count = udev->irq_count;
	int ret;

	lockdep_assert_held(&udev->lock);

	if (!uio_msi_mode_supported(udev->pdev, mode))
		return -EOPNOTSUPP;
	if (uio_msi_listened(udev))
		return -EBUSY;

	uio_msi_vectors_release(udev);
	ret = uio_msi_vectors_setup(udev, mode, 1,
				    uio_msi_mode_max(udev->pdev, mode));
	if (ret)
		uio_msi_vectors_restore(udev, old_mode, old_count);
	return ret;
}

int uio_msi_set_irq_count(struct uio_msi_device *udev, s64 count)
{
	enum uio_msi_irq_mode mode = udev->mode;
	unsigned int old_count = udev->irq_count;
	int ret;

	lockdep_assert_held(&udev->lock);

	if (count < 1 || count > udev->irq_max)
		return -ERANGE;
	if (uio_msi_listened(udev))
		return -EBUSY;
	if (count == old_count)
		return 0;

	uio_msi_vectors_release(udev);
	ret = uio_msi_vectors_setup(udev, mode, count, count);
	if (ret)
		uio_msi_vectors_restore(udev, mode, old_count);
	return ret;
}

/*
 * At bind: the first mode from @preferred down the list msix, msi, intx
 * that the device can do and the system grants, with as many vectors as
 * it offers; none if nothing works.
 */
void uio_msi_vectors_init(struct uio_msi_device *udev,
			  enum uio_msi_irq_mode preferred)
{
	struct pci_dev *pdev = udev->pdev;
	int mode;

	lockdep_assert_held(&udev->lock);

	for (mode = preferred; mode > UIO_MSI_IRQ_NONE; mode--) {
		if (!uio_msi_mode_supported(pdev, mode))
			continue;
		if (!uio_msi_vectors_setup(udev, mode, 1,
					   uio_msi_mode_max(pdev, mode)))
			return;
		dev_info(&pdev->dev, "cannot allocate %s vectors\n",
			 uio_msi_mode_name(mode));
	}
	uio_msi_vectors_release(udev);
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

	udev->uio_open_count--;
	/*
	 * A mask set through /dev/uioN ends with its last file, so that an
	 * eventfd still bound to vector 0 is not left without interrupts.
	 * (Without an eventfd the IRQ is freed below, which also unmasks.)
	 */
	if (!udev->uio_open_count && vec && vec->masked && vec->binding) {
		enable_irq(vec->irq);
		vec->masked = false;
	}
	uio_msi_update(udev, vec);
}

/* Device removal: the UIO device is gone, so are its open files. */
void uio_msi_uio_forget(struct uio_msi_device *udev)
{
	lockdep_assert_held(&udev->lock);

	udev->uio_open_count = 0;
	uio_msi_update(udev, uio_msi_uio_vector(udev));
}

/*
 * write() of 1 or 0 on /dev/uioN: unmask or mask vector 0, as igb_uio
 * does.  An MSI arriving while masked is held pending and delivered on
 * unmask; INTx stays asserted and is delivered again on unmask.
 */
int uio_msi_irqcontrol(struct uio_msi_device *udev, bool enable)
{
	struct uio_msi_vector *vec = uio_msi_uio_vector(udev);

	lockdep_assert_held(&udev->lock);

	/* The caller holds /dev/uioN open, so vector 0 has its IRQ. */
	if (!vec || !vec->irq_name)
		return -EIO;

	if (udev->mode == UIO_MSI_IRQ_INTX) {
		if (enable)
			uio_msi_intx_unmask(udev);
		else
			pci_intx(udev->pdev, 0);
		return 0;
	}

	if (enable && vec->masked)
		enable_irq(vec->irq);
	else if (!enable && !vec->masked)
		disable_irq(vec->irq);
	vec->masked = !enable;
	return 0;
}
