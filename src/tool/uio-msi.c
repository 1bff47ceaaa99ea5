// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: manage PCI devices bound to the uio_msi driver and their
 * interrupt vectors, through the driver's sysfs attributes only.
 *
 * This file: command dispatch, help and version, and the subcommands
 * that only read or write attributes (status, bind, unbind, set).
 * listen.c holds the eventfd-based ones (listen, exec), mask.c mask and
 * unmask; the shared helpers are in args.c, sysfs.c, device.c, vectors.c
 * and interrupts.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "uio-msi.h"

static const char main_help[] =
"Usage: uio-msi COMMAND [ARGS...]\n"
"       uio-msi --help | --version\n"
"\n"
"Manage PCI devices bound to the uio_msi driver and their MSI-X, MSI or\n"
"INTx interrupt vectors (one eventfd per vector).\n"
"\n"
"Commands:\n"
"  status [--json] [BDF]               show devices bound to uio_msi\n"
"  bind BDF                            bind a device to uio_msi\n"
"  unbind BDF                          unbind a device from uio_msi\n"
"  set BDF mode|irq-count VALUE        change interrupt mode or vector count\n"
"  listen BDF VECTORS... [OPTIONS]     print the interrupts of vectors\n"
"  exec BDF --vectors LIST -- CMD...   run CMD with one eventfd per vector\n"
"  mask BDF VECTORS...                 mask vectors (their interrupts wait)\n"
"  unmask BDF VECTORS...               unmask vectors\n"
"\n"
"Options:\n"
"  -h, --help     show this help\n"
"  -V, --version  show the tool version and that of the loaded module\n"
"\n"
"BDF is a PCI address [DDDD:]BB:DD.F (the domain defaults to 0000).\n"
"Run 'uio-msi COMMAND --help' for the details of a command.\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  operation failed (kernel refused, device missing, I/O error)\n"
"  2  usage error\n"
"  3  listen: --timeout expired before --count was reached\n"
"  exec exits with the status of CMD.\n";

static const char status_help[] =
"Usage: uio-msi status [--json] [BDF]\n"
"\n"
"Show every device bound to uio_msi, or only BDF (which may be unbound):\n"
"PCI address, vendor:device ID, UIO device, interrupt mode, vectors\n"
"allocated/offered, vectors that have an eventfd listener (they hold an\n"
"IRQ, seen in /proc/interrupts), the interrupts delivered to them, the\n"
"masked vectors, and SR-IOV: \"VF of PF-BDF\" for a virtual function,\n"
"\"PF: N/TOTAL VFs\" for a physical function that can have VFs, \"-\"\n"
"otherwise.\n"
"\n"
"Options:\n"
"  --json      print a JSON array of objects with the fields bdf, vendor,\n"
"              device, driver, uio, mode, irq_count, irq_max, listened,\n"
"              interrupts, masked, notices (names bound: error, request),\n"
"              resize_live (irq_count can change while listened), physfn,\n"
"              sriov_numvfs and sriov_totalvfs\n"
"  -h, --help  show this help\n";

static const char bind_help[] =
"Usage: uio-msi bind BDF\n"
"\n"
"Bind the device to uio_msi: load the driver (modprobe) if needed, set\n"
"the device's driver_override to uio_msi, unbind its current driver if\n"
"any, and ask the PCI core to probe it. Succeeds without change if it is\n"
"already bound to uio_msi. If the probe fails, driver_override is cleared\n"
"again and the former driver may take it back.\n"
"\n"
"Options:\n"
"  -h, --help  show this help\n";

static const char unbind_help[] =
"Usage: uio-msi unbind BDF\n"
"\n"
"Unbind the device from uio_msi and clear its driver_override. The device\n"
"is left without a driver; write its address to\n"
"/sys/bus/pci/drivers_probe to give it back to its usual driver.\n"
"Fails if the device is not bound to uio_msi.\n"
"\n"
"Options:\n"
"  -h, --help  show this help\n";

