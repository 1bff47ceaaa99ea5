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
#include <linux/slab.h>
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

	/*
	 * A new listener turns bus mastering (DMA) on: not under a lockdown
	 * raised after probe, which refused the device.  A privilege check,
	 * so before the values; unbinding gives access up and stays allowed.
	 */
	if (fd != UIO_MSI_EVENTFD_UNBIND) {
		ret = security_locked_down(LOCKDOWN_PCI_ACCESS);
		if (ret)
			return ret;
	}

	mutex_lock(&udev->lock);
	if (index < 0 || index >= udev->irq_count)
		ret = -ERANGE;
	else if (fd == UIO_MSI_EVENTFD_UNBIND)
		replaced = uio_msi_eventfd_unbind(udev, index);
	else if (fd < 0 || fd > INT_MAX)
		ret = -EBADF;
	else if (!udev->live)
		/* Shut down: no new listener (it would turn DMA on again). */
		ret = -ENODEV;
	else
		ret = uio_msi_eventfd_bind(udev, index, fd, &replaced);
	mutex_unlock(&udev->lock);

	if (replaced)
		uio_msi_binding_destroy(replaced);
	return ret ?: count;
}

/*
 * "FD" binds the eventfd open as FD in the writing process to @notice;
 * "-1" unbinds it.  A notice grants nothing (no IRQ, no DMA): no lockdown
 * check, and no listener that bus mastering or removal would wait for.
 */
static ssize_t uio_msi_notice_store(struct device *dev,
				    enum uio_msi_notice notice,
				    const char *buf, size_t count)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	unsigned int target = UIO_MSI_TARGET_NOTICE(notice);
	struct uio_msi_binding *replaced = NULL;
	s64 fd;
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	ret = uio_msi_parse_one(buf, count, &fd);
	if (ret)
		return ret;

	mutex_lock(&udev->lock);
	if (fd == UIO_MSI_EVENTFD_UNBIND)
		replaced = uio_msi_eventfd_unbind(udev, target);
	else if (fd < 0 || fd > INT_MAX)
		ret = -EBADF;
	else
		ret = uio_msi_eventfd_bind(udev, target, fd, &replaced);
	mutex_unlock(&udev->lock);

	if (replaced)
		uio_msi_binding_destroy(replaced);
	return ret ?: count;
}

static ssize_t error_eventfd_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return uio_msi_notice_store(dev, UIO_MSI_NOTICE_ERROR, buf, count);
}

static ssize_t request_eventfd_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return uio_msi_notice_store(dev, UIO_MSI_NOTICE_REQUEST, buf, count);
}

static const char *const uio_msi_notice_names[UIO_MSI_NR_NOTICES] = {
	[UIO_MSI_NOTICE_ERROR] = UIO_MSI_NOTICE_NAME_ERROR,
	[UIO_MSI_NOTICE_REQUEST] = UIO_MSI_NOTICE_NAME_REQUEST,
};

/* The notices that have an eventfd bound, by name, in a line. */
static ssize_t notices_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	int notice, len = 0;

	mutex_lock(&udev->lock);
	for (notice = 0; notice < UIO_MSI_NR_NOTICES; notice++)
		if (udev->notices[notice])
			len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "",
					     uio_msi_notice_names[notice]);
	mutex_unlock(&udev->lock);
	return len + sysfs_emit_at(buf, len, "\n");
}

/* 1 while irq_count can change with vectors listened (see vectors.c). */
static ssize_t resize_live_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct uio_msi_device *udev = dev_get_drvdata(dev);
	bool live;

	mutex_lock(&udev->lock);
	live = uio_msi_can_resize_live(udev);
	mutex_unlock(&udev->lock);
	return sysfs_emit(buf, "%d\n", live);
}

/*
 * The masked vectors in the kernel's list format ("1,3-5\n", or "\n"),
 * in a kmalloc()ed buffer of *@len bytes.  With 2048 vectors the list
 * can be longer than a page, hence a binary attribute.
 */
