/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uio_msi: internal definitions shared by the module's source files.
 *
 * Locking, outermost first:
 *   uio_device.info_lock (UIO core; held around our open/release/irqcontrol)
 *   uio_msi_device.lock  (every state change of one device)
 *   eventfd wqh.lock     (taken by add/remove_wait_queue and eventfd_signal)
 * The interrupt handlers take none of these (eventfd_signal takes wqh.lock
 * internally).  The eventfd wake callback runs under wqh.lock and only
 * queues work, which then takes uio_msi_device.lock.
 */
#ifndef UIO_MSI_H
#define UIO_MSI_H

#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/uio_driver.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "uio_msi_abi.h"

enum uio_msi_irq_mode {
	UIO_MSI_IRQ_NONE,
	UIO_MSI_IRQ_INTX,
	UIO_MSI_IRQ_MSI,
	UIO_MSI_IRQ_MSIX,
};

struct uio_msi_device;

/*
 * One eventfd bound to one vector.  Created by a write to the eventfd
 * attribute; it ends exactly once, by whoever detaches it from its vector
 * under uio_msi_device.lock (an explicit unbind or rebind, the eventfd's
 * EPOLLHUP work, or device removal).  The detacher then destroys it.
 */
struct uio_msi_binding {
	struct uio_msi_device *udev;	/* constant */
	unsigned int index;		/* constant: vector it was bound to */
	struct eventfd_ctx *ctx;	/* constant: reference held */
	wait_queue_head_t *wqh;		/* constant once hooked (ctx pins it) */
	wait_queue_entry_t hup_wait;	/* on *wqh to see EPOLLHUP */
	poll_table pt;			/* only used to find wqh */
	struct work_struct hup_work;	/* queued by the wake callback */
	struct list_head unbound_node;	/* owned by whoever detached it */
};

struct uio_msi_vector {
	struct uio_msi_device *udev;	/* constant */
	/*
	 * Where the handler delivers: written under udev->lock with
	 * WRITE_ONCE, read locklessly by the handler.  Before a context is
	 * put, the IRQ is freed or synchronize_irq() has run.
	 */
	struct eventfd_ctx *trigger;
	struct uio_msi_binding *binding; /* udev->lock */
	char *irq_name;	/* udev->lock; non-NULL exactly while IRQ requested */
	int irq;	/* constant while the vectors are allocated */
	unsigned int index;		/* constant */
	bool masked;	/* udev->lock; vector 0 disabled through /dev/uioN */
};

struct uio_msi_device {
	struct pci_dev *pdev;		/* constant */
	struct uio_info info;		/* registered with the UIO core */
	struct mutex lock;		/* serialises all state below */
	enum uio_msi_irq_mode mode;	/* lock */
	unsigned int irq_max;		/* lock: vectors the mode offers */
	unsigned int irq_count;		/* lock: entries in vectors[] */
	struct uio_msi_vector *vectors;	/* lock */
	unsigned int nr_bindings;	/* lock: vectors with an eventfd */
	unsigned int uio_open_count;	/* lock: open files of /dev/uioN */
	bool in_use;			/* lock: had a listener at last update */
	bool bus_master;		/* lock: we set Bus Master Enable */
	bool tainted;			/* lock: taint already reported */
};

/* core.c */
extern struct workqueue_struct *uio_msi_wq;
extern const struct attribute_group *uio_msi_groups[];

/* irq.c */
const char *uio_msi_mode_name(enum uio_msi_irq_mode mode);
int uio_msi_mode_parse(const char *word, size_t len);
void uio_msi_vectors_init(struct uio_msi_device *udev,
			  enum uio_msi_irq_mode preferred);
void uio_msi_vectors_release(struct uio_msi_device *udev);
int uio_msi_set_mode(struct uio_msi_device *udev, enum uio_msi_irq_mode mode);
int uio_msi_set_irq_count(struct uio_msi_device *udev, s64 count);
bool uio_msi_listened(const struct uio_msi_device *udev);
int uio_msi_update(struct uio_msi_device *udev, struct uio_msi_vector *vec);
int uio_msi_uio_open(struct uio_msi_device *udev);
void uio_msi_uio_release(struct uio_msi_device *udev);
void uio_msi_uio_forget(struct uio_msi_device *udev);
int uio_msi_irqcontrol(struct uio_msi_device *udev, bool enable);

/* eventfd.c */
int uio_msi_eventfd_bind(struct uio_msi_device *udev, unsigned int index,
			 int fd, struct uio_msi_binding **replaced);
struct uio_msi_binding *uio_msi_eventfd_unbind(struct uio_msi_device *udev,
					       unsigned int index);
void uio_msi_eventfd_unbind_all(struct uio_msi_device *udev,
				struct list_head *unbound);
void uio_msi_binding_destroy(struct uio_msi_binding *binding);

#endif /* UIO_MSI_H */
