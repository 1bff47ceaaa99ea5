// SPDX-License-Identifier: GPL-2.0-only
/*
 * WQ_PERCPU: mainline 6.17.  Kernels that have it warn once about a
 * workqueue allocated with neither WQ_PERCPU nor WQ_UNBOUND.
 */
#include <linux/workqueue.h>

unsigned int uio_msi_conftest(void);
unsigned int uio_msi_conftest(void)
{
	return WQ_PERCPU;
}
