/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uio_msi: internal definitions shared by the module's source files.
 *
 * Locking, outermost first:
 *   device_lock (driver core: probe, remove, shutdown, AER callbacks, reset)
 *   uio_device.info_lock (UIO core; held around our open/release/irqcontrol)
 *   uio_msi_device.lock  (every state change of one device; held from
 *                         reset_prepare to reset_done)
 *   eventfd wqh.lock     (taken by add/remove_wait_queue and eventfd_signal)
 * Our sysfs stores take uio_msi_device.lock only, never device_lock.  The
 * interrupt handlers take none of these (eventfd_signal takes wqh.lock
 * internally; the INTx handler reads the config space under the PCI
 * core's pci_lock).  The eventfd wake callback runs under wqh.lock and
 * only queues work, which then takes uio_msi_device.lock.
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

/* What an eventfd can be bound to besides the vectors. */
enum uio_msi_notice {
	UIO_MSI_NOTICE_ERROR,	/* an AER error reported for the function */
	UIO_MSI_NOTICE_REQUEST,	/* the device is about to be taken away */
	UIO_MSI_NR_NOTICES,
};

/* A binding's target: vector 0 to irq_count - 1, or a notice. */
#define UIO_MSI_TARGET_NOTICE(notice)	(UIO_MSI_MAX_VECTORS + (notice))

struct uio_msi_device;

/*
 * One eventfd bound to one target.  Created by a write to the eventfd,
 * error_eventfd or request_eventfd attribute; it ends exactly once, by
 * whoever detaches it from its target under uio_msi_device.lock (an
 * explicit unbind or rebind, the eventfd's EPOLLHUP work, or device
 * removal).  The detacher then destroys it.
 */
struct uio_msi_binding {
	struct uio_msi_device *udev;	/* constant */
	unsigned int target;		/* constant: vector or notice */
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
	int irq;	/* udev->lock: its Linux IRQ while allocated */
	unsigned int index;		/* constant */
	/*
	 * udev->lock: the vector's mask (mask attribute, or /dev/uioN for
	 * vector 0); it outlives the listeners, not a re-allocation.  While
	 * the IRQ is requested in msi or msix mode it is disabled exactly
	 * while masked; in intx mode INTx is then disabled in the function.
	 */
	bool masked;
	bool masked_by_uio;	/* udev->lock: set last through /dev/uioN */
};

struct uio_msi_device {
	struct pci_dev *pdev;		/* constant */
	struct uio_info info;		/* registered with the UIO core */
	struct mutex lock;		/* serialises all state below */
	/*
	 * Constant after probe: the function's INTx line as it was at
	 * probe, before any MSI took pdev->irq over; 0 without INTx.
	 */
	int intx_irq;
	enum uio_msi_irq_mode mode;	/* lock */
	unsigned int irq_max;		/* lock: vectors the mode offers */
	unsigned int irq_count;		/* lock: vectors allocated */
	/* lock: irq_max entries, the first irq_count allocated */
	struct uio_msi_vector *vectors;
	unsigned int nr_bindings;	/* lock: vectors with an eventfd */
	unsigned int uio_open_count;	/* lock: open files of /dev/uioN */
	/* lock: the eventfds bound to the notices (not listeners) */
	struct uio_msi_binding *notices[UIO_MSI_NR_NOTICES];
	/*
	 * lock: new listeners and opens are accepted: from the end of probe
	 * (the UIO device registered) until remove or shutdown begins.
	 */
	bool live;
	bool uio_detached;	/* lock: removal took /dev/uioN's files away */
	/* lock (written; read locklessly by removal's wait for it) */
	bool in_use;			/* had a listener at last update */
	bool bus_master;		/* lock: we set Bus Master Enable */
	bool tainted;			/* lock: taint already reported */
	wait_queue_head_t listeners_gone; /* woken when in_use goes false */
};

/* core.c */
extern struct workqueue_struct *uio_msi_wq;
extern const struct attribute_group *uio_msi_groups[];

/* vectors.c: modes and vector allocation */
const char *uio_msi_mode_name(enum uio_msi_irq_mode mode);
int uio_msi_mode_parse(const char *word, size_t len);
void uio_msi_vectors_init(struct uio_msi_device *udev,
			  enum uio_msi_irq_mode preferred);
void uio_msi_vectors_release(struct uio_msi_device *udev);
int uio_msi_set_mode(struct uio_msi_device *udev, enum uio_msi_irq_mode mode);
int uio_msi_set_irq_count(struct uio_msi_device *udev, s64 count);
bool uio_msi_can_resize_live(struct uio_msi_device *udev);

/* irq.c: IRQs, delivery, masking, bus mastering */
bool uio_msi_listened(const struct uio_msi_device *udev);
int uio_msi_update(struct uio_msi_device *udev, struct uio_msi_vector *vec);
int uio_msi_set_mask(struct uio_msi_device *udev, struct uio_msi_vector *vec,
		     bool masked, bool by_uio);
int uio_msi_uio_open(struct uio_msi_device *udev);
void uio_msi_uio_release(struct uio_msi_device *udev);
void uio_msi_uio_forget(struct uio_msi_device *udev);
int uio_msi_irqcontrol(struct uio_msi_device *udev, bool enable);
void uio_msi_restore_hw(struct uio_msi_device *udev);

/* events.c: AER, reset, system sleep */
extern const struct pci_error_handlers uio_msi_err_handler;
extern const struct dev_pm_ops uio_msi_pm_ops;

/* eventfd.c */
int uio_msi_eventfd_bind(struct uio_msi_device *udev, unsigned int target,
			 int fd, struct uio_msi_binding **replaced);
struct uio_msi_binding *uio_msi_eventfd_unbind(struct uio_msi_device *udev,
					       unsigned int target);
void uio_msi_eventfd_unbind_all(struct uio_msi_device *udev,
				struct list_head *unbound);
void uio_msi_binding_destroy(struct uio_msi_binding *binding);
void uio_msi_notice_signal(struct uio_msi_device *udev,
			   enum uio_msi_notice notice);

/* fault.c: fault injection for the debug kernel's tests */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void uio_msi_fault_init(void);
void uio_msi_fault_exit(void);
int uio_msi_fault_request_irq(void);
int uio_msi_fault_uio_register(void);
#else
static inline void uio_msi_fault_init(void) { }
static inline void uio_msi_fault_exit(void) { }
static inline int uio_msi_fault_request_irq(void) { return 0; }
static inline int uio_msi_fault_uio_register(void) { return 0; }
#endif

/* sriov.c */
int uio_msi_sriov_configure(struct pci_dev *pdev, int num_vfs);
void uio_msi_sriov_remove(struct pci_dev *pdev);

#endif /* UIO_MSI_H */