static const char set_help[] =
"Usage: uio-msi set BDF mode msix|msi|intx|none\n"
"       uio-msi set BDF irq-count N\n"
"\n"
"Switch the interrupt mode, or re-allocate N vectors in the current mode.\n"
"Refused while any vector has an eventfd listener, except an irq-count\n"
"change where the device's resize_live is 1 (msix, Linux 6.2 and later):\n"
"there it may grow, and shrink down to the highest listened vector.\n"
"\n"
"Options:\n"
"  -h, --help  show this help\n";

static void print_version(void)
{
	char path[PATH_MAX], version[64];

	printf(PROG_NAME " %s\n", UIO_MSI_VERSION);
	sys_path(path, sizeof(path), "/sys/module/%s/version",
		 UIO_MSI_DRIVER_NAME);
	if (read_text(path, version, sizeof(version)) == 0 && version[0])
		printf(UIO_MSI_DRIVER_NAME " module %s\n", version);
}

/*
 * Parses "[--help] [options] POSITIONAL..." for the commands that take
 * only positional arguments (bind, unbind, set).  Returns -1 when done
 * (help printed: *status = 0; error: *status = 2), else the count.
 */
static int positional_args(int argc, char **argv, const char *help,
			   char **pos, int max, int *status)
{
	const char *cmd = argv[0];
	bool options_done = false;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && is_help_option(arg)) {
			fputs(help, stdout);
			*status = EXIT_OK;
			return -1;
		}
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		/* "-1" is a (bad) value for set, not an option. */
		if (!options_done && arg[0] == '-' && arg[1] != '\0' &&
		    !isdigit((unsigned char)arg[1])) {
			*status = usage_error(cmd, "unknown option '%s'", arg);
			return -1;
		}
		if (n == max) {
			*status = usage_error(cmd, "unexpected argument '%s'", arg);
			return -1;
		}
		pos[n++] = argv[i];
	}
	return n;
}

static int bdf_argument(const char *cmd, const char *arg, char bdf[BDF_SIZE])
{
	if (parse_bdf(arg, bdf))
		return usage_error(cmd, "invalid PCI address '%s' (expected [DDDD:]BB:DD.F)",
				   arg);
	return EXIT_OK;
}

/* status */

static void json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	if (!s || !*s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void json_int(FILE *out, long long v)
{
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%lld", v);
}

struct status_row {
	struct device_info info;
	struct irq_usage usage;
	bool usage_ok;
	struct vector_list masked;
	bool masked_ok;
	char notices[64];
	bool notices_ok;
	int resize_live;	/* 1, 0, or -1 if unreadable */
};

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* The attributes only status shows; absent ones stay unreadable. */
static void status_row_read(struct status_row *row, const char *bdf)
{
	char path[PATH_MAX], buf[8];

	device_read_info(bdf, &row->info);
	row->usage_ok = irq_usage_read(bdf, &row->usage) == 0;
	row->resize_live = -1;
	if (strcmp(row->info.driver, UIO_MSI_DRIVER_NAME) != 0)
		return;
	attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_MASK);
	row->masked_ok = vector_list_read(path, &row->masked) == 0;
	if (row->masked_ok && row->masked.count)
		qsort(row->masked.vec, row->masked.count,
		      sizeof(*row->masked.vec), cmp_uint);
	attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_NOTICES);
	row->notices_ok = read_text(path, row->notices,
				    sizeof(row->notices)) == 0;
	attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_RESIZE_LIVE);
	if (read_text(path, buf, sizeof(buf)) == 0) {
		if (strcmp(buf, "1") == 0)
			row->resize_live = 1;
		else if (strcmp(buf, "0") == 0)
			row->resize_live = 0;
	}
}

static void json_uint_array(FILE *out, const unsigned *v, size_t n)
{
	fputc('[', out);
	for (size_t j = 0; j < n; j++)
		fprintf(out, "%s%u", j ? ", " : "", v[j]);
	fputc(']', out);
}

