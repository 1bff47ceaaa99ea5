// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: sysfs and procfs access: paths under $UIO_MSI_ROOT and the
 * text I/O of attributes (one value per read() or write()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uio-msi.h"

int sys_path(char *buf, size_t size, const char *fmt, ...)
{
	const char *root = getenv("UIO_MSI_ROOT");
	va_list ap;
	int n, m;

	if (!root)
		root = "";
	n = snprintf(buf, size, "%s", root);
	if (n < 0 || (size_t)n >= size)
		goto too_long;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		goto too_long;
	return 0;

too_long:
	/* Only reachable with an absurdly long $UIO_MSI_ROOT. */
	msg("path too long under UIO_MSI_ROOT");
	exit(EXIT_FAIL);
}

int attr_path(char *buf, size_t size, const char *bdf, const char *attr)
{
	return sys_path(buf, size, "/sys/bus/pci/devices/%s/%s/%s", bdf,
			UIO_MSI_ATTR_GROUP, attr);
}

int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		err = errno;
		n = 0;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return err;
}

int read_uint_file(const char *path, unsigned *out)
{
	unsigned long long v;
	char buf[32];
	int err;

	err = read_text(path, buf, sizeof(buf));
	if (err)
		return err;
	if (parse_uint(buf, UINT_MAX, &v))
		return EINVAL;
	*out = (unsigned)v;
	return 0;
}

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	/* sysfs takes one store per write(): never split the text. */
	n = write(fd, text, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	close(fd);
	return err;
}

int read_text_alloc(const char *path, char **out)
{
	size_t size = 4096, len = 0;
	char *buf, *grown;
	ssize_t n;
	int fd, err = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	buf = malloc(size);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	for (;;) {
		if (len + 1 == size) {
			grown = size < (1u << 20) ? realloc(buf, size * 2) : NULL;
			if (!grown) {
				err = ENOMEM;
				break;
			}
			buf = grown;
			size *= 2;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	*out = buf;
	return 0;
}
