// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: a UIO PCI driver that gives user-space drivers MSI-X, MSI and
 * INTx interrupts, one eventfd per vector, bound through sysfs text
 * attributes (no ioctl).  This file: module parameters, probe and remove,
 * and the UIO device callbacks.
 *
 * The driver has no ID table: devices are bound to it explicitly, through
 * driver_override (or new_id), never by surprise.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/security.h>
#include <linux/slab.h>

#include "uio_msi.h"

/* Module parameter value meaning "the best mode the device can do". */
#define UIO_MSI_IRQ_AUTO	(-1)

static int intr_mode = UIO_MSI_IRQ_AUTO;

static int intr_mode_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strlen(val);
	int mode;

	if (len && val[len - 1] == '\n')
		len--;
	if (len == strlen(UIO_MSI_MODE_AUTO) &&
	    !memcmp(val, UIO_MSI_MODE_AUTO, len)) {
		mode = UIO_MSI_IRQ_AUTO;
	} else {
		mode = uio_msi_mode_parse(val, len);
		if (mode < 0)
			return mode;
	}

	WRITE_ONCE(*(int *)kp->arg, mode);
	return 0;
}

static int intr_mode_get(char *buf, const struct kernel_param *kp)
{
	int mode = READ_ONCE(*(int *)kp->arg);

	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 mode == UIO_MSI_IRQ_AUTO ? UIO_MSI_MODE_AUTO :
						    uio_msi_mode_name(mode));
}

static const struct kernel_param_ops intr_mode_ops = {
	.set = intr_mode_set,
	.get = intr_mode_get,
};

module_param_cb(intr_mode, &intr_mode_ops, &intr_mode, 0644);
MODULE_PARM_DESC(intr_mode,
		 "Interrupt mode at bind: auto (default), msix, msi, intx or none; a mode the device cannot do falls back along msix, msi, intx, none");

static char *ids;
module_param(ids, charp, 0444);
MODULE_PARM_DESC(ids,
		 "PCI IDs to bind at load, as vfio-pci's: vendor:device[:subvendor[:subdevice[:class[:class_mask]]]] in hex digits (IDs 0-ffff or ffffffff for any, class and mask 0-ffffff), comma-separated; an invalid entry fails the load");

static unsigned int release_wait_ms = 1000;
module_param(release_wait_ms, uint, 0644);
MODULE_PARM_DESC(release_wait_ms,
		 "When a function is about to be taken away and an eventfd is bound to its request_eventfd: how long (ms) removal waits, after signalling it, for the user-space driver to let go of every vector and of /dev/uioN; then it proceeds regardless (default 1000, 0: no wait)");

struct workqueue_struct *uio_msi_wq;

/* One to eight hex digits, nothing else (no "0x", sign or blank). */
static int uio_msi_parse_hex(const char *text, u32 *value)
{
	size_t len = strlen(text), i;

	if (!len || len > 8)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isxdigit(text[i]))
			return -EINVAL;
	return kstrtou32(text, 16, value);
}

/*
 * One ids entry: two to six hex fields separated by ':'.  vendor, device,
 * subvendor and subdevice are 16-bit IDs or ffffffff (any); class and
 * class_mask are 24 bits.
 */
static int uio_msi_parse_id(char *entry, struct pci_device_id *id)
{
	u32 field[6] = { 0, 0, PCI_ANY_ID, PCI_ANY_ID, 0, 0 };
	unsigned int count = 0;
	char *text;

	while ((text = strsep(&entry, ":"))) {
		if (count == ARRAY_SIZE(field) ||
		    uio_msi_parse_hex(text, &field[count]))
			return -EINVAL;
		if (count < 4 ? field[count] > 0xffff && field[count] != PCI_ANY_ID :
				field[count] > 0xffffff)
			return -EINVAL;
		count++;
	}
	if (count < 2)
		return -EINVAL;

	*id = (struct pci_device_id) {
		.vendor = field[0],
		.device = field[1],
		.subvendor = field[2],
		.subdevice = field[3],
		.class = field[4],
		.class_mask = field[5],
	};
	return 0;
}

/*
 * Parse the ids parameter, all of it before anything is bound: a typo
 * fails the load instead of silently binding less.
 */