/* "error request" -> ["error", "request"]. */
static void json_words(FILE *out, const char *text)
{
	const char *p = text;
	bool first = true;

	fputc('[', out);
	while (*p) {
		size_t len;
		char word[64];

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		len = strcspn(p, " \t\n");
		if (!len)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		fputs(first ? "" : ", ", out);
		json_string(out, word);
		first = false;
		p += len;
	}
	fputc(']', out);
}

static void status_json(struct status_row *rows, size_t n)
{
	size_t i;

	if (n == 0) {
		puts("[]");
		return;
	}
	puts("[");
	for (i = 0; i < n; i++) {
		const struct device_info *d = &rows[i].info;
		const struct irq_usage *u = &rows[i].usage;

		fputs("  {\"bdf\": ", stdout);
		json_string(stdout, d->bdf);
		fputs(", \"vendor\": ", stdout);
		json_string(stdout, d->vendor);
		fputs(", \"device\": ", stdout);
		json_string(stdout, d->device);
		fputs(", \"driver\": ", stdout);
		json_string(stdout, d->driver);
		fputs(", \"uio\": ", stdout);
		json_string(stdout, d->uio);
		fputs(", \"mode\": ", stdout);
		json_string(stdout, d->mode);
		fputs(", \"irq_count\": ", stdout);
		json_int(stdout, d->irq_count);
		fputs(", \"irq_max\": ", stdout);
		json_int(stdout, d->irq_max);
		fputs(", \"listened\": ", stdout);
		json_uint_array(stdout, u->listened, u->count);
		fputs(", \"interrupts\": ", stdout);
		json_int(stdout, rows[i].usage_ok ? (long long)u->interrupts : -1);
		fputs(", \"masked\": ", stdout);
		if (rows[i].masked_ok)
			json_uint_array(stdout, rows[i].masked.vec,
					rows[i].masked.count);
		else
			fputs("null", stdout);
		fputs(", \"notices\": ", stdout);
		if (rows[i].notices_ok)
			json_words(stdout, rows[i].notices);
		else
			fputs("null", stdout);
		fputs(", \"resize_live\": ", stdout);
		fputs(rows[i].resize_live < 0 ? "null" :
		      rows[i].resize_live ? "true" : "false", stdout);
		fputs(", \"physfn\": ", stdout);
		json_string(stdout, d->physfn);
		fputs(", \"sriov_numvfs\": ", stdout);
		json_int(stdout, d->sriov_numvfs);
		fputs(", \"sriov_totalvfs\": ", stdout);
		json_int(stdout, d->sriov_totalvfs);
		printf("}%s\n", i + 1 < n ? "," : "");
	}
	puts("]");
}

enum { COL_DEVICE, COL_ID, COL_UIO, COL_MODE, COL_VECTORS, COL_LISTENED,
       COL_IRQS, COL_MASKED, COL_SRIOV, NCOLS };

static const char *const column_names[NCOLS] = {
	"DEVICE", "ID", "UIO", "MODE", "VECTORS", "LISTENED", "IRQS", "MASKED",
	"SR-IOV",
};

static char *cell_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
static char *cell_printf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static char *count_cell(int v)
{
	return v < 0 ? cell_printf("?") : cell_printf("%d", v);
}

/* Left-aligned columns, two spaces apart, no trailing blanks. */
static void print_row(const char *const *cell, const size_t *width)
{
	for (size_t c = 0; c < NCOLS; c++) {
		if (c + 1 < NCOLS)
			printf("%-*s  ", (int)width[c], cell[c]);
		else
			printf("%s\n", cell[c]);
	}
}

