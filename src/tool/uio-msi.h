/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uio-msi: internal interfaces shared by the tool's source files.
 */
#ifndef UIO_MSI_TOOL_H
#define UIO_MSI_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "uio_msi_abi.h"

#ifndef UIO_MSI_VERSION
#error "UIO_MSI_VERSION must be defined by the build (see Makefile)"
#endif

/* Stable exit codes, documented in --help and uio-msi(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* kernel refused, device missing, I/O error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_TIMEOUT = 3,	/* listen: --timeout before --count was reached */
};

#define PROG_NAME	"uio-msi"

/* "dddd:bb:dd.f" plus room for a domain of up to 8 hex digits. */
#define BDF_SIZE	24
#define NAME_SIZE	64

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* args.c: messages and command-line parsing. */

/* Messages, all prefixed with "uio-msi: " and sent to stderr. */
void msg(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Usage error of subcommand cmd (NULL: top level): message, hint, EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Option parsing shared by the subcommands. */
bool is_help_option(const char *arg);
/*
 * Matches "--name VALUE" and "--name=VALUE" at argv[*i]; advances *i past
 * the value.  Returns 1 on a match, 0 if argv[*i] is another argument,
 * -1 (message printed) if the value is missing.
 */
int option_with_value(const char *cmd, int argc, char **argv, int *i,
		      const char *name, const char **value);

/* Copies with truncation; returns false if src did not fit. */
bool copy_string(char *dst, size_t size, const char *src);

/* Strict parsers: whole string, no sign, no spaces.  Return 0 or -1. */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int parse_seconds(const char *s, double *out);
/* Accepts [DDDD:]BB:DD.F in any case; writes the canonical sysfs name. */
int parse_bdf(const char *s, char out[BDF_SIZE]);

/* sysfs.c: paths and attribute text I/O. */

/*
 * Every /sys and /proc path goes through sys_path(), which prepends
 * $UIO_MSI_ROOT (unset: nothing) so tests can run against a fake tree.
 */
int sys_path(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Device attribute path /sys/bus/pci/devices/BDF/uio_msi/ATTR. */
int attr_path(char *buf, size_t size, const char *bdf, const char *attr);

/* sysfs text I/O; return 0 or a positive errno. */
int read_text(const char *path, char *buf, size_t size);
int read_uint_file(const char *path, unsigned *out);
int write_text(const char *path, const char *text);
/*
 * Reads a whole file of any length (a binary sysfs attribute gives at most
 * a page per read()) into a malloc'ed string, trailing blanks removed.
 */
int read_text_alloc(const char *path, char **out);

/* device.c: device and driver state.  Strings are empty when absent. */
struct device_info {
	char bdf[BDF_SIZE];
	char vendor[8];		/* "8086" */
	char device[8];
	char driver[NAME_SIZE];	/* current driver, "" if none */
	char uio[NAME_SIZE];	/* "uio0", "" if none */
	char mode[16];		/* "" if unreadable */
	int irq_count;		/* -1 if unreadable */
	int irq_max;		/* -1 if unreadable */
	char physfn[BDF_SIZE];	/* an SR-IOV VF: its PF; "" otherwise */
	int sriov_numvfs;	/* an SR-IOV PF: VFs enabled; -1 otherwise */
	int sriov_totalvfs;	/* an SR-IOV PF: VFs possible; -1 otherwise */
};

bool driver_loaded(void);
/*
 * Runs "modprobe -q uio_msi" ($UIO_MSI_MODPROBE replaces modprobe, for
 * tests); true if the driver is registered afterwards.
 */
bool load_driver(void);
bool device_exists(const char *bdf);
int device_driver(const char *bdf, char *out, size_t size);
/*
 * device_driver() for a command: the device must exist and its driver link
 * be readable; prints why not.  Returns EXIT_OK or EXIT_FAIL.
 */
int current_driver(const char *bdf, char *out, size_t size);
void device_read_info(const char *bdf, struct device_info *info);
/*
 * Checks that bdf exists and is bound to uio_msi; prints why not.
 * Returns EXIT_OK or EXIT_FAIL.
 */
int require_bound(const char *bdf);
/* Explains a failed attribute write in words for the common errnos. */
void report_write_error(const char *bdf, const char *what, int err);
/*
 * The same for a write to attribute attr of bdf, telling a module without
 * that attribute from a device that went away on ENOENT.
 */
void report_attr_write_error(const char *bdf, const char *attr,
			     const char *what, int err);

/*
 * vectors.c: vector lists: "0-3,7", several arguments, or "all"; for
 * listen and exec also the notice words "error" and "request".
 */
enum notice {
	NOTICE_ERROR,		/* error_eventfd */
	NOTICE_REQUEST,		/* request_eventfd */
	NOTICE_COUNT,
};

struct vector_list {
	unsigned *vec;		/* in command-line order */
	size_t count;
	bool all;		/* "all": expand with vector_list_expand_all() */
	enum notice notice[NOTICE_COUNT];	/* in command-line order */
	size_t notices;
};

/* vector_list_add() flags. */
#define VECTOR_LIST_NOTICES	1u	/* accept "error" and "request" */

int vector_list_add(struct vector_list *list, const char *arg, unsigned flags,
		    char *err, size_t err_size);
int vector_list_expand_all(struct vector_list *list, unsigned irq_count);
void vector_list_free(struct vector_list *list);
/* Nothing listed: no vector, no "all", no notice. */
bool vector_list_empty(const struct vector_list *list);
/* Writes a sorted compact range list ("0-3,7", "-" if empty). */
void print_ranges(FILE *out, const unsigned *vec, size_t count);
/* The same into a malloc'ed string (NULL on allocation failure). */
char *format_ranges(const unsigned *vec, size_t count);
/*
 * Reads a list in the kernel's format ("1,3-5", empty for none), as the
 * mask attribute gives it, into a new list.  0 or a positive errno.
 */
int vector_list_read(const char *path, struct vector_list *list);

/* Names of a notice: the word, its attribute, exec's variable. */
const char *notice_name(enum notice n);
const char *notice_attr(enum notice n);
const char *notice_env(enum notice n);

/* interrupts.c: /proc/interrupts lines of one device's uio_msi vectors. */
struct irq_usage {
	unsigned *listened;	/* sorted vector numbers with an IRQ */
	size_t count;
	unsigned long long interrupts;	/* summed over those lines, all CPUs */
};

int irq_usage_read(const char *bdf, struct irq_usage *usage);
void irq_usage_free(struct irq_usage *usage);

/*
 * Subcommands (uio-msi.c: status, bind, unbind, set; listen.c: listen,
 * exec; mask.c: mask, unmask); each returns the process exit status.
 */
int cmd_status(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_mask(int argc, char **argv);
int cmd_unmask(int argc, char **argv);

#endif /* UIO_MSI_TOOL_H */
