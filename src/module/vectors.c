// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: interrupt modes and vector allocation.
 *
 * Allocating vectors (pci_alloc_irq_vectors) costs no CPU interrupt vector
 * until user space gives a vector a listener (irq.c).  A mode or count
 * change re-allocates, which needs every vector free of listeners; if the
 * new allocation fails, the old one is made again, in our own memory
 * allocated up front, so that a failed change leaves the device as it was.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

/* Vectors the function offers in @mode, whatever the system can grant. */
static unsigned int uio_msi_mode_max(struct uio_msi_device *udev,
				     enum uio_msi_irq_mode mode)
{
	int count;

	switch (mode) {
	case UIO_MSI_IRQ_MSIX:
		count = pci_msix_vec_count(udev->pdev);
		break;
	case UIO_MSI_IRQ_MSI:
		count = pci_msi_vec_count(udev->pdev);
		break;
	case UIO_MSI_IRQ_INTX:
		count = udev->intx_irq ? 1 : 0;
		break;
	default:
		count = 0;
		break;
	}
	return count > 0 ? count : 0;
}

static bool uio_msi_mode_supported(struct uio_msi_device *udev,
				   enum uio_msi_irq_mode mode)
{
	struct pci_dev *pdev = udev->pdev;

	switch (mode) {
	case UIO_MSI_IRQ_MSIX:
	case UIO_MSI_IRQ_MSI:
		return pci_msi_enabled() && !pdev->no_msi &&
		       uio_msi_mode_max(udev, mode) > 0;
	case UIO_MSI_IRQ_INTX:
		/* Decided at probe: see uio_msi_intx_line() in core.c. */
		return udev->intx_irq > 0;
	case UIO_MSI_IRQ_NONE:
		return true;
	}
	return false;
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

/* Our per-vector state for up to @count vectors, none allocated yet. */
static struct uio_msi_vector *uio_msi_vectors_new(struct uio_msi_device *udev,
						  unsigned int count)
{
	struct uio_msi_vector *vectors;
	unsigned int i;

	vectors = kvcalloc(max(count, 1U), sizeof(*vectors), GFP_KERNEL);
	if (!vectors)
		return NULL;
	for (i = 0; i < count; i++) {
		vectors[i].udev = udev;
		vectors[i].index = i;
	}
	return vectors;
}

/*
 * Allocate between @min_count and @max_count vectors of @mode in the
 * function (mode none at the time) and install @vectors (room for
 * @max_count) for them.  Returns 0 or -errno; on failure nothing changed.
 */
static int uio_msi_vectors_setup(struct uio_msi_device *udev,
				 enum uio_msi_irq_mode mode,
				 struct uio_msi_vector *vectors,
				 unsigned int min_count, unsigned int max_count)
{
	struct pci_dev *pdev = udev->pdev;
	unsigned int count, i;
	int ret;

	lockdep_assert_held(&udev->lock);

	switch (mode) {
	case UIO_MSI_IRQ_NONE:
		count = 0;
		break;
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

	for (i = 0; i < count; i++) {
		ret = mode == UIO_MSI_IRQ_INTX ? udev->intx_irq :
						 pci_irq_vector(pdev, i);
		if (ret < 0) {
			pci_free_irq_vectors(pdev);
			return ret;
		}
		vectors[i].irq = ret;
	}
	/* INTx stays masked until a listener comes. */
	if (mode == UIO_MSI_IRQ_INTX)
		pci_intx(pdev, 0);

	udev->vectors = vectors;
	udev->irq_count = count;
	udev->irq_max = uio_msi_mode_max(udev, mode);
	udev->mode = mode;
	WRITE_ONCE(udev->info.irq, count ? UIO_IRQ_CUSTOM : UIO_IRQ_NONE);
	return 0;
}

/*
 * Give the function's vectors back, keeping our per-vector state: mode
 * none, and the caller owns the array that was udev->vectors.  No vector
 * may have a listener.
 */
static struct uio_msi_vector *uio_msi_vectors_detach(struct uio_msi_device *udev)
{
	struct uio_msi_vector *vectors = udev->vectors;
	enum uio_msi_irq_mode mode = udev->mode;

	lockdep_assert_held(&udev->lock);
	WARN_ON(uio_msi_listened(udev));

	/* Without interrupts, read() and write() on /dev/uioN fail (EIO). */
	WRITE_ONCE(udev->info.irq, UIO_IRQ_NONE);
	udev->mode = UIO_MSI_IRQ_NONE;
	udev->irq_count = 0;
	udev->irq_max = 0;
	udev->vectors = NULL;
	if (mode == UIO_MSI_IRQ_MSI || mode == UIO_MSI_IRQ_MSIX)
		pci_free_irq_vectors(udev->pdev);
	/* Disabling MSI re-enables INTx; nobody would handle it. */
	pci_intx(udev->pdev, 0);
	return vectors;
}

/* Back to mode none.  No vector may have a listener. */
void uio_msi_vectors_release(struct uio_msi_device *udev)
{
	kvfree(uio_msi_vectors_detach(udev));
}

/*
 * Re-allocate @count vectors in @mode, or mode and count as the function
 * allows (@exact false: 1 to the mode's maximum).  On failure the vectors
 * as they were (mode, count and our state of each) are allocated again.
 */
static int uio_msi_vectors_replace(struct uio_msi_device *udev,
				   enum uio_msi_irq_mode mode,
				   unsigned int count, bool exact)
{
	enum uio_msi_irq_mode old_mode = udev->mode;
	unsigned int old_count = udev->irq_count;
	unsigned int max = uio_msi_mode_max(udev, mode);
	struct uio_msi_vector *vectors, *old;
	int ret;

	/* Our memory first: failing here changes nothing at all. */
	vectors = uio_msi_vectors_new(udev, max);
	if (!vectors)
		return -ENOMEM;

	old = uio_msi_vectors_detach(udev);
	ret = uio_msi_vectors_setup(udev, mode, vectors, exact ? count : 1,
				    exact ? count : max);
	if (!ret) {
		kvfree(old);
		return 0;
	}
	kvfree(vectors);
	if (uio_msi_vectors_setup(udev, old_mode, old, old_count, old_count)) {
		/* The system took back what it just gave: nothing to keep. */
		dev_err(&udev->pdev->dev,
			"cannot restore %u %s vectors; interrupts are off (mode %s)\n",
			old_count, uio_msi_mode_name(old_mode),
			uio_msi_mode_name(UIO_MSI_IRQ_NONE));
		kvfree(old);
	}
	return ret;
}

int uio_msi_set_mode(struct uio_msi_device *udev, enum uio_msi_irq_mode mode)
{
	lockdep_assert_held(&udev->lock);

	if (!uio_msi_mode_supported(udev, mode))
		return -EOPNOTSUPP;
	if (uio_msi_listened(udev))
		return -EBUSY;
	return uio_msi_vectors_replace(udev, mode, 0, false);
}

/*
 * Whether irq_count can change while vectors are listened: in msix mode,
 * where the kernel adds and removes MSI-X vectors one at a time (dynamic
 * MSI-X, 6.2 and later) and the interrupt domain allows it.
 */
bool uio_msi_can_resize_live(struct uio_msi_device *udev)
{
	lockdep_assert_held(&udev->lock);
#ifdef UIO_MSI_HAVE_PCI_MSIX_ALLOC_IRQ_AT
	return udev->mode == UIO_MSI_IRQ_MSIX &&
	       pci_msix_can_alloc_dyn(udev->pdev);
#else
	return false;
#endif
}

#ifdef UIO_MSI_HAVE_PCI_MSIX_ALLOC_IRQ_AT
/*
 * Grow or shrink the MSI-X vectors in place: the others keep their IRQ,
 * listener, mask and count, and no interrupt of theirs is lost or
 * duplicated.  Only vectors without a listener can go.  On failure
 * nothing changed.
 */
static int uio_msi_resize_live(struct uio_msi_device *udev,
			       unsigned int count)
{
	struct pci_dev *pdev = udev->pdev;
	unsigned int old_count = udev->irq_count, i;
	struct msi_map map;

	for (i = count; i < old_count; i++)
		if (udev->vectors[i].binding)
			return -EBUSY;

	for (i = old_count; i < count; i++) {
		map = pci_msix_alloc_irq_at(pdev, i, NULL);
		if (map.index < 0) {
			while (i-- > old_count) {
				map.index = i;
				map.virq = udev->vectors[i].irq;
				pci_msix_free_irq(pdev, map);
			}
			return uio_msi_alloc_errno(map.index);
		}
		udev->vectors[i].irq = map.virq;
	}
	for (i = count; i < old_count; i++) {
		struct uio_msi_vector *vec = &udev->vectors[i];

		map.index = i;
		map.virq = vec->irq;
		pci_msix_free_irq(pdev, map);
		/* Gone with its vector: its mask too. */
		vec->irq = 0;
		vec->masked = false;
		vec->masked_by_uio = false;
	}
	udev->irq_count = count;
	return 0;
}
#else
static int uio_msi_resize_live(struct uio_msi_device *udev,
			       unsigned int count)
{
	return -EBUSY;
}
#endif

int uio_msi_set_irq_count(struct uio_msi_device *udev, s64 count)
{
	lockdep_assert_held(&udev->lock);

	if (count < 1 || count > udev->irq_max)
		return -ERANGE;
	if (uio_msi_can_resize_live(udev))
		return count == udev->irq_count ? 0 :
		       uio_msi_resize_live(udev, count);
	if (uio_msi_listened(udev))
		return -EBUSY;
	if (count == udev->irq_count)
		return 0;
	return uio_msi_vectors_replace(udev, udev->mode, count, true);
}

/*
 * At bind: the first mode from @preferred down the list msix, msi, intx
 * that the device can do and the system grants, with as many vectors as
 * it offers; none if nothing works (or there is no memory for it).
 */
void uio_msi_vectors_init(struct uio_msi_device *udev,
			  enum uio_msi_irq_mode preferred)
{
	struct uio_msi_vector *vectors;
	unsigned int max;
	int mode;

	lockdep_assert_held(&udev->lock);

	for (mode = preferred; mode > UIO_MSI_IRQ_NONE; mode--) {
		if (!uio_msi_mode_supported(udev, mode))
			continue;
		max = uio_msi_mode_max(udev, mode);
		vectors = uio_msi_vectors_new(udev, max);
		if (vectors &&
		    !uio_msi_vectors_setup(udev, mode, vectors, 1, max))
			return;
		kvfree(vectors);
		dev_info(&udev->pdev->dev, "cannot allocate %s vectors\n",
			 uio_msi_mode_name(mode));
	}
	/* Mode none: also leaves INTx masked. */
	uio_msi_vectors_release(udev);
}
