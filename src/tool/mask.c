// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: the subcommands mask and unmask, which write the mask
 * attribute ("VEC 1" or "VEC 0") once per listed vector.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "uio-msi.h"

static const char mask_help[] =
"Usage: uio-msi mask BDF VECTORS...\n"
"\n"
"Mask the listed vectors: their interrupts wait, and however many came,\n"
"exactly one is delivered when the vector is unmasked. A mask belongs to\n"
"the vector: it stays when listeners come and go, until 'uio-msi unmask'\n"
"or a re-allocation of the vectors (a mode change, or an irq-count change\n"
"where resize_live is 0).\n"
"\n"
"VECTORS are numbers, ranges and comma lists (0-7, 0,2,5), in one or\n"
"more arguments, or 'all' for every allocated vector. Each vector is one\n"
"write to the mask attribute, in list order; if one fails, uio-msi stops\n"
"there and says which vectors were masked and which were not.\n"
"\n"
"Options:\n"
"  -h, --help  show this help\n";

static const char unmask_help[] =
"Usage: uio-msi unmask BDF VECTORS...\n"
"\n"
"Unmask the listed vectors: a masked vector that received interrupts\n"
"meanwhile delivers one. Unmasking a vector that is not masked changes\n"
"nothing. VECTORS and errors as for 'uio-msi mask'.\n"
"\n"
"Options:\n"
"  -h, --help  show this help\n";

/* Why writing "VEC 1" (or "VEC 0") to the mask attribute failed. */
static void report_mask_error(const char *bdf, const char *path,
			      const char *verb, unsigned vec, int err)
{
	char what[48], count_path[PATH_MAX];
	struct stat st;
	unsigned count;

	snprintf(what, sizeof(what), "%s vector %u", verb, vec);
	switch (err) {
	case ERANGE:
		/* irq_count changed since it was checked. */
		attr_path(count_path, sizeof(count_path), bdf,
			  UIO_MSI_ATTR_IRQ_COUNT);
		if (read_uint_file(count_path, &count) == 0)
			msg("vector %u out of range: device has %u vector%s",
			    vec, count, count == 1 ? "" : "s");
		else
			msg("vector %u out of range", vec);
		break;
	case EINVAL:
		msg("%s: rejected by the kernel as invalid (EINVAL)", what);
		break;
	case ENODEV:
		/* The attribute is still there: the driver has shut down. */
		if (stat(path, &st) == 0) {
			msg("%s: the driver has shut the device down (reboot or kexec in progress)",
			    what);
			break;
		}
		/* fall through */
	default:
		report_attr_write_error(bdf, UIO_MSI_ATTR_MASK, what, err);
		break;
	}
}

static int mask_command(int argc, char **argv, bool masked)
{
	const char *cmd = argv[0], *verb = masked ? "masking" : "unmasking";
	const char *done_word = masked ? "masked" : "unmasked";
	struct vector_list list = { 0 };
	struct device_info info;
	const char *bdf_arg = NULL;
	char bdf[BDF_SIZE], err[160], path[PATH_MAX], text[32];
	bool options_done = false;
	int ret = EXIT_FAIL, werr;
	size_t i;

	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];

		/* "-1" is a (bad) vector list, reported as such. */
		if (!options_done && arg[0] == '-' && arg[1] != '\0' &&
		    !isdigit((unsigned char)arg[1])) {
			if (is_help_option(arg)) {
				fputs(masked ? mask_help : unmask_help, stdout);
				vector_list_free(&list);
				return EXIT_OK;
			}
			if (strcmp(arg, "--") == 0) {
				options_done = true;
				continue;
			}
			usage_error(cmd, "unknown option '%s'", arg);
			goto usage;
		}
		if (!bdf_arg) {
			bdf_arg = arg;
			if (parse_bdf(arg, bdf)) {
				usage_error(cmd, "invalid PCI address '%s' (expected [DDDD:]BB:DD.F)",
					    arg);
				goto usage;
			}
			continue;
		}
		if (vector_list_add(&list, arg, 0, err, sizeof(err))) {
			usage_error(cmd, "%s", err);
			goto usage;
		}
	}
	if (!bdf_arg) {
		usage_error(cmd, "missing PCI address");
		goto usage;
	}
	if (vector_list_empty(&list)) {
		usage_error(cmd, "missing vector list");
		goto usage;
	}

	if (require_bound(bdf))
		goto out;
	device_read_info(bdf, &info);
	if (info.irq_count < 0) {
		attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_IRQ_COUNT);
		msg("%s: cannot read %s", bdf, path);
		goto out;
	}
	if (vector_list_expand_all(&list, (unsigned)info.irq_count)) {
		msg("out of memory");
		goto out;
	}
	if (list.count == 0) {
		msg("%s has no vectors allocated (mode %s); see '" PROG_NAME
		    " set'", bdf, info.mode[0] ? info.mode : "?");
		goto out;
	}
	/* Checked up front so that a typo changes nothing. */
	for (i = 0; i < list.count; i++) {
		if (list.vec[i] >= (unsigned)info.irq_count) {
			msg("vector %u out of range: device has %d vector%s",
			    list.vec[i], info.irq_count,
			    info.irq_count == 1 ? "" : "s");
			goto out;
		}
	}

	attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_MASK);
	for (i = 0; i < list.count; i++) {
		/* One value per write(): the kernel takes no more. */
		snprintf(text, sizeof(text), "%u %d\n", list.vec[i],
			 masked ? 1 : 0);
		werr = write_text(path, text);
		if (werr) {
			char *done = format_ranges(list.vec, i);
			char *left = format_ranges(list.vec + i,
						   list.count - i);

			report_mask_error(bdf, path, verb, list.vec[i], werr);
			if (i == 0)
				msg("no vector was %s", done_word);
			else
				msg("vector%s %s %s %s, vector%s %s %s not",
				    i == 1 ? "" : "s", done ? done : "?",
				    i == 1 ? "was" : "were", done_word,
				    list.count - i == 1 ? "" : "s",
				    left ? left : "?",
				    list.count - i == 1 ? "was" : "were");
			free(done);
			free(left);
			goto out;
		}
	}
	ret = EXIT_OK;
out:
	vector_list_free(&list);
	return ret;

usage:
	vector_list_free(&list);
	return EXIT_USAGE;
}

int cmd_mask(int argc, char **argv)
{
	return mask_command(argc, argv, true);
}

int cmd_unmask(int argc, char **argv)
{
	return mask_command(argc, argv, false);
}
