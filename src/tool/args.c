// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: messages to the user and strict parsing of the command line:
 * options, numbers, durations and PCI addresses.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "uio-msi.h"

static void vmsg(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);
static void vmsg(const char *fmt, va_list ap)
{
	fputs(PROG_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try '" PROG_NAME " %s --help'.\n", cmd);
	else
		fputs("Try '" PROG_NAME " --help'.\n", stderr);
	return EXIT_USAGE;
}

bool is_help_option(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int option_with_value(const char *cmd, int argc, char **argv, int *i,
		      const char *name, const char **value)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return 0;
	if (arg[len] == '=') {
		*value = arg + len + 1;
		return 1;
	}
	if (arg[len] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		usage_error(cmd, "option '%s' needs a value", name);
		return -1;
	}
	*i += 1;
	*value = argv[*i];
	return 1;
}

bool copy_string(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	bool fits = len < size;

	if (!fits)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return fits;
}

int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p;

	if (*s == '\0')
		return -1;
	for (p = s; *p; p++) {
		unsigned digit;

		if (!isdigit((unsigned char)*p))
			return -1;
		digit = (unsigned)(*p - '0');
		if (digit > max || v > (max - digit) / 10)
			return -1;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	/* strtod would accept spaces, signs, "inf" and hex floats. */
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v) || v <= 0 || v > 1e9)
		return -1;
	*out = v;
	return 0;
}

/* Takes min..max hex digits at *p; fails on more digits than max. */
static bool take_hex(const char **p, size_t min, size_t max,
		     unsigned long *val)
{
	const char *s = *p;
	unsigned long v = 0;
	size_t n = 0;

	while (isxdigit((unsigned char)s[n])) {
		int c = tolower((unsigned char)s[n]);

		if (n == max)
			return false;
		v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : c - 'a' + 10);
		n++;
	}
	if (n < min)
		return false;
	*p = s + n;
	*val = v;
	return true;
}

int parse_bdf(const char *s, char out[BDF_SIZE])
{
	unsigned long domain = 0, bus, dev, fn;
	const char *p = s;
	const char *colon = strchr(s, ':');

	if (!colon)
		return -1;
	/* Two colons: a domain is given, otherwise it is 0000. */
	if (strchr(colon + 1, ':')) {
		if (!take_hex(&p, 4, 8, &domain) || *p != ':')
			return -1;
		p++;
	}
	if (!take_hex(&p, 2, 2, &bus) || *p != ':')
		return -1;
	p++;
	if (!take_hex(&p, 2, 2, &dev) || *p != '.')
		return -1;
	p++;
	if (!take_hex(&p, 1, 1, &fn) || *p != '\0')
		return -1;
	if (dev > 0x1f || fn > 7)
		return -1;
	snprintf(out, BDF_SIZE, "%04lx:%02lx:%02lx.%lx", domain, bus, dev, fn);
	return 0;
}