static int status_table(struct status_row *rows, size_t n)
{
	size_t width[NCOLS], i, c;
	char *(*cells)[NCOLS];
	int ret = EXIT_OK;

	cells = calloc(n ? n : 1, sizeof(*cells));
	if (!cells) {
		msg("out of memory");
		return EXIT_FAIL;
	}
	for (c = 0; c < NCOLS; c++)
		width[c] = strlen(column_names[c]);
	for (i = 0; i < n; i++) {
		const struct device_info *d = &rows[i].info;
		const struct irq_usage *u = &rows[i].usage;
		char *count = count_cell(d->irq_count);
		char *max = count_cell(d->irq_max);

		cells[i][COL_DEVICE] = cell_printf("%s", d->bdf);
		cells[i][COL_ID] = cell_printf("%s:%s", d->vendor, d->device);
		cells[i][COL_UIO] = cell_printf("%s", d->uio[0] ? d->uio : "-");
		cells[i][COL_MODE] = cell_printf("%s", d->mode[0] ? d->mode : "?");
		cells[i][COL_VECTORS] = cell_printf("%s/%s", count ? count : "?",
						    max ? max : "?");
		if (rows[i].usage_ok) {
			cells[i][COL_LISTENED] = format_ranges(u->listened, u->count);
			cells[i][COL_IRQS] = cell_printf("%llu", u->interrupts);
		} else {
			cells[i][COL_LISTENED] = cell_printf("?");
			cells[i][COL_IRQS] = cell_printf("?");
		}
		if (rows[i].masked_ok)
			cells[i][COL_MASKED] = format_ranges(rows[i].masked.vec,
							     rows[i].masked.count);
		else
			cells[i][COL_MASKED] = cell_printf("?");
		if (d->physfn[0])
			cells[i][COL_SRIOV] = cell_printf("VF of %s", d->physfn);
		else if (d->sriov_totalvfs > 0)
			cells[i][COL_SRIOV] = cell_printf("PF: %d/%d VFs",
							  d->sriov_numvfs,
							  d->sriov_totalvfs);
		else
			cells[i][COL_SRIOV] = cell_printf("-");
		free(count);
		free(max);
		for (c = 0; c < NCOLS; c++) {
			if (!cells[i][c]) {
				msg("out of memory");
				ret = EXIT_FAIL;
				goto out;
			}
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
		}
	}
	print_row(column_names, width);
	for (i = 0; i < n; i++)
		print_row((const char *const *)cells[i], width);
out:
	for (i = 0; i < n; i++)
		for (c = 0; c < NCOLS; c++)
			free(cells[i][c]);
	free(cells);
	return ret;
}

static int cmp_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects the canonical addresses of the devices bound to uio_msi. */
static int bound_devices(char ***list, size_t *count)
{
	char path[PATH_MAX], bdf[BDF_SIZE];
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	DIR *dir;

	*list = NULL;
	*count = 0;
	sys_path(path, sizeof(path), "/sys/bus/pci/drivers/%s",
		 UIO_MSI_DRIVER_NAME);
	dir = opendir(path);
	if (!dir)
		return errno;
	while ((de = readdir(dir))) {
		char **grown;

		/* Besides device links the directory holds bind, unbind... */
		if (parse_bdf(de->d_name, bdf) || strcmp(bdf, de->d_name) != 0)
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			goto no_memory;
		names = grown;
		names[n] = strdup(bdf);
		if (!names[n])
			goto no_memory;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_string);
	*list = names;
	*count = n;
	return 0;

no_memory:
	closedir(dir);
	while (n)
		free(names[--n]);
	free(names);
	return ENOMEM;
}