static int uio_msi_parse_ids(struct pci_device_id **table, size_t *count)
{
	char *copy, *rest, *entry;
	size_t n = 0;
	int ret = 0;

	*table = NULL;
	*count = 0;
	if (!ids || !*ids)
		return 0;

	copy = kstrdup(ids, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	*table = kcalloc(strlen(ids) / 3 + 1, sizeof(**table), GFP_KERNEL);
	if (!*table) {
		ret = -ENOMEM;
		goto out;
	}
	rest = copy;
	while ((entry = strsep(&rest, ","))) {
		if (uio_msi_parse_id(entry, &(*table)[n])) {
			pr_err("ids: invalid entry %zu in \"%s\"\n", n + 1, ids);
			ret = -EINVAL;
			goto out;
		}
		n++;
	}
	*count = n;
out:
	if (ret) {
		kfree(*table);
		*table = NULL;
	}
	kfree(copy);
	return ret;
}

static int uio_msi_open(struct uio_info *info, struct inode *inode)
{
	struct uio_msi_device *udev = info->priv;
	int ret;

	/*
	 * Lockdown raised after probe: an open file maps the BARs, which
	 * LOCKDOWN_PCI_ACCESS forbids (as the sysfs resource files do at
	 * mmap), and listens, which turns bus mastering on.  Files opened
	 * before stay usable; nothing new is granted.  (The UIO core calls
	 * this with the device's info_lock held, from the moment its node
	 * exists: uio_msi_uio_open() refuses until probe is done.)
	 */
	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret)
		return ret;

	mutex_lock(&udev->lock);
	ret = uio_msi_uio_open(udev);
	mutex_unlock(&udev->lock);
	return ret;
}

static int uio_msi_release(struct uio_info *info, struct inode *inode)
{
	struct uio_msi_device *udev = info->priv;

	mutex_lock(&udev->lock);
	uio_msi_uio_release(udev);
	mutex_unlock(&udev->lock);
	return 0;
}

static int uio_msi_irqcontrol_cb(struct uio_info *info, s32 irq_on)
{
	struct uio_msi_device *udev = info->priv;
	int ret;

	mutex_lock(&udev->lock);
	ret = uio_msi_irqcontrol(udev, irq_on != 0);
	mutex_unlock(&udev->lock);
	return ret;
}

static const char *const uio_msi_bar_names[PCI_STD_NUM_BARS] = {
	"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5",
};

/*
 * Memory BARs become UIO maps, in BAR order (MAX_UIO_MAPS of them).  A BAR
 * the PCI core could not assign (or claim) has no address: mapping it
 * would map physical address 0 instead, so it gets no map.
 */
static void uio_msi_setup_maps(struct uio_msi_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	struct uio_mem *mem = udev->info.mem;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *res = &pdev->resource[bar];
		resource_size_t start = pci_resource_start(pdev, bar);
		resource_size_t len = pci_resource_len(pdev, bar);

		if (!len || !(res->flags & IORESOURCE_MEM))
			continue;
		if ((res->flags & IORESOURCE_UNSET) || !res->parent) {
			dev_info(&pdev->dev, "BAR%d is not assigned: no UIO map\n",
				 bar);
			continue;
		}
		if (mem == udev->info.mem + MAX_UIO_MAPS) {
			dev_info(&pdev->dev,
				 "BAR%d and later have no UIO map; use the sysfs resource files\n",
				 bar);
			break;
		}
		/* UIO maps whole pages; offs tells where a small BAR starts. */
		mem->name = uio_msi_bar_names[bar];
		mem->memtype = UIO_MEM_PHYS;
		mem->addr = start & PAGE_MASK;
		mem->offs = start & ~PAGE_MASK;
		mem->size = PAGE_ALIGN(mem->offs + len);
		mem++;
	}
}

/*
 * The function's INTx line, or 0 if it has none it can use: read at probe,
 * before an MSI allocation takes pdev->irq over.  A line needs a pin, an
 * IRQ routed to it, and the PCI 2.3 Interrupt Disable bit: the line may be
 * shared and is level-triggered, and without that bit nobody could
 * silence it while user space handles the interrupt.
 */
static int uio_msi_intx_line(struct pci_dev *pdev)
{
	if (!pdev->pin || !pdev->irq || pdev->irq == IRQ_NOTCONNECTED)
		return 0;
	if (!pci_intx_mask_supported(pdev))
		return 0;
	return pdev->irq;
}