static char *uio_msi_mask_list(struct uio_msi_device *udev, size_t *len)
{
	size_t size = (size_t)udev->irq_count * 6 + 2, n = 0;
	unsigned int first, last;
	char *text;

	lockdep_assert_held(&udev->lock);

	text = kmalloc(size, GFP_KERNEL);
	if (!text)
		return NULL;
	for (first = 0; first < udev->irq_count; first = last + 1) {
		last = first;
		if (!udev->vectors[first].masked)
			continue;
		while (last + 1 < udev->irq_count &&
		       udev->vectors[last + 1].masked)
			last++;
		n += scnprintf(text + n, size - n, n ? ",%u" : "%u", first);
		if (last > first)
			n += scnprintf(text + n, size - n, "-%u", last);
	}
	n += scnprintf(text + n, size - n, "\n");
	*len = n;
	return text;
}

static ssize_t mask_read(struct file *file, struct kobject *kobj,
			 uio_msi_bin_attribute *attr,
			 char *buf, loff_t off, size_t count)
{
	struct uio_msi_device *udev = dev_get_drvdata(kobj_to_dev(kobj));
	size_t len;
	char *text;

	mutex_lock(&udev->lock);
	text = uio_msi_mask_list(udev, &len);
	mutex_unlock(&udev->lock);
	if (!text)
		return -ENOMEM;
	if (off < 0 || off >= len) {
		count = 0;
	} else {
		count = min_t(size_t, count, len - off);
		memcpy(buf, text + off, count);
	}
	kfree(text);
	return count;
}

/* "VEC 1" masks vector VEC, "VEC 0" unmasks it. */
static ssize_t mask_write(struct file *file, struct kobject *kobj,
			  uio_msi_bin_attribute *attr,
			  char *buf, loff_t off, size_t count)
{
	struct uio_msi_device *udev = dev_get_drvdata(kobj_to_dev(kobj));
	s64 index, value;
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	/* One value per write, from the start: no continued or seeked write. */
	if (off)
		return -EINVAL;
	ret = uio_msi_parse_two(buf, count, &index, &value);
	if (ret)
		return ret;
	if (value != 0 && value != 1)
		return -EINVAL;

	mutex_lock(&udev->lock);
	if (index < 0 || index >= udev->irq_count)
		ret = -ERANGE;
	else
		ret = uio_msi_set_mask(udev, &udev->vectors[index], value,
				       false);
	mutex_unlock(&udev->lock);
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
UIO_MSI_ATTR(uio_msi_attr_error_eventfd, UIO_MSI_ATTR_ERROR_EVENTFD, 0200,
	     NULL, error_eventfd_store);
UIO_MSI_ATTR(uio_msi_attr_request_eventfd, UIO_MSI_ATTR_REQUEST_EVENTFD,
	     0200, NULL, request_eventfd_store);
UIO_MSI_ATTR(uio_msi_attr_notices, UIO_MSI_ATTR_NOTICES, 0444, notices_show,
	     NULL);
UIO_MSI_ATTR(uio_msi_attr_resize_live, UIO_MSI_ATTR_RESIZE_LIVE, 0444,
	     resize_live_show, NULL);

static uio_msi_bin_attribute uio_msi_attr_mask = {
	.attr = { .name = UIO_MSI_ATTR_MASK, .mode = 0644 },
	.read = mask_read,
	.write = mask_write,
};

static uio_msi_bin_attribute *uio_msi_bin_attrs[] = {
	&uio_msi_attr_mask,
	NULL,
};

static struct attribute *uio_msi_attrs[] = {
	&uio_msi_attr_mode.attr,
	&uio_msi_attr_irq_count.attr,
	&uio_msi_attr_irq_max.attr,
	&uio_msi_attr_eventfd.attr,
	&uio_msi_attr_error_eventfd.attr,
	&uio_msi_attr_request_eventfd.attr,
	&uio_msi_attr_notices.attr,
	&uio_msi_attr_resize_live.attr,
	NULL,
};

static const struct attribute_group uio_msi_attr_group = {
	.name = UIO_MSI_ATTR_GROUP,
	.attrs = uio_msi_attrs,
	.bin_attrs = uio_msi_bin_attrs,
};

const struct attribute_group *uio_msi_groups[] = {
	&uio_msi_attr_group,
	NULL,
};
