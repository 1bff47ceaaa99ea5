// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared code of the uio_msi test helpers.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

const char *helper_name = "helper";

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", helper_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", helper_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int parse_number(const char *s, unsigned long long max,
		 unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		unsigned digit;

		if (isdigit((unsigned char)*s))
			digit = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			digit = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return -1;
		if (digit > max || v > (max - digit) / base)
			return -1;
		v = v * base + digit;
	}
	*out = v;
	return 0;
}

/* Exactly n hex digits at *p, then the separator sep ('\0': end). */
static bool hex_field(const char **p, size_t n, char sep)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)(*p)[i]))
			return false;
	if ((*p)[n] != sep)
		return false;
	*p += n + (sep ? 1 : 0);
	return true;
}

int normalize_bdf(const char *s, char *out, size_t size)
{
	const char *p = s;
	bool has_domain = strchr(s, ':') != strrchr(s, ':');
	int n;

	if (has_domain && !hex_field(&p, 4, ':'))
		return -1;
	if (!hex_field(&p, 2, ':') || !hex_field(&p, 2, '.') ||
	    !hex_field(&p, 1, '\0'))
		return -1;
	n = snprintf(out, size, "%s%s", has_domain ? "" : "0000:", s);
	if (n < 0 || (size_t)n >= size)
		return -1;
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

void root_path(char *buf, size_t size, const char *fmt, ...)
{
	const char *root = getenv("UIO_MSI_ROOT");
	va_list ap;
	int n, m;

	n = snprintf(buf, size, "%s", root ? root : "");
	if (n < 0 || (size_t)n >= size)
		die("path too long");
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		die("path too long");
}

#define ERRNO_ENTRY(e) { e, #e }

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	ERRNO_ENTRY(EPERM), ERRNO_ENTRY(ENOENT), ERRNO_ENTRY(ESRCH),
	ERRNO_ENTRY(EINTR), ERRNO_ENTRY(EIO), ERRNO_ENTRY(ENXIO),
	ERRNO_ENTRY(E2BIG), ERRNO_ENTRY(EBADF), ERRNO_ENTRY(EAGAIN),
	ERRNO_ENTRY(ENOMEM), ERRNO_ENTRY(EACCES), ERRNO_ENTRY(EFAULT),
	ERRNO_ENTRY(EBUSY), ERRNO_ENTRY(EEXIST), ERRNO_ENTRY(ENODEV),
	ERRNO_ENTRY(ENOTDIR), ERRNO_ENTRY(EISDIR), ERRNO_ENTRY(EINVAL),
	ERRNO_ENTRY(ENFILE), ERRNO_ENTRY(EMFILE), ERRNO_ENTRY(EFBIG),
	ERRNO_ENTRY(ENOSPC), ERRNO_ENTRY(ESPIPE), ERRNO_ENTRY(EROFS),
	ERRNO_ENTRY(EPIPE), ERRNO_ENTRY(EDOM), ERRNO_ENTRY(ERANGE),
	ERRNO_ENTRY(EDEADLK), ERRNO_ENTRY(ENAMETOOLONG), ERRNO_ENTRY(ENOSYS),
	ERRNO_ENTRY(ENOTEMPTY), ERRNO_ENTRY(ELOOP), ERRNO_ENTRY(ENODATA),
	ERRNO_ENTRY(EOVERFLOW), ERRNO_ENTRY(EILSEQ), ERRNO_ENTRY(EOPNOTSUPP),
	ERRNO_ENTRY(ETIMEDOUT), ERRNO_ENTRY(EALREADY), ERRNO_ENTRY(EINPROGRESS),
	ERRNO_ENTRY(ECANCELED), ERRNO_ENTRY(ENOTTY), ERRNO_ENTRY(ENOBUFS),
	ERRNO_ENTRY(ECHILD), ERRNO_ENTRY(ENOEXEC), ERRNO_ENTRY(ETXTBSY),
	ERRNO_ENTRY(ENOLCK), ERRNO_ENTRY(ENOMSG), ERRNO_ENTRY(EBADMSG),
};

const char *errno_name(int err)
{
	static char buf[24];

	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

volatile uint32_t *map_bar(const char *bdf, unsigned bar, bool writable,
			   size_t *size)
{
	char path[PATH_MAX];
	struct stat st;
	void *map;
	int fd;

	root_path(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%u",
		  bdf, bar);
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("cannot stat %s: %s", path, strerror(errno));
	if (st.st_size <= 0)
		die("%s is empty (no memory BAR %u?)", path, bar);
	/* Exactly the file size: mapping beyond a BAR is refused or worse. */
	*size = (size_t)st.st_size;
	map = mmap(NULL, *size, PROT_READ | (writable ? PROT_WRITE : 0),
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("cannot map %s: %s", path, strerror(errno));
	close(fd);
	return map;
}

long long irq_line_count(const char *name)
{
	char path[PATH_MAX];
	char *line = NULL;
	size_t line_size = 0;
	long long found = -1;
	unsigned ncpu = 0;
	FILE *f;

	root_path(path, sizeof(path), "/proc/interrupts");
	f = fopen(path, "re");
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	if (getline(&line, &line_size, f) > 0) {
		for (char *p = line; (p = strstr(p, "CPU")); p += 3)
			ncpu++;
	}
	while (found < 0 && getline(&line, &line_size, f) > 0) {
		unsigned long long sum = 0;
		char *p = strchr(line, ':'), *tok, *save = NULL;

		if (!p)
			continue;
		p++;
		for (unsigned cpu = 0; cpu < ncpu; cpu++) {
			char *end;

			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				break;
			sum += strtoull(p, &end, 10);
			p = end;
		}
		/* Shared lines list several actions: "a, b, c". */
		for (tok = strtok_r(p, " \t\n,", &save); tok;
		     tok = strtok_r(NULL, " \t\n,", &save)) {
			if (strcmp(tok, name) == 0) {
				found = (long long)sum;
				break;
			}
		}
	}
	free(line);
	fclose(f);
	return found;
}

void sleep_ns(long long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL,
			       .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool wait_irq_count(const char *name, long long target)
{
	for (int waited = 0; waited <= SYNC_TIMEOUT_MS; waited++) {
		long long count = irq_line_count(name);

		if (count < 0 || count >= target)
			return true;
		sleep_ns(1000000LL);
	}
	return false;
}
