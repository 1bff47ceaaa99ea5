/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uio_msi: differences between the kernels the module builds against.
 *
 * Decided by Kbuild feature tests (conftest/, run by the Makefile against
 * the target kernel's headers and written to compat_config.h), never by
 * LINUX_VERSION_CODE: distributions backport APIs into older kernels.
 */
#ifndef UIO_MSI_COMPAT_H
#define UIO_MSI_COMPAT_H

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/pci.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "compat_config.h"

/* eventfd_signal() lost its count argument in 6.8. */
static inline void uio_msi_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef UIO_MSI_HAVE_EVENTFD_SIGNAL_1ARG
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * A per-CPU workqueue, what flags 0 always meant: kernels with WQ_PERCPU
 * (upstream since 6.17, and in Debian's 6.12 as a backport) warn when a
 * workqueue names neither it nor WQ_UNBOUND.
 */
#ifdef UIO_MSI_HAVE_WQ_PERCPU
#define UIO_MSI_WQ_FLAGS WQ_PERCPU
#else
#define UIO_MSI_WQ_FLAGS 0
#endif

/*
 * Request an IRQ that starts disabled (enable_irq() starts it).
 * IRQF_NO_AUTOEN is a flag of its own since 5.11 (and 5.10.163); before,
 * the same is a status flag of the IRQ.
 */
static inline int uio_msi_request_irq_disabled(unsigned int irq,
					       irq_handler_t handler,
					       const char *name, void *dev)
{
#ifdef IRQF_NO_AUTOEN
	return request_irq(irq, handler, IRQF_NO_AUTOEN, name, dev);
#else
	int ret;

	irq_set_status_flags(irq, IRQ_NOAUTOEN);
	ret = request_irq(irq, handler, 0, name, dev);
	irq_clear_status_flags(irq, IRQ_NOAUTOEN);
	return ret;
#endif
}

/*
 * sysfs takes struct bin_attribute as const, in its callbacks and in
 * attribute_group.bin_attrs, from 7.x, and non-const before. This is the
 * type as the running kernel's attribute_group holds it, so it needs no
 * feature test, and no declaration spells out a qualifier that is wrong
 * for one of them.
 */
#define uio_msi_bin_attribute \
	typeof(**((struct attribute_group *)NULL)->bin_attrs)

#endif /* UIO_MSI_COMPAT_H */
