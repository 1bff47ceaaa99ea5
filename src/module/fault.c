// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for the debug kernel's tests (built only with
 * CONFIG_FAULT_INJECTION_DEBUG_FS): request_irq() made to fail with any
 * errno, so that every failure its callers handle is tested, not only
 * the allocation failures failslab and fail-nth cause.
 *
 * /sys/kernel/debug/uio_msi/fail_request_irq/ holds the usual fault_attr
 * files (probability, times, interval, verbose...) and `errno', the
 * positive errno returned (default ENOMEM, so that a fail-nth sweep sees
 * it as one more allocation failure).  Quiet by default (verbose 0): a
 * sweep fails every fault point in turn, and a stack dump for each would
 * be a "Call Trace:" for the tests' kernel-log gate.
 *
 * fail_function could do this from outside, but it draws its random
 * number in the kprobe's int3 handler, which lockdep reports as a lock
 * taken in NMI context.  should_fail() here runs in task context: it also
 * answers to fail-nth.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/minmax.h>

#include "uio_msi.h"

static DECLARE_FAULT_ATTR(uio_msi_fail_request_irq);
static u32 uio_msi_fail_request_irq_errno = ENOMEM;
static struct dentry *uio_msi_debugfs;

void uio_msi_fault_init(void)
{
	struct dentry *dir;

	uio_msi_fail_request_irq.verbose = 0;
	/* Debugfs failures are not errors: the tests find the files or not. */
	uio_msi_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	dir = fault_create_debugfs_attr("fail_request_irq", uio_msi_debugfs,
					&uio_msi_fail_request_irq);
	if (!IS_ERR(dir))
		debugfs_create_u32("errno", 0600, dir,
				   &uio_msi_fail_request_irq_errno);
}

void uio_msi_fault_exit(void)
{
	debugfs_remove_recursive(uio_msi_debugfs);
}

/* 0, or the negative errno request_irq() is to fail with this time. */
int uio_msi_fault_request_irq(void)
{
	u32 err;

	if (!should_fail(&uio_msi_fail_request_irq, 1))
		return 0;
	err = clamp_t(u32, READ_ONCE(uio_msi_fail_request_irq_errno), 1,
		      MAX_ERRNO);
	return -(int)err;
}
