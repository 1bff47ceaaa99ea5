// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: helpers shared by the subcommands: messages, strict argument
 * parsing, sysfs text I/O, device state, vector lists and /proc/interrupts.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uio-msi.h"

void msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool driver_loaded(void)
{
	char path[PATH_MAX];

	sys_path(path, sizeof(path), "/sys/bus/pci/drivers/%s",
		 UIO_MSI_DRIVER_NAME);
	return is_dir(path);
}

bool load_driver(void)
{
	const char *modprobe = getenv("UIO_MSI_MODPROBE");
	int status;
	pid_t pid;

	if (!modprobe || !*modprobe)
		modprobe = "modprobe";
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execlp(modprobe, modprobe, "-q", UIO_MSI_DRIVER_NAME,
		       (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return driver_loaded();
}

bool device_exists(const char *bdf)
{
	char path[PATH_MAX];

	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return is_dir(path);
}

int device_driver(const char *bdf, char *out, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	copy_string(out, size, base ? base + 1 : link);
	return 0;
}

/* "0x8086" -> "8086". */
static void read_id(const char *bdf, const char *file, char *out, size_t size)
{
	char path[PATH_MAX], buf[16];

	out[0] = '\0';
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	if (read_text(path, buf, sizeof(buf)))
		return;
	copy_string(out, size, strncmp(buf, "0x", 2) ? buf : buf + 2);
}

static void read_uio_name(const char *bdf, char *out, size_t size)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	out[0] = '\0';
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/uio", bdf);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "uio", 3) == 0 &&
		    isdigit((unsigned char)de->d_name[3])) {
			/* Longer names are no UIO node this tool knows. */
			if (!copy_string(out, size, de->d_name))
				out[0] = '\0';
			break;
		}
	}
	closedir(dir);
}

static int read_attr_int(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	unsigned v;

	attr_path(path, sizeof(path), bdf, attr);
	if (read_uint_file(path, &v) || v > INT_MAX)
		return -1;
	return (int)v;
}

void device_read_info(const char *bdf, struct device_info *info)
{
	char path[PATH_MAX];

	memset(info, 0, sizeof(*info));
	copy_string(info->bdf, sizeof(info->bdf), bdf);
	read_id(bdf, "vendor", info->vendor, sizeof(info->vendor));
	read_id(bdf, "device", info->device, sizeof(info->device));
	device_driver(bdf, info->driver, sizeof(info->driver));
	info->irq_count = info->irq_max = -1;
	if (strcmp(info->driver, UIO_MSI_DRIVER_NAME) != 0)
		return;
	read_uio_name(bdf, info->uio, sizeof(info->uio));
	attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_MODE);
	if (read_text(path, info->mode, sizeof(info->mode)))
		info->mode[0] = '\0';
	info->irq_count = read_attr_int(bdf, UIO_MSI_ATTR_IRQ_COUNT);
	info->irq_max = read_attr_int(bdf, UIO_MSI_ATTR_IRQ_MAX);
}

int current_driver(const char *bdf, char *out, size_t size)
{
	int err;

	if (!device_exists(bdf)) {
		msg("no PCI device %s", bdf);
		return EXIT_FAIL;
	}
	err = device_driver(bdf, out, size);
	if (err) {
		msg("%s: cannot read driver link: %s", bdf, strerror(err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int require_bound(const char *bdf)
{
	char driver[NAME_SIZE];

	if (current_driver(bdf, driver, sizeof(driver)))
		return EXIT_FAIL;
	if (strcmp(driver, UIO_MSI_DRIVER_NAME) == 0)
		return EXIT_OK;
	if (!driver_loaded())
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME
		    ": the driver is not loaded (try 'modprobe "
		    UIO_MSI_DRIVER_NAME "')", bdf);
	else if (driver[0])
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME
		    " (driver: %s); run '" PROG_NAME " bind %s' first",
		    bdf, driver, bdf);
	else
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME
		    " (no driver); run '" PROG_NAME " bind %s' first",
		    bdf, bdf);
	return EXIT_FAIL;
}

void report_write_error(const char *bdf, const char *what, int err)
{
	switch (err) {
	case EPERM:
		msg("permission denied: writing " UIO_MSI_DRIVER_NAME
		    " attributes needs CAP_SYS_RAWIO");
		break;
	case EACCES:
		msg("permission denied: cannot open the " UIO_MSI_DRIVER_NAME
		    " attributes of %s for writing (run as root)", bdf);
		break;
	case ENODEV:
	case ENOENT:
		msg("%s: device went away (removed or unbound from "
		    UIO_MSI_DRIVER_NAME ")", bdf);
		break;
	case ENOSPC:
		msg("%s: no free interrupt vectors left in the system (ENOSPC)",
		    what);
		break;
	default:
		msg("%s: %s", what, strerror(err));
		break;
	}
}

/* Vector lists. */

static int vector_list_push(struct vector_list *list, unsigned vec,
			    char *err, size_t err_size)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (list->vec[i] == vec) {
			snprintf(err, err_size, "vector %u listed twice", vec);
			return -1;
		}
	}
	if (!list->vec) {
		/* Duplicates are refused, so this bounds every list. */
		list->vec = calloc(UIO_MSI_MAX_VECTORS, sizeof(*list->vec));
		if (!list->vec) {
			snprintf(err, err_size, "out of memory");
			return -1;
		}
	}
	list->vec[list->count++] = vec;
	return 0;
}

