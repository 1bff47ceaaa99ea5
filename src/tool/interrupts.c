// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: /proc/interrupts: the IRQ lines of a device's uio_msi vectors
 * and the interrupts they counted.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "uio-msi.h"

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
