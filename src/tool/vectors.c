// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: vector lists ("0-3,7", several arguments, or "all") and their
 * compact printing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "uio-msi.h"

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

static const struct {
	const char *name;
	const char *attr;
	const char *env;
} notices[NOTICE_COUNT] = {
	[NOTICE_ERROR] = { UIO_MSI_NOTICE_NAME_ERROR,
			   UIO_MSI_ATTR_ERROR_EVENTFD, "UIO_MSI_ERROR_FD" },
	[NOTICE_REQUEST] = { UIO_MSI_NOTICE_NAME_REQUEST,
			     UIO_MSI_ATTR_REQUEST_EVENTFD, "UIO_MSI_REQUEST_FD" },
};

const char *notice_name(enum notice n)
{
	return notices[n].name;
}

const char *notice_attr(enum notice n)
{
	return notices[n].attr;
}

const char *notice_env(enum notice n)
{
	return notices[n].env;
}

static bool notice_word(const char *s, enum notice *out)
{
	for (int n = 0; n < NOTICE_COUNT; n++) {
		if (strcmp(s, notices[n].name) == 0) {
			*out = (enum notice)n;
			return true;
		}
	}
	return false;
}

static const char all_combined[] =
	"'all' cannot be combined with other vectors";

/* One element of a list: "all", a notice word, N or A-B. */
static int vector_list_item(struct vector_list *list, char *item,
			    const char *arg, unsigned flags,
			    char *err, size_t err_size)
{
	unsigned first, last, v;
	enum notice notice;
	char *dash;
	size_t i;

	if (*item == '\0') {
		snprintf(err, err_size, "invalid vector list '%s': empty element",
			 arg);
		return -1;
	}
	if (strcmp(item, "all") == 0) {
		if (list->all) {
			snprintf(err, err_size, "'all' listed twice");
			return -1;
		}
		if (list->count) {
			snprintf(err, err_size, "%s", all_combined);
			return -1;
		}
		list->all = true;
		return 0;
	}
	if (notice_word(item, &notice)) {
		if (!(flags & VECTOR_LIST_NOTICES)) {
			snprintf(err, err_size,
				 "invalid vector list '%s': '%s' is a notice, not a vector (only listen and exec take notices)",
				 arg, item);
			return -1;
		}
		for (i = 0; i < list->notices; i++) {
			if (list->notice[i] == notice) {
				snprintf(err, err_size, "'%s' listed twice", item);
				return -1;
			}
		}
		list->notice[list->notices++] = notice;
		return 0;
	}
	dash = strchr(item, '-');
	if (dash == item) {
		snprintf(err, err_size,
			 "invalid vector list '%s': '%s' is not a vector number",
			 arg, item);
		return -1;
	}
	if (dash)
		*dash = '\0';
	if (parse_vector(item, arg, &first, err, err_size))
		return -1;
	last = first;
	if (dash && parse_vector(dash + 1, arg, &last, err, err_size))
		return -1;
	if (last < first) {
		snprintf(err, err_size,
			 "invalid vector list '%s': range %u-%u ends below its start",
			 arg, first, last);
		return -1;
	}
	if (list->all) {
		snprintf(err, err_size, "%s", all_combined);
		return -1;
	}
	for (v = first; v <= last; v++)
		if (vector_list_push(list, v, err, err_size))
			return -1;
	return 0;
}

int vector_list_add(struct vector_list *list, const char *arg, unsigned flags,
		    char *err, size_t err_size)
{
	char *copy, *item, *next;
	int ret = 0;

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
	for (item = copy; item && ret == 0; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		ret = vector_list_item(list, item, arg, flags, err, err_size);
	}
	free(copy);
	return ret;
}

bool vector_list_empty(const struct vector_list *list)
{
	return !list->count && !list->all && !list->notices;
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

int vector_list_read(const char *path, struct vector_list *list)
{
	char *text, err[160];
	int ret;

	memset(list, 0, sizeof(*list));
	ret = read_text_alloc(path, &text);
	if (ret)
		return ret;
	/* The kernel's "1,3-5" is the tool's own syntax, without "all". */
	if (text[0] && (vector_list_add(list, text, 0, err, sizeof(err)) ||
			list->all)) {
		vector_list_free(list);
		ret = EINVAL;
	}
	free(text);
	return ret;
}