static int parse_vector(const char *s, const char *arg, unsigned *out,
			char *err, size_t err_size)
{
	unsigned long long v;

	if (parse_uint(s, ULLONG_MAX, &v)) {
		snprintf(err, err_size,
			 "invalid vector list '%s': '%s' is not a vector number",
			 arg, s);
		return -1;
	}
	if (v >= UIO_MSI_MAX_VECTORS) {
		snprintf(err, err_size,
			 "invalid vector list '%s': vector %s is above %d",
			 arg, s, UIO_MSI_MAX_VECTORS - 1);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int vector_list_add(struct vector_list *list, const char *arg,
		    char *err, size_t err_size)
{
	char *copy, *item, *next;
	int ret = -1;

	if (strcmp(arg, "all") == 0) {
		if (list->count || list->all) {
			snprintf(err, err_size,
				 "'all' cannot be combined with other vectors");
			return -1;
		}
		list->all = true;
		return 0;
	}
	if (list->all) {
		snprintf(err, err_size,
			 "'all' cannot be combined with other vectors");
		return -1;
	}
	if (arg[0] == '\0') {
		snprintf(err, err_size, "empty vector list");
		return -1;
	}
	copy = strdup(arg);
	if (!copy) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	/* Split on ',' by hand: strtok would silently skip empty items. */
	for (item = copy; item; item = next) {
		unsigned first, last, v;
		char *dash;

		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (*item == '\0') {
			snprintf(err, err_size,
				 "invalid vector list '%s': empty element", arg);
			goto out;
		}
		dash = strchr(item, '-');
		if (dash == item) {
			snprintf(err, err_size,
				 "invalid vector list '%s': '%s' is not a vector number",
				 arg, item);
			goto out;
		}
		if (dash)
			*dash = '\0';
		if (parse_vector(item, arg, &first, err, err_size))
			goto out;
		last = first;
		if (dash && parse_vector(dash + 1, arg, &last, err, err_size))
			goto out;
		if (last < first) {
			snprintf(err, err_size,
				 "invalid vector list '%s': range %u-%u ends below its start",
				 arg, first, last);
			goto out;
		}
		for (v = first; v <= last; v++)
			if (vector_list_push(list, v, err, err_size))
				goto out;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

int vector_list_expand_all(struct vector_list *list, unsigned irq_count)
{
	char err[64];
	unsigned v;

	if (!list->all)
		return 0;
	list->all = false;
	for (v = 0; v < irq_count && v < UIO_MSI_MAX_VECTORS; v++)
		if (vector_list_push(list, v, err, sizeof(err)))
			return -1;
	return 0;
}

void vector_list_free(struct vector_list *list)
{
	free(list->vec);
	memset(list, 0, sizeof(*list));
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

void print_ranges(FILE *out, const unsigned *vec, size_t count)
{
	unsigned *sorted;
	size_t i, j;

	if (count == 0) {
		fputc('-', out);
		return;
	}
	sorted = malloc(count * sizeof(*sorted));
	if (!sorted) {
		fputc('?', out);
		return;
	}
	memcpy(sorted, vec, count * sizeof(*sorted));
	qsort(sorted, count, sizeof(*sorted), cmp_unsigned);
	for (i = 0; i < count; i = j) {
		/* Extend the run while numbers are consecutive. */
		for (j = i + 1; j < count && sorted[j] == sorted[j - 1] + 1; j++)
			;
		fprintf(out, "%s%u", i ? "," : "", sorted[i]);
		if (j - i > 1)
			fprintf(out, "-%u", sorted[j - 1]);
	}
	free(sorted);
}

char *format_ranges(const unsigned *vec, size_t count)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	print_ranges(f, vec, count);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* /proc/interrupts */

/*
 * An IRQ name split around its vector number, derived from
 * UIO_MSI_IRQ_NAME_FMT so the tool follows the ABI header: the names of
 * vectors 0 and 1 differ exactly at the number.
 */
struct irq_name_pattern {
	char prefix[64];
	char suffix[64];
};

static void irq_pattern_init(struct irq_name_pattern *pat, const char *bdf)
{
	char name0[sizeof(pat->prefix)], name1[sizeof(pat->prefix)];
	size_t i = 0;

	snprintf(name0, sizeof(name0), UIO_MSI_IRQ_NAME_FMT, 0u, bdf);
	snprintf(name1, sizeof(name1), UIO_MSI_IRQ_NAME_FMT, 1u, bdf);
	while (name0[i] && name0[i] == name1[i])
		i++;
	snprintf(pat->prefix, sizeof(pat->prefix), "%.*s", (int)i, name0);
	copy_string(pat->suffix, sizeof(pat->suffix),
		    name0[i] ? name0 + i + 1 : "");
}

static bool irq_pattern_match(const struct irq_name_pattern *pat,
			      const char *token, unsigned *vec)
{
	size_t plen = strlen(pat->prefix);
	unsigned long v = 0;
	const char *p;

	if (strncmp(token, pat->prefix, plen) != 0)
		return false;
	p = token + plen;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v >= UIO_MSI_MAX_VECTORS)
			return false;
		p++;
	}
	if (strcmp(p, pat->suffix) != 0)
		return false;
	*vec = (unsigned)v;
	return true;
}

int irq_usage_read(const char *bdf, struct irq_usage *usage)
{
	struct irq_name_pattern pat;
	char path[PATH_MAX];
	char *line = NULL;
	size_t line_size = 0;
	unsigned ncpu = 0;
	bool *seen;
	FILE *f;
	unsigned v;

	memset(usage, 0, sizeof(*usage));
	irq_pattern_init(&pat, bdf);
	sys_path(path, sizeof(path), "/proc/interrupts");
	f = fopen(path, "re");
	if (!f)
		return errno;
	seen = calloc(UIO_MSI_MAX_VECTORS, sizeof(*seen));
	usage->listened = calloc(UIO_MSI_MAX_VECTORS, sizeof(*usage->listened));
	if (!seen || !usage->listened) {
		free(seen);
		free(usage->listened);
		usage->listened = NULL;
		fclose(f);
		return ENOMEM;
	}

	/* Header: one "CPUn" column per online CPU. */
	if (getline(&line, &line_size, f) > 0) {
		char *save = NULL, *tok;

		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (strncmp(tok, "CPU", 3) == 0)
				ncpu++;
	}

	while (getline(&line, &line_size, f) > 0) {
		unsigned long long sum = 0;
		char *p = line, *save = NULL, *tok;
		bool mine = false;
		unsigned cpu;

		/* Only numbered lines are device IRQs ("NMI:" etc. are not). */
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			continue;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p++ != ':')
			continue;
		for (cpu = 0; cpu < ncpu; cpu++) {
			char *end;

			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				break;
			sum += strtoull(p, &end, 10);
			p = end;
		}
		/* Chip, hwirq and type, then the actions, ", "-separated. */
		for (tok = strtok_r(p, " \t\n,", &save); tok;
		     tok = strtok_r(NULL, " \t\n,", &save)) {
			if (irq_pattern_match(&pat, tok, &v)) {
				seen[v] = true;
				mine = true;
			}
		}
		if (mine)
			usage->interrupts += sum;
	}
	free(line);
	fclose(f);

	for (v = 0; v < UIO_MSI_MAX_VECTORS; v++)
		if (seen[v])
			usage->listened[usage->count++] = v;
	free(seen);
	return 0;
}

void irq_usage_free(struct irq_usage *usage)
{
	free(usage->listened);
	memset(usage, 0, sizeof(*usage));
}