static int uio_msi_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct uio_msi_device *udev;
	int mode = READ_ONCE(intr_mode);
	unsigned int irq_count, irq_max;
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		dev_warn(&pdev->dev, "not binding a bridge or other non-type-0 function\n");
		return -EINVAL;
	}
	/* Lockdown forbids user-space PCI access, as for the sysfs BAR files. */
	ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
	if (ret) {
		dev_warn(&pdev->dev, "kernel lockdown: not giving user space this device\n");
		return ret;
	}

	udev = kzalloc(sizeof(*udev), GFP_KERNEL);
	if (!udev)
		return -ENOMEM;
	udev->pdev = pdev;
	mutex_init(&udev->lock);
	init_waitqueue_head(&udev->listeners_gone);

	/*
	 * The BARs are not requested: with CONFIG_IO_STRICT_DEVMEM that would
	 * make the sysfs resource files unmappable, and user-space drivers
	 * (DPDK among them) map BARs through them.
	 */
	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	/* Bus mastering, DMA and MSIs stay off until someone listens. */
	pci_clear_master(pdev);
	/* What AER's slot_reset puts back after a link reset (events.c). */
	pci_save_state(pdev);
	udev->intx_irq = uio_msi_intx_line(pdev);

	uio_msi_setup_maps(udev);
	udev->info.name = UIO_MSI_DRIVER_NAME;
	udev->info.version = UIO_MSI_VERSION;
	udev->info.priv = udev;
	udev->info.open = uio_msi_open;
	udev->info.release = uio_msi_release;
	udev->info.irqcontrol = uio_msi_irqcontrol_cb;

	mutex_lock(&udev->lock);
	uio_msi_vectors_init(udev, mode == UIO_MSI_IRQ_AUTO ?
				   UIO_MSI_IRQ_MSIX : mode);
	mode = udev->mode;
	irq_count = udev->irq_count;
	irq_max = udev->irq_max;
	mutex_unlock(&udev->lock);

	pci_set_drvdata(pdev, udev);
	/*
	 * /dev/uioN exists before this returns: opens are refused until the
	 * device is live, so nothing listens if registration fails.  (The
	 * debug kernel's tests make it fail: fault.c.)
	 */
	ret = uio_msi_fault_uio_register();
	if (!ret)
		ret = uio_register_device(&pdev->dev, &udev->info);
	if (ret)
		goto err_release_vectors;
	mutex_lock(&udev->lock);
	udev->live = true;
	mutex_unlock(&udev->lock);

	dev_info(&pdev->dev, "%s: mode %s, %u of %u vectors\n",
		 dev_name(&udev->info.uio_dev->dev), uio_msi_mode_name(mode),
		 irq_count, irq_max);
	return 0;

err_release_vectors:
	mutex_lock(&udev->lock);
	uio_msi_vectors_release(udev);
	mutex_unlock(&udev->lock);
	pci_disable_device(pdev);
err_free:
	mutex_destroy(&udev->lock);
	kfree(udev);
	return ret;
}

/*
 * The device is about to be taken away (unbind, hot-unplug, rmmod, a PF
 * disabling its VFs): tell the user-space driver through its request
 * notice, and give it release_wait_ms to let go of its listeners by
 * itself, never longer.  Returns with no new listener accepted.
 */
static void uio_msi_request_release(struct uio_msi_device *udev)
{
	unsigned int wait_ms = READ_ONCE(release_wait_ms);
	bool wait;

	mutex_lock(&udev->lock);
	udev->live = false;
	uio_msi_notice_signal(udev, UIO_MSI_NOTICE_REQUEST);
	wait = wait_ms && udev->notices[UIO_MSI_NOTICE_REQUEST] && udev->in_use;
	mutex_unlock(&udev->lock);

	if (wait && !wait_event_timeout(udev->listeners_gone,
					!READ_ONCE(udev->in_use),
					msecs_to_jiffies(wait_ms)))
		dev_info(&udev->pdev->dev,
			 "user space still listens after %u ms: taking the device away\n",
			 wait_ms);
}