int cmd_status(int argc, char **argv)
{
	const char *bdf_arg = NULL;
	struct status_row *rows = NULL;
	char bdf[BDF_SIZE];
	char **names = NULL;
	size_t n = 0, i;
	bool json = false;
	int ret = EXIT_OK, err;

	for (int a = 1; a < argc; a++) {
		if (is_help_option(argv[a])) {
			fputs(status_help, stdout);
			return EXIT_OK;
		} else if (strcmp(argv[a], "--json") == 0) {
			json = true;
		} else if (argv[a][0] == '-') {
			return usage_error("status", "unknown option '%s'", argv[a]);
		} else if (bdf_arg) {
			return usage_error("status", "unexpected argument '%s'",
					   argv[a]);
		} else {
			bdf_arg = argv[a];
		}
	}

	if (bdf_arg) {
		if (bdf_argument("status", bdf_arg, bdf))
			return EXIT_USAGE;
		if (!device_exists(bdf)) {
			msg("no PCI device %s", bdf);
			return EXIT_FAIL;
		}
		names = malloc(sizeof(*names));
		if (!names || !(names[0] = strdup(bdf))) {
			free(names);
			msg("out of memory");
			return EXIT_FAIL;
		}
		n = 1;
	} else if (!driver_loaded()) {
		msg("the " UIO_MSI_DRIVER_NAME " driver is not loaded; no devices");
	} else {
		err = bound_devices(&names, &n);
		if (err) {
			msg("cannot list the devices of " UIO_MSI_DRIVER_NAME ": %s",
			    strerror(err));
			return EXIT_FAIL;
		}
	}

	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		msg("out of memory");
		ret = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++)
		status_row_read(&rows[i], names[i]);

	if (json) {
		status_json(rows, n);
	} else if (bdf_arg &&
		   strcmp(rows[0].info.driver, UIO_MSI_DRIVER_NAME) != 0) {
		const struct device_info *d = &rows[0].info;

		printf("%s [%s:%s] is not bound to " UIO_MSI_DRIVER_NAME
		       " (%s%s)\n", d->bdf, d->vendor, d->device,
		       d->driver[0] ? "driver: " : "no driver", d->driver);
	} else {
		ret = status_table(rows, n);
	}
out:
	for (i = 0; i < n; i++) {
		if (rows) {
			irq_usage_free(&rows[i].usage);
			vector_list_free(&rows[i].masked);
		}
		free(names[i]);
	}
	free(rows);
	free(names);
	return ret;
}

/* bind, unbind */

static int bind_failed(const char *bdf, const char *old_driver,
		       const char *override_path, const char *probe_path)
{
	/* Give the device back: the former driver may probe it again. */
	write_text(override_path, "\n");
	if (old_driver[0])
		write_text(probe_path, bdf);
	return EXIT_FAIL;
}

