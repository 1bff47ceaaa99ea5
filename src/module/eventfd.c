// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: eventfd bindings and their lifetime.  A binding's target is a
 * vector (its interrupts) or a notice (the error and request eventfds).
 *
 * A binding holds a reference to the eventfd context, not to its file, so
 * that closing the last descriptor (a killed process's included) releases
 * the file.  eventfd's release then wakes the context's wait queue with
 * EPOLLHUP, which we watch, as KVM's irqfd does, to drop the binding.
 *
 * Each binding ends exactly once, by whoever takes it off its vector under
 * uio_msi_device.lock: a rebind or unbind through sysfs, its own EPOLLHUP
 * work, or device removal.  That party destroys it afterwards, without the
 * lock, because destroying waits for the EPOLLHUP work, which takes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/slab.h>

#include "uio_msi.h"

/* The vector that @target names, or NULL for a notice. */
static struct uio_msi_vector *uio_msi_target_vector(struct uio_msi_device *udev,
						    unsigned int target)
{
	return target < UIO_MSI_MAX_VECTORS ? &udev->vectors[target] : NULL;
}

/*
 * Where a binding of @target is kept; NULL if there is no such target
 * (any more: the vectors may have been re-allocated, or the count
 * lowered).
 */
static struct uio_msi_binding **uio_msi_target_slot(struct uio_msi_device *udev,
						    unsigned int target)
{
	lockdep_assert_held(&udev->lock);

	if (target < udev->irq_count)
		return &udev->vectors[target].binding;
	if (target >= UIO_MSI_TARGET_NOTICE(0) &&
	    target < UIO_MSI_TARGET_NOTICE(UIO_MSI_NR_NOTICES))
		return &udev->notices[target - UIO_MSI_TARGET_NOTICE(0)];
	return NULL;
}

/* Take @binding off its target; no interrupt reaches its context after. */
static void uio_msi_binding_detach(struct uio_msi_device *udev,
				   struct uio_msi_binding *binding)
{
	struct uio_msi_vector *vec = uio_msi_target_vector(udev, binding->target);

	lockdep_assert_held(&udev->lock);

	*uio_msi_target_slot(udev, binding->target) = NULL;
	if (!vec)
		return;
	udev->nr_bindings--;
	/* Removing a listener frees or re-targets the IRQ; it cannot fail. */
	uio_msi_update(udev, vec);
}

static void uio_msi_binding_free(struct uio_msi_binding *binding)
{
	eventfd_ctx_put(binding->ctx);
	kfree(binding);
}

static void uio_msi_binding_unhook(struct uio_msi_binding *binding)
{
	/* The context reference keeps the wait queue alive until here. */
	if (binding->wqh)
		remove_wait_queue(binding->wqh, &binding->hup_wait);
}

static void uio_msi_binding_hup_work(struct work_struct *work)
{
	struct uio_msi_binding *binding =
		container_of(work, struct uio_msi_binding, hup_work);
	struct uio_msi_device *udev = binding->udev;
	bool detached = false;

	struct uio_msi_binding **slot;

	mutex_lock(&udev->lock);
	/* Still on its target?  Someone else may have detached it. */
	slot = uio_msi_target_slot(udev, binding->target);
	if (slot && *slot == binding) {
		uio_msi_binding_detach(udev, binding);
		detached = true;
	}
	mutex_unlock(&udev->lock);

	/* Otherwise its detacher destroys it, after this work has finished. */
	if (detached) {
		uio_msi_binding_unhook(binding);
		uio_msi_binding_free(binding);
	}
}

/*
 * Called under the eventfd's wait queue lock, possibly from our own
 * interrupt handler's eventfd_signal().  That lock is a spinlock taken
 * with interrupts off, except on PREEMPT_RT, where it is a sleeping lock
 * and interrupts stay on; either way: no sleeping, no locks of ours, only
 * queueing the work.
 */
static int uio_msi_binding_wake(wait_queue_entry_t *wait, unsigned int mode,
				int flags, void *key)
{
	struct uio_msi_binding *binding =
		container_of(wait, struct uio_msi_binding, hup_wait);

	if (key_to_poll(key) & EPOLLHUP)
		queue_work(uio_msi_wq, &binding->hup_work);
	/* Not exclusive: user-space pollers of the eventfd are woken too. */
	return 0;
}

static void uio_msi_binding_queue_proc(struct file *file,
				       wait_queue_head_t *wqh, poll_table *pt)
{
	struct uio_msi_binding *binding =
		container_of(pt, struct uio_msi_binding, pt);

	binding->wqh = wqh;
	add_wait_queue(wqh, &binding->hup_wait);
}

/*
 * Bind the eventfd open as @fd in the calling process to @target (a vector
 * below irq_count, or UIO_MSI_TARGET_NOTICE()).  On success *@replaced is
 * the binding it replaced (or NULL), for the caller to destroy after
 * dropping the lock.  On failure nothing changed.
 */
int uio_msi_eventfd_bind(struct uio_msi_device *udev, unsigned int target,
			 int fd, struct uio_msi_binding **replaced)
{
	struct uio_msi_vector *vec = uio_msi_target_vector(udev, target);
	struct uio_msi_binding **slot = uio_msi_target_slot(udev, target);
	struct uio_msi_binding *binding, *old;
	struct eventfd_ctx *ctx;
	struct file *file;
	int ret;

	if (WARN_ON(!slot))
		return -ERANGE;

	/* -EBADF if nothing is open as @fd, -EINVAL if it is not an eventfd. */
	file = eventfd_fget(fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto err_fput;
	}
	binding = kzalloc(sizeof(*binding), GFP_KERNEL);
	if (!binding) {
		ret = -ENOMEM;
		goto err_ctx_put;
	}
	binding->udev = udev;
	binding->target = target;
	binding->ctx = ctx;
	INIT_WORK(&binding->hup_work, uio_msi_binding_hup_work);
	init_waitqueue_func_entry(&binding->hup_wait, uio_msi_binding_wake);
	init_poll_funcptr(&binding->pt, uio_msi_binding_queue_proc);

	old = *slot;
	*slot = binding;
	if (vec) {
		if (!old)
			udev->nr_bindings++;
		ret = uio_msi_update(udev, vec);
		if (ret)
			goto err_restore;
	}

	/*
	 * Watch for EPOLLHUP only once the binding is published.  We still
	 * hold the file, so its release, and the HUP, cannot come earlier.
	 */
	vfs_poll(file, &binding->pt);
	fput(file);

	*replaced = old;
	return 0;

err_restore:
	/* The IRQ was not requested before, so this only undoes our part. */
	*slot = old;
	if (!old)
		udev->nr_bindings--;
	uio_msi_update(udev, vec);
	kfree(binding);
err_ctx_put:
	eventfd_ctx_put(ctx);
err_fput:
	fput(file);
	return ret;
}

/* Unbind @target; returns the binding for the caller to destroy. */
struct uio_msi_binding *uio_msi_eventfd_unbind(struct uio_msi_device *udev,
					       unsigned int target)
{
	struct uio_msi_binding **slot = uio_msi_target_slot(udev, target);
	struct uio_msi_binding *binding = slot ? *slot : NULL;

	lockdep_assert_held(&udev->lock);

	if (binding)
		uio_msi_binding_detach(udev, binding);
	return binding;
}

static void uio_msi_unbind_onto(struct uio_msi_device *udev,
				unsigned int target, struct list_head *unbound)
{
	struct uio_msi_binding *binding = uio_msi_eventfd_unbind(udev, target);

	if (binding)
		list_add_tail(&binding->unbound_node, unbound);
}

/* Unbind every vector and notice, collecting the bindings on @unbound. */
void uio_msi_eventfd_unbind_all(struct uio_msi_device *udev,
				struct list_head *unbound)
{
	unsigned int i;

	lockdep_assert_held(&udev->lock);

	for (i = 0; i < udev->irq_count; i++)
		uio_msi_unbind_onto(udev, i, unbound);
	for (i = 0; i < UIO_MSI_NR_NOTICES; i++)
		uio_msi_unbind_onto(udev, UIO_MSI_TARGET_NOTICE(i), unbound);
}

/* Add 1 to the eventfd bound to @notice, if one is. */
void uio_msi_notice_signal(struct uio_msi_device *udev,
			   enum uio_msi_notice notice)
{
	lockdep_assert_held(&udev->lock);

	if (udev->notices[notice])
		uio_msi_eventfd_signal(udev->notices[notice]->ctx);
}

/* Destroy a binding detached by the caller, outside uio_msi_device.lock. */
void uio_msi_binding_destroy(struct uio_msi_binding *binding)
{
	/* Unhook first, so the EPOLLHUP work cannot be queued again. */
	uio_msi_binding_unhook(binding);
	cancel_work_sync(&binding->hup_work);
	uio_msi_binding_free(binding);
}
