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
#include <linux/pci.h>
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
 * (6.17) warn when a workqueue names neither it nor WQ_UNBOUND.
 */
#ifdef UIO_MSI_HAVE_WQ_PERCPU
#define UIO_MSI_WQ_FLAGS WQ_PERCPU
#else
#define UIO_MSI_WQ_FLAGS 0
#endif

#endif /* UIO_MSI_COMPAT_H */
