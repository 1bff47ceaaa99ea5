// SPDX-License-Identifier: GPL-2.0-only
/* eventfd_signal(ctx) without a count: mainline 6.8. */
#include <linux/eventfd.h>

void uio_msi_conftest(struct eventfd_ctx *ctx);
void uio_msi_conftest(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