int cmd_bind(int argc, char **argv)
{
	char override_path[PATH_MAX], path[PATH_MAX], probe_path[PATH_MAX];
	char old[NAME_SIZE], now[NAME_SIZE], bdf[BDF_SIZE];
	struct device_info info;
	char *pos[1];
	int n, status, err, probe_err;

	n = positional_args(argc, argv, bind_help, pos, 1, &status);
	if (n < 0)
		return status;
	if (n != 1)
		return usage_error("bind", "missing PCI address");
	if (bdf_argument("bind", pos[0], bdf))
		return EXIT_USAGE;
	if (!driver_loaded() && !load_driver()) {
		msg("the " UIO_MSI_DRIVER_NAME " driver is not loaded and 'modprobe "
		    UIO_MSI_DRIVER_NAME "' failed: is it built for this kernel ('dkms status')?");
		return EXIT_FAIL;
	}
	if (current_driver(bdf, old, sizeof(old)))
		return EXIT_FAIL;
	sys_path(override_path, sizeof(override_path),
		 "/sys/bus/pci/devices/%s/driver_override", bdf);
	sys_path(probe_path, sizeof(probe_path), "/sys/bus/pci/drivers_probe");

	if (strcmp(old, UIO_MSI_DRIVER_NAME) != 0) {
		/* Override first, so the old driver cannot grab it back. */
		err = write_text(override_path, UIO_MSI_DRIVER_NAME "\n");
		if (err) {
			msg("%s: cannot set driver_override: %s", bdf,
			    strerror(err));
			return EXIT_FAIL;
		}
		if (old[0]) {
			sys_path(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
			err = write_text(path, bdf);
			if (err) {
				msg("%s: cannot unbind driver %s: %s", bdf, old,
				    strerror(err));
				write_text(override_path, "\n");
				return EXIT_FAIL;
			}
		}
		probe_err = write_text(probe_path, bdf);
		err = device_driver(bdf, now, sizeof(now));
		if (err || strcmp(now, UIO_MSI_DRIVER_NAME) != 0) {
			if (probe_err)
				msg("%s: probing with " UIO_MSI_DRIVER_NAME
				    " failed: %s; see dmesg", bdf,
				    strerror(probe_err));
			else if (now[0])
				msg("%s: " UIO_MSI_DRIVER_NAME
				    " did not bind it (now bound to %s); see dmesg",
				    bdf, now);
			else
				msg("%s: " UIO_MSI_DRIVER_NAME
				    " did not bind it (probe failed); see dmesg",
				    bdf);
			return bind_failed(bdf, old, override_path, probe_path);
		}
	}

	device_read_info(bdf, &info);
	printf("%s: %s " UIO_MSI_DRIVER_NAME " (%s)\n", bdf,
	       strcmp(old, UIO_MSI_DRIVER_NAME) ? "bound to" : "already bound to",
	       info.uio[0] ? info.uio : "no UIO device");
	return EXIT_OK;
}

int cmd_unbind(int argc, char **argv)
{
	char path[PATH_MAX], driver[NAME_SIZE], bdf[BDF_SIZE];
	char *pos[1];
	int n, status, err;

	n = positional_args(argc, argv, unbind_help, pos, 1, &status);
	if (n < 0)
		return status;
	if (n != 1)
		return usage_error("unbind", "missing PCI address");
	if (bdf_argument("unbind", pos[0], bdf))
		return EXIT_USAGE;
	if (current_driver(bdf, driver, sizeof(driver)))
		return EXIT_FAIL;
	if (strcmp(driver, UIO_MSI_DRIVER_NAME) != 0) {
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME " (%s%s)", bdf,
		    driver[0] ? "driver: " : "no driver", driver);
		return EXIT_FAIL;
	}
	sys_path(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind",
		 UIO_MSI_DRIVER_NAME);
	err = write_text(path, bdf);
	if (err) {
		msg("%s: cannot unbind from " UIO_MSI_DRIVER_NAME ": %s", bdf,
		    strerror(err));
		return EXIT_FAIL;
	}
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	err = write_text(path, "\n");
	if (err) {
		msg("%s: unbound, but cannot clear driver_override: %s", bdf,
		    strerror(err));
		return EXIT_FAIL;
	}
	printf("%s: unbound from " UIO_MSI_DRIVER_NAME "\n", bdf);
	return EXIT_OK;
}

/* set */

static const char *const mode_words[] = {
	UIO_MSI_MODE_MSIX, UIO_MSI_MODE_MSI, UIO_MSI_MODE_INTX, UIO_MSI_MODE_NONE,
};

static bool is_mode_word(const char *s)
{
	for (size_t i = 0; i < sizeof(mode_words) / sizeof(mode_words[0]); i++)
		if (strcmp(s, mode_words[i]) == 0)
			return true;
	return false;
}

