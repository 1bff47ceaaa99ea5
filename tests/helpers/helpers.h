/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared code of the uio_msi test helpers (pcimem, ivshmem-fire, igbvf-fire,
 * try-write).  They are independent of the uio-msi tool on purpose: the
 * tests use them to check the tool and the driver from another angle.
 */
#ifndef UIO_MSI_TEST_HELPERS_H
#define UIO_MSI_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_USAGE	2

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* The helper's name for messages, set from argv[0] by each main(). */
extern const char *helper_name;

/* "NAME: message" on stderr. */
void warn_msg(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Prints the message and exits with status 1. */
void die(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));

/* Decimal or 0x-prefixed hex, whole string, at most max.  0 or -1. */
int parse_number(const char *s, unsigned long long max,
		 unsigned long long *out);

/* [DDDD:]BB:DD.F -> canonical lowercase "dddd:bb:dd.f".  0 or -1. */
int normalize_bdf(const char *s, char *out, size_t size);

/* Builds $UIO_MSI_ROOT + formatted path (the root lets host tests use a fake tree). */
void root_path(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Symbolic errno name ("EINVAL"); unknown values as "E<number>". */
const char *errno_name(int err);

/*
 * Maps /sys/bus/pci/devices/BDF/resourceBAR, exactly its file size.
 * Exits with status 1 on failure.
 */
volatile uint32_t *map_bar(const char *bdf, unsigned bar, bool writable,
			   size_t *size);

/*
 * Sum over all CPUs of the /proc/interrupts line whose action list
 * contains exactly the name; -1 if there is no such line.
 */
long long irq_line_count(const char *name);

/* How long wait_irq_count() waits for a line to count an interrupt. */
#define SYNC_TIMEOUT_MS 10000

/* Sleeps ns nanoseconds, through signals. */
void sleep_ns(long long ns);

/*
 * Waits, polling each millisecond for up to SYNC_TIMEOUT_MS, until the
 * line's count reaches target; false on timeout.  A line that goes away
 * counts as reached: its last listener left (a listener that exits on its
 * Nth interrupt frees the IRQ at once), so nobody is left to receive more;
 * the caller's own counts tell the rest.
 */
bool wait_irq_count(const char *name, long long target);

#endif /* UIO_MSI_TEST_HELPERS_H */
