// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio_msi: the sysfs ABI, /sys/bus/pci/devices/<BDF>/uio_msi/.
 *
 * Text only, one value per write, parsed strictly: the whole write must
 * match, with at most one trailing newline.  Numbers are canonical decimal
 * ("0", or digits without a leading zero, optionally after a '-'), so a
 * hex or octal-looking number is rejected rather than misread.  Errors
 * leave the device as it was.
 *
 * The attributes are created by the driver core after probe() succeeds
 * and removed, with in-flight writes drained, before remove() runs; so
 * drvdata is always valid here.  A store takes only uio_msi_device.lock,
 * never a lock that unbind holds while it waits for stores to finish.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/limits.h>
#include <linux/security.h>
#include <linux/sysfs.h>

#include "uio_msi.h"

/* Length of a written value without its one optional trailing newline. */
static size_t uio_msi_value_len(const char *buf, size_t count)
{
	return count && buf[count - 1] == '\n' ? count - 1 : count;
}

/*
 * Parse a canonical decimal integer at *pos, stopping at @end.  Magnitudes
 * beyond S64_MAX saturate, so a well-formed but huge number is out of range
 * (ERANGE, or EBADF for a descriptor) rather than malformed (EINVAL).
 */
static int uio_msi_parse_integer(const char **pos, const char *end, s64 *value)
{
	const char *p = *pos;
	const char *digits;
	bool negative = false;
	u64 magnitude = 0;

	if (p < end && *p == '-') {
		negative = true;
		p++;
	}
	for (digits = p; p < end && isdigit(*p); p++) {
		unsigned int digit = *p - '0';

		if (magnitude > (S64_MAX - digit) / 10)
			magnitude = S64_MAX;
		else
			magnitude = magnitude * 10 + digit;
	}
	if (p == digits)
		return -EINVAL;
	if (*digits == '0' && (p - digits > 1 || negative))
		return -EINVAL;

	*value = negative ? -(s64)magnitude : (s64)magnitude;
	*pos = p;
	return 0;
}

/* "N": one integer. */
static int uio_msi_parse_one(const char *buf, size_t count, s64 *value)
{
	const char *end = buf + uio_msi_value_len(buf, count);

	if (uio_msi_parse_integer(&buf, end, value) || buf != end)
		return -EINVAL;
	return 0;
}

/* "VEC FD": two integers separated by blanks. */
static int uio_msi_parse_two(const char *buf, size_t count, s64 *first,
			     s64 *second)
{
	const char *end = buf + uio_msi_value_len(buf, count);
	const char *blanks;

	if (uio_msi_parse_integer(&buf, end, first))
		return -EINVAL;
	for (blanks = buf; buf < end && (*buf == ' ' || *buf == '\t'); buf++)
		;
	if (buf == blanks)
		return -EINVAL;
	if (uio_msi_parse_integer(&buf, end, second) || buf != end)
		return -EINVAL;
	return 0;
}

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	enum uio_msi_irq_mode mode;

	mutex_lock(&udev->lock);
	mode = udev->mode;
	mutex_unlock(&udev->lock);
	return sysfs_emit(buf, "%s\n", uio_msi_mode_name(mode));
}

static ssize_t mode_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	int mode;
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	mode = uio_msi_mode_parse(buf, uio_msi_value_len(buf, count));
	if (mode < 0)
		return mode;

	mutex_lock(&udev->lock);
	ret = uio_msi_set_mode(udev, mode);
	mutex_unlock(&udev->lock);
	return ret ?: count;
}

static ssize_t irq_count_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	unsigned int irq_count;

	mutex_lock(&udev->lock);
	irq_count = udev->irq_count;
	mutex_unlock(&udev->lock);
	return sysfs_emit(buf, "%u\n", irq_count);
}

static ssize_t irq_count_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	s64 irq_count;
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	ret = uio_msi_parse_one(buf, count, &irq_count);
	if (ret)
		return ret;

	mutex_lock(&udev->lock);
	ret = uio_msi_set_irq_count(udev, irq_count);
	mutex_unlock(&udev->lock);
	return ret ?: count;
}

static ssize_t irq_max_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	unsigned int irq_max;

	mutex_lock(&udev->lock);
	irq_max = udev->irq_max;
	mutex_unlock(&udev->lock);
	return sysfs_emit(buf, "%u\n", irq_max);
}

/*
 * "VEC FD" binds the eventfd open as FD in the *writing* process to vector
 * VEC; "VEC -1" unbinds VEC (also when nothing is bound).
 */
static ssize_t eventfd_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	struct uio_msi_binding *replaced = NULL;
	s64 index, fd;
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	ret = uio_msi_parse_two(buf, count, &index, &fd);
	if (ret)
		return ret;

	mutex_lock(&udev->lock);
	if (index < 0 || index >= udev->irq_count)
		ret = -ERANGE;
	else if (fd == UIO_MSI_EVENTFD_UNBIND)
		replaced = uio_msi_eventfd_unbind(udev, index);
	else if (fd < 0 || fd > INT_MAX)
		ret = -EBADF;
	else
		/*
		 * A new listener turns bus mastering (DMA) on: not under a
		 * lockdown raised after probe, which refused the device.
		 */
		ret = security_locked_down(LOCKDOWN_PCI_ACCESS) ?:
		      uio_msi_eventfd_bind(udev, index, fd, &replaced);
	mutex_unlock(&udev->lock);

	if (replaced)
		uio_msi_binding_destroy(replaced);
	return ret ?: count;
}

/* Named from the ABI header, so module, tool and tests agree. */
#define UIO_MSI_ATTR(_var, _name, _mode, _show, _store)			\
	static struct device_attribute _var = {				\
		.attr = { .name = _name, .mode = _mode },		\
		.show = _show,						\
		.store = _store,					\
	}

UIO_MSI_ATTR(uio_msi_attr_mode, UIO_MSI_ATTR_MODE, 0644, mode_show,
	     mode_store);
UIO_MSI_ATTR(uio_msi_attr_irq_count, UIO_MSI_ATTR_IRQ_COUNT, 0644,
	     irq_count_show, irq_count_store);
UIO_MSI_ATTR(uio_msi_attr_irq_max, UIO_MSI_ATTR_IRQ_MAX, 0444, irq_max_show,
	     NULL);
UIO_MSI_ATTR(uio_msi_attr_eventfd, UIO_MSI_ATTR_EVENTFD, 0200, NULL,
	     eventfd_store);

static struct attribute *uio_msi_attrs[] = {
	&uio_msi_attr_mode.attr,
	&uio_msi_attr_irq_count.attr,
	&uio_msi_attr_irq_max.attr,
	&uio_msi_attr_eventfd.attr,
	NULL,
};

static const struct attribute_group uio_msi_attr_group = {
	.name = UIO_MSI_ATTR_GROUP,
	.attrs = uio_msi_attrs,
};

const struct attribute_group *uio_msi_groups[] = {
	&uio_msi_attr_group,
	NULL,
};
