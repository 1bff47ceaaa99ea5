// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for the debug kernel's tests (built only with
 * CONFIG_FAULT_INJECTION_DEBUG_FS): request_irq() and, in probe,
 * uio_register_device() made to fail with any errno, so that every
 * failure their callers handle is tested, not only the allocation
 * failures failslab and fail-nth cause.
 *
 * /sys/kernel/debug/uio_msi/fail_request_irq/ and .../fail_uio_register/
 * each hold the usual fault_attr files (probability, times, interval,
 * verbose...) and `errno', the positive errno returned (default ENOMEM,
 * so that a fail-nth sweep sees it as one more allocation failure).
 * Quiet by default (verbose 0): a sweep fails every fault point in turn,
 * and a stack dump for each would be a "Call Trace:" for the tests'
 * kernel-log gate.  A failed uio_register_device() is not called at all:
 * what is tested is uio_msi's handling of its failure.
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

struct uio_msi_fault {
	struct fault_attr attr;
	u32 errno_value;
};

static struct uio_msi_fault uio_msi_fail_request_irq = {
	.attr = FAULT_ATTR_INITIALIZER,
	.errno_value = ENOMEM,
};

static struct uio_msi_fault uio_msi_fail_uio_register = {
	.attr = FAULT_ATTR_INITIALIZER,
	.errno_value = ENOMEM,
};

static struct dentry *uio_msi_debugfs;

static void uio_msi_fault_create(const char *name, struct uio_msi_fault *fault)
{
	struct dentry *dir;

	fault->attr.verbose = 0;
	dir = fault_create_debugfs_attr(name, uio_msi_debugfs, &fault->attr);
	if (!IS_ERR(dir))
		debugfs_create_u32("errno", 0600, dir, &fault->errno_value);
}

void uio_msi_fault_init(void)
{
	/* Debugfs failures are not errors: the tests find the files or not. */
	uio_msi_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	uio_msi_fault_create("fail_request_irq", &uio_msi_fail_request_irq);
	uio_msi_fault_create("fail_uio_register", &uio_msi_fail_uio_register);
}

void uio_msi_fault_exit(void)
{
	debugfs_remove_recursive(uio_msi_debugfs);
}

/* 0, or the negative errno @fault is to fail with this time. */
static int uio_msi_fault_check(struct uio_msi_fault *fault)
{
	u32 err;

	if (!should_fail(&fault->attr, 1))
		return 0;
	err = clamp_t(u32, READ_ONCE(fault->errno_value), 1, MAX_ERRNO);
	return -(int)err;
}

int uio_msi_fault_request_irq(void)
{
	return uio_msi_fault_check(&uio_msi_fail_request_irq);
}

int uio_msi_fault_uio_register(void)
{
	return uio_msi_fault_check(&uio_msi_fail_uio_register);
}