static void uio_msi_remove(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);
	struct uio_msi_binding *binding, *next;
	LIST_HEAD(unbound);

	/* The sysfs attributes are already gone (driver core). */
	uio_msi_request_release(udev);

	/*
	 * A PF's VFs next: each VF's driver unbinds (a VF bound to uio_msi
	 * gets its own request notice) before the PF itself goes.
	 */
	uio_msi_sriov_remove(pdev);

	/*
	 * /dev/uioN's files stop listening: vector 0's IRQ is freed, or
	 * delivers to its eventfd only, so no interrupt reaches the UIO
	 * device once it is unregistered below.
	 */
	mutex_lock(&udev->lock);
	uio_msi_uio_forget(udev);
	mutex_unlock(&udev->lock);

	/* No UIO callback runs after this; open files of /dev/uioN get EIO. */
	uio_unregister_device(&udev->info);

	mutex_lock(&udev->lock);
	uio_msi_eventfd_unbind_all(udev, &unbound);
	uio_msi_vectors_release(udev);
	mutex_unlock(&udev->lock);

	list_for_each_entry_safe(binding, next, &unbound, unbound_node)
		uio_msi_binding_destroy(binding);
	/* EPOLLHUP work that detached its own binding may still be running. */
	flush_workqueue(uio_msi_wq);

	pci_disable_device(pdev);
	mutex_destroy(&udev->lock);
	kfree(udev);
}

/*
 * Reboot or kexec: stop the device's DMA and silence its INTx, so that a
 * kexec'd kernel does not inherit a shared line still asserted, and
 * accept no new listener from now on (one could turn bus mastering on
 * again).  Processes may still run (kexec), with their bindings.
 */
static void uio_msi_shutdown(struct pci_dev *pdev)
{
	struct uio_msi_device *udev = pci_get_drvdata(pdev);

	mutex_lock(&udev->lock);
	udev->live = false;
	pci_clear_master(pdev);
	udev->bus_master = false;
	pci_intx(pdev, 0);
	mutex_unlock(&udev->lock);
}

static struct pci_driver uio_msi_driver = {
	.name = UIO_MSI_DRIVER_NAME,
	.id_table = NULL,
	.probe = uio_msi_probe,
	.remove = uio_msi_remove,
	.shutdown = uio_msi_shutdown,
	.err_handler = &uio_msi_err_handler,
	.driver.pm = &uio_msi_pm_ops,
	.sriov_configure = uio_msi_sriov_configure,
#ifdef UIO_MSI_HAVE_PCI_DRIVER_DEV_GROUPS
	.dev_groups = uio_msi_groups,
#else
	.driver.dev_groups = uio_msi_groups,
#endif
};

static int __init uio_msi_init(void)
{
	struct pci_device_id *table;
	size_t count, i;
	int ret;

	ret = uio_msi_parse_ids(&table, &count);
	if (ret)
		return ret;

	uio_msi_fault_init();
	uio_msi_wq = alloc_workqueue(KBUILD_MODNAME, UIO_MSI_WQ_FLAGS, 0);
	if (!uio_msi_wq) {
		ret = -ENOMEM;
		goto err_fault;
	}
	ret = pci_register_driver(&uio_msi_driver);
	if (ret)
		goto err_wq;

	/*
	 * Like new_id: binds every matching function not bound yet.  An ID
	 * that cannot be added fails the load, as a malformed one does.
	 */
	for (i = 0; i < count; i++) {
		const struct pci_device_id *id = &table[i];

		ret = pci_add_dynid(&uio_msi_driver, id->vendor, id->device,
				    id->subvendor, id->subdevice, id->class,
				    id->class_mask, 0);
		if (ret) {
			pr_err("ids: cannot add %04x:%04x: %d\n", id->vendor,
			       id->device, ret);
			goto err_driver;
		}
	}
	kfree(table);
	return 0;

err_driver:
	pci_unregister_driver(&uio_msi_driver);
err_wq:
	destroy_workqueue(uio_msi_wq);
err_fault:
	uio_msi_fault_exit();
	kfree(table);
	return ret;
}

static void __exit uio_msi_exit(void)
{
	pci_unregister_driver(&uio_msi_driver);
	destroy_workqueue(uio_msi_wq);
	uio_msi_fault_exit();
}

module_init(uio_msi_init);
module_exit(uio_msi_exit);

MODULE_DESCRIPTION("UIO PCI driver with MSI-X, MSI and INTx delivered to eventfds through sysfs");
MODULE_LICENSE("GPL");
MODULE_VERSION(UIO_MSI_VERSION);