static void report_set_error(const char *bdf, bool is_mode, const char *value,
			     int err)
{
	char what[64];

	snprintf(what, sizeof(what), "%s %s", is_mode ? "mode" : "irq-count",
		 value);
	if (err == EBUSY) {
		char path[PATH_MAX], live[8];
		struct device_info info;

		attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_RESIZE_LIVE);
		device_read_info(bdf, &info);
		/* There only the vectors that would go away must be free. */
		if (!is_mode && read_text(path, live, sizeof(live)) == 0 &&
		    strcmp(live, "1") == 0)
			msg("vectors from %s up are in use: unbind their eventfds first",
			    value);
		else if (info.uio[0])
			msg("vectors are in use: unbind all eventfds and close /dev/%s first",
			    info.uio);
		else
			msg("vectors are in use: unbind all eventfds and close the UIO device first");
	} else if (err == EOPNOTSUPP && is_mode) {
		msg("device cannot do %s", value);
	} else if (err == ERANGE && !is_mode) {
		struct device_info info;

		device_read_info(bdf, &info);
		if (info.irq_max > 0)
			msg("%s out of range: device offers 1..%d in mode %s", what,
			    info.irq_max, info.mode[0] ? info.mode : "?");
		else
			msg("%s out of range: device offers no vectors in mode %s",
			    what, info.mode[0] ? info.mode : "?");
	} else if (err == EINVAL) {
		msg("%s: rejected by the kernel as invalid (EINVAL)", what);
	} else {
		report_write_error(bdf, what, err);
	}
}

int cmd_set(int argc, char **argv)
{
	char path[PATH_MAX], text[64], bdf[BDF_SIZE];
	unsigned long long count;
	const char *attr;
	char *pos[3];
	bool is_mode;
	int n, status, err;

	n = positional_args(argc, argv, set_help, pos, 3, &status);
	if (n < 0)
		return status;
	if (n != 3)
		return usage_error("set", "expected BDF, property and value");
	if (bdf_argument("set", pos[0], bdf))
		return EXIT_USAGE;
	if (strcmp(pos[1], "mode") == 0) {
		is_mode = true;
		attr = UIO_MSI_ATTR_MODE;
		if (!is_mode_word(pos[2]))
			return usage_error("set", "unknown mode '%s' (expected "
					   UIO_MSI_MODE_MSIX ", " UIO_MSI_MODE_MSI
					   ", " UIO_MSI_MODE_INTX " or "
					   UIO_MSI_MODE_NONE ")", pos[2]);
	} else if (strcmp(pos[1], "irq-count") == 0 ||
		   strcmp(pos[1], UIO_MSI_ATTR_IRQ_COUNT) == 0) {
		is_mode = false;
		attr = UIO_MSI_ATTR_IRQ_COUNT;
		if (parse_uint(pos[2], UINT_MAX, &count))
			return usage_error("set", "invalid irq-count '%s' (expected a number)",
					   pos[2]);
	} else {
		return usage_error("set", "unknown property '%s' (expected mode or irq-count)",
				   pos[1]);
	}
	if (require_bound(bdf))
		return EXIT_FAIL;
	attr_path(path, sizeof(path), bdf, attr);
	snprintf(text, sizeof(text), "%s\n", pos[2]);
	err = write_text(path, text);
	if (err) {
		report_set_error(bdf, is_mode, pos[2], err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "bind", cmd_bind },
	{ "unbind", cmd_unbind },
	{ "set", cmd_set },
	{ "listen", cmd_listen },
	{ "exec", cmd_exec },
	{ "mask", cmd_mask },
	{ "unmask", cmd_unmask },
};

int main(int argc, char **argv)
{
	const char *arg;
	int ret = -1;

	if (argc < 2) {
		fputs(main_help, stderr);
		return EXIT_USAGE;
	}
	arg = argv[1];
	if (is_help_option(arg)) {
		fputs(main_help, stdout);
		ret = EXIT_OK;
	} else if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
		if (argc > 2)
			return usage_error(NULL, "unexpected argument '%s'", argv[2]);
		print_version();
		ret = EXIT_OK;
	} else if (arg[0] == '-') {
		return usage_error(NULL, "unknown option '%s'", arg);
	} else {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(arg, commands[i].name) == 0)
				ret = commands[i].run(argc - 1, argv + 1);
		if (ret < 0)
			return usage_error(NULL, "unknown command '%s'", arg);
	}
	/* Output lost (full disk, closed pipe) must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg("error writing output: %s", strerror(errno));
		if (ret == EXIT_OK)
			ret = EXIT_FAIL;
	}
	return ret;
}
