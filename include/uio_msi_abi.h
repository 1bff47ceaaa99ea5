/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * uio_msi user-space ABI: names shared by the kernel module, the uio-msi
 * tool and the tests.  Everything here is text over sysfs; there is no
 * ioctl and no binary structure, so the ABI is the same for 32-bit and
 * 64-bit user space.
 *
 * Documented in Documentation/ABI/testing/sysfs-bus-pci-drivers-uio_msi.
 */
#ifndef UIO_MSI_ABI_H
#define UIO_MSI_ABI_H

/* PCI driver name, also the UIO device name (/sys/class/uio/uioN/name). */
#define UIO_MSI_DRIVER_NAME	"uio_msi"

/* Attribute group: /sys/bus/pci/devices/<BDF>/uio_msi/ */
#define UIO_MSI_ATTR_GROUP	"uio_msi"

/* Attributes in that group. */
#define UIO_MSI_ATTR_MODE	"mode"		/* rw: one of the mode words */
#define UIO_MSI_ATTR_IRQ_COUNT	"irq_count"	/* rw: vectors allocated */
#define UIO_MSI_ATTR_IRQ_MAX	"irq_max"	/* ro: vectors the mode offers */
#define UIO_MSI_ATTR_EVENTFD	"eventfd"	/* wo: "VEC FD" or "VEC -1" */
#define UIO_MSI_ATTR_ERROR_EVENTFD	"error_eventfd"	/* wo: "FD" or "-1" */
#define UIO_MSI_ATTR_REQUEST_EVENTFD	"request_eventfd" /* wo: "FD" or "-1" */
#define UIO_MSI_ATTR_NOTICES	"notices"	/* ro: bound notice names */
#define UIO_MSI_ATTR_MASK	"mask"		/* rw: list; "VEC 1"/"VEC 0" */
#define UIO_MSI_ATTR_RESIZE_LIVE	"resize_live"	/* ro: 1 or 0 */

/* Notice names, as read from the notices attribute. */
#define UIO_MSI_NOTICE_NAME_ERROR	"error"
#define UIO_MSI_NOTICE_NAME_REQUEST	"request"

/* Mode words, as read from and written to the mode attribute. */
#define UIO_MSI_MODE_MSIX	"msix"
#define UIO_MSI_MODE_MSI	"msi"
#define UIO_MSI_MODE_INTX	"intx"
#define UIO_MSI_MODE_NONE	"none"

/* Module parameter intr_mode also accepts this word (the default). */
#define UIO_MSI_MODE_AUTO	"auto"

/* FD value that unbinds a vector in "VEC FD". */
#define UIO_MSI_EVENTFD_UNBIND	(-1)

/* IRQ name in /proc/interrupts: vector index, then the PCI address. */
#define UIO_MSI_IRQ_NAME_FMT	"uio_msi[%u](%s)"

/* Largest vector count any mode can offer (the MSI-X table limit). */
#define UIO_MSI_MAX_VECTORS	2048

#endif /* UIO_MSI_ABI_H */
