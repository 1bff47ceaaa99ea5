// SPDX-License-Identifier: GPL-2.0-only
/*
 * reltool: the reliability suite's guest helper, one program with several
 * commands so that hot loops run without a fork per step (every fork costs
 * tens of milliseconds under TCG).  Built twice: 64-bit, and static 32-bit
 * (reltool32) to show the text ABI works unchanged for 32-bit user space.
 *
 *   reltool binder ATTR VEC N          bind an eventfd to VEC, print "bound",
 *                                      block in read() until N interrupts
 *                                      arrived, print "received N"
 *   reltool try ATTR DATA...           like try-write: one write() per DATA,
 *                                      print OK or the errno name; DATA "@E"
 *                                      writes "VEC FD" with FD an eventfd
 *                                      for VEC = E
 *   reltool fuzz DIR SEED N            N random writes across the writable
 *                                      attributes in DIR; print a summary;
 *                                      exit 1 on an errno not in the ABI
 *   reltool cycles ATTR VEC N          N bind/unbind cycles of one eventfd
 *   reltool churn ATTR NVEC SEC SEED   bind, rebind, unbind random vectors
 *                                      for SEC seconds; print what each
 *                                      vector's eventfds counted
 *   reltool masker DIR EXACT NVEC SEC SEED  hold an eventfd on vector
 *                                      EXACT-1 and, for SEC seconds, mask and
 *                                      unmask random vectors of 0..EXACT-1
 *                                      and write random irq_counts of
 *                                      EXACT..NVEC (DIR: the uio_msi
 *                                      attributes); each write must succeed,
 *                                      a resize with EBUSY where resize_live
 *                                      is 0, and mask must read back what was
 *                                      set; at the end unmask all, restore
 *                                      NVEC, print what the eventfd counted
 *                                      and the operations
 *   reltool fire BDF NVEC SEC [W,...]  ring the ivshmem vectors in turn for
 *                                      SEC seconds, vector v W[v % count]
 *                                      times a round (default 1 each, 0:
 *                                      never); print how often each was rung
 *   reltool ring BDF                   map BAR0 now, print "mapped", then
 *                                      ring each vector read from stdin (one
 *                                      per line) once and print "rung V"
 *                                      (the mapping may
 *                                      outlive a lockdown that forbids new
 *                                      ones)
 *   reltool opener PATH SEC            open() and close() PATH in a loop
 *                                      for SEC seconds or until SIGTERM;
 *                                      print "opened N", then "ERRNO N" for
 *                                      each kind of failure
 *   reltool notice ATTR                bind an eventfd to a notice attribute
 *                                      (error_eventfd, request_eventfd),
 *                                      print "bound", then "notice N" at
 *                                      each signal (N: the total); it
 *                                      never lets go by itself
 *   reltool release BDF NVEC           a user-space driver that lets go:
 *                                      bind vectors 0..NVEC-1 and the
 *                                      request notice, print "bound"; when
 *                                      the request comes, print "request
 *                                      irqs K" (K: its vectors that still
 *                                      have an IRQ) and close everything
 *   reltool loadfault KO PARAMS BDF N  load module KO with PARAMS with
 *                                      the Nth fault point of the load
 *                                      failing (fail-nth), then unload it;
 *                                      print the outcome as try-write does
 *                                      ("ENOMEM:FAULT", "OK:FAULT" for a
 *                                      fault the load absorbed,
 *                                      "OK:NOFAULT:P" for a load that passed
 *                                      only P points); after a failed load
 *                                      the module and its driver must be
 *                                      gone and BDF unbound
 *   reltool userns [--uid U] CMD...    run CMD as root of a new user
 *                                      namespace (as uid U outside it, else
 *                                      root), in the same root directory
 *
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_VEC		2048
#define IVSHMEM_IVPOSITION	8
#define IVSHMEM_DOORBELL	12

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("reltool: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int usage(void)
{
	fputs("Usage: reltool binder ATTR VEC N | try ATTR DATA... |\n"
	      "       fuzz DIR SEED N | cycles ATTR VEC N |\n"
	      "       churn ATTR NVEC SEC SEED | masker DIR EXACT NVEC SEC SEED |\n"
	      "       fire BDF NVEC SEC [W,...] |\n"
	      "       ring BDF | opener PATH SEC | notice ATTR | release BDF NVEC |\n"
	      "       loadfault KO PARAMS BDF N |\n"
	      "       userns [--uid U] CMD...\n", stderr);
	return 2;
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("bad number '%s' (%ld..%ld)", s, min, max);
	return v;
}

static const char *errno_name(int err)
{
	switch (err) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EBADF: return "EBADF";
	case EBUSY: return "EBUSY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EFAULT: return "EFAULT";
	case ENXIO: return "ENXIO";
	default: return "E?";
	}
}

/* One write() of @len bytes at offset 0: 0 or the errno. */
static int write_once(int fd, const void *buf, size_t len)
{
	ssize_t n = pwrite(fd, buf, len, 0);

	if (n < 0)
		return errno;
	if ((size_t)n != len)
		die("short write: %zd of %zu bytes", n, len);
	return 0;
}

static int open_attr(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	return fd;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		die("eventfd: %s", strerror(errno));
	return fd;
}

/* Non-blocking read of an eventfd's counter (0 when it is zero). */
static uint64_t drain(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		return v;
	if (errno != EAGAIN)
		die("read eventfd: %s", strerror(errno));
	return 0;
}

static int bind_vec(int attr, int vec, int efd)
{
	char buf[32];

	return write_once(attr, buf,
			  (size_t)snprintf(buf, sizeof(buf), "%d %d", vec, efd));
}

static int cmd_binder(char **argv)
{
	int attr = open_attr(argv[0]);
	int vec = (int)number(argv[1], 0, MAX_VEC - 1);
	uint64_t want = (uint64_t)number(argv[2], 1, 1000000), got = 0;
	int efd = eventfd(0, EFD_CLOEXEC);
	int err;

	if (efd < 0)
		die("eventfd: %s", strerror(errno));
	err = bind_vec(attr, vec, efd);
	if (err)
		die("bind %d: %s", vec, errno_name(err));
	close(attr);
	printf("bound %d\n", vec);
	fflush(stdout);
	while (got < want) {
		uint64_t v;

		if (read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			die("read eventfd: %s", strerror(errno));
		got += v;
	}
	printf("received %" PRIu64 "\n", got);
	return 0;
}

static int cmd_notice(char **argv)
{
	int attr = open_attr(argv[0]);
	int efd = eventfd(0, EFD_CLOEXEC);
	uint64_t total = 0, v;
	char buf[32];
	int err;

	if (efd < 0)
		die("eventfd: %s", strerror(errno));
	err = write_once(attr, buf, (size_t)snprintf(buf, sizeof(buf), "%d", efd));
	if (err)
		die("bind %s: %s", argv[0], errno_name(err));
	close(attr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bound\n");
	for (;;) {
		if (read(efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			die("read eventfd: %s", strerror(errno));
		total += v;
		printf("notice %" PRIu64 "\n", total);
	}
}

/* How many of "uio_msi[V](BDF)", V < nvec, /proc/interrupts lists. */
static int irqs_listed(const char *bdf, int nvec)
{
	char line[4096], name[64];
	int found = 0;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		die("/proc/interrupts: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		for (int v = 0; v < nvec; v++) {
			snprintf(name, sizeof(name), "uio_msi[%d](%s)", v, bdf);
			if (strstr(line, name))
				found++;
		}
	}
	fclose(f);
	return found;
}

static int cmd_release(char **argv)
{
	const char *bdf = argv[0];
	int nvec = (int)number(argv[1], 1, MAX_VEC);
	static int efd[MAX_VEC];
	char path[256], buf[32];
	int attr, req, err;
	uint64_t v;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio_msi/eventfd", bdf);
	attr = open_attr(path);
	for (int i = 0; i < nvec; i++) {
		efd[i] = new_eventfd();
		err = bind_vec(attr, i, efd[i]);
		if (err)
			die("bind %d: %s", i, errno_name(err));
	}
	close(attr);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio_msi/request_eventfd", bdf);
	attr = open_attr(path);
	req = eventfd(0, EFD_CLOEXEC);
	if (req < 0)
		die("eventfd: %s", strerror(errno));
	err = write_once(attr, buf, (size_t)snprintf(buf, sizeof(buf), "%d", req));
	if (err)
		die("bind the request notice: %s", errno_name(err));
	close(attr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bound\n");
	if (read(req, &v, sizeof(v)) != (ssize_t)sizeof(v))
		die("read eventfd: %s", strerror(errno));
	/* The attributes are gone by now: letting go is closing. */
	printf("request irqs %d\n", irqs_listed(bdf, nvec));
	for (int i = 0; i < nvec; i++)
		close(efd[i]);
	close(req);
	return 0;
}

static int cmd_try(int argc, char **argv)
{
	int attr = open_attr(argv[0]);

	for (int i = 1; i < argc; i++) {
		const char *data = argv[i];
		char buf[64];
		int efd = -1;
		size_t len;

		if (data[0] == '@') {
			efd = new_eventfd();
			len = (size_t)snprintf(buf, sizeof(buf), "%s %d",
					       data + 1, efd);
			data = buf;
		} else {
			len = strlen(data);
		}
		puts(errno_name(write_once(attr, data, len)));
		if (efd >= 0)
			close(efd);
	}
	return 0;
}

/* xorshift64*: reproducible from the printed seed, same on 32 and 64 bit. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static void seed(uint64_t s)
{
	rng_state = s ? s : 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < 8; i++)
		rnd();
}

static const char *const tokens[] = {
	"msix", "msi", "intx", "none", "auto", "0", "1", "2", "15", "16",
	"17", "-1", "-0", "+1", "01", "0x10", "010", " ", "\t", "\n", "\r",
	"\0", "2147483647", "2147483648", "4294967295", "4294967296",
	"9223372036854775807", "9223372036854775808",
	"18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999", "-2147483649", "-",
};

/* A random value: mutated tokens, random bytes, or "VEC FD" shapes. */
static size_t fuzz_value(char *buf, size_t size, int efd)
{
	size_t len = 0;
	uint32_t kind = rnd_below(8);

	if (kind == 0) {
		/* Raw random bytes, sometimes long. */
		len = rnd_below(2) ? rnd_below(16) : rnd_below((uint32_t)size);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)rnd();
		return len;
	}
	if (kind == 1) {
		/* "VEC FD" with a real eventfd, an unopened fd or -1. */
		static const int fds[] = { -1, -2, 0, 1, 2, 99, 1000000 };
		int fd = rnd_below(2) ? efd : fds[rnd_below(7)];

		return (size_t)snprintf(buf, size, "%d %d",
					(int)rnd_below(40) - 4, fd);
	}
	/* 1..4 tokens, joined by nothing, one blank or random junk. */
	for (uint32_t n = 1 + rnd_below(4); n--;) {
		const char *t = tokens[rnd_below(sizeof(tokens) / sizeof(*tokens))];
		size_t tl = t[0] ? strlen(t) : 1;

		if (len + tl + 2 >= size)
			break;
		memcpy(buf + len, t, tl);
		len += tl;
		if (n && rnd_below(2))
			buf[len++] = rnd_below(4) ? ' ' : (char)rnd();
	}
	if (rnd_below(4) == 0)
		buf[len++] = '\n';
	return len;
}

static int cmd_fuzz(char **argv)
{
	static const char *const names[] = { "mode", "irq_count", "eventfd" };
	static char buf[8192];
	uint64_t s = strtoull(argv[1], NULL, 10);
	long n = number(argv[2], 1, 100000000);
	long ok = 0, per_errno[5] = { 0 };
	static const int allowed[] = { EINVAL, ERANGE, EBADF, EBUSY, EOPNOTSUPP };
	int fds[3], efd = new_eventfd();
	char path[4096];

	/* Writes longer than a page reach the driver cut to PAGE_SIZE. */
	_Static_assert(sizeof(buf) > 4096, "buffer must exceed a page");
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[0], names[i]);
		fds[i] = open_attr(path);
	}
	printf("fuzz seed %" PRIu64 "\n", s);
	fflush(stdout);
	seed(s);
	for (long i = 0; i < n; i++) {
		uint32_t which = rnd_below(3);
		size_t len = fuzz_value(buf, sizeof(buf), efd);
		int err;

		if (len == 0)
			len = 1 + rnd_below(3);	/* empty writes never reach it */
		err = write_once(fds[which], buf, len);
		if (!err) {
			ok++;
			continue;
		}
		for (int k = 0; k < 5; k++) {
			if (err == allowed[k]) {
				per_errno[k]++;
				err = 0;
				break;
			}
		}
		if (err)
			die("write %ld to %s (%zu bytes) failed with %s (%d), not an ABI errno",
			    i, names[which], len, errno_name(err), err);
	}
	drain(efd);
	printf("fuzz writes %ld ok %ld EINVAL %ld ERANGE %ld EBADF %ld EBUSY %ld EOPNOTSUPP %ld\n",
	       n, ok, per_errno[0], per_errno[1], per_errno[2], per_errno[3],
	       per_errno[4]);
	return 0;
}

static int cmd_cycles(char **argv)
{
	int attr = open_attr(argv[0]);
	int vec = (int)number(argv[1], 0, MAX_VEC - 1);
	long n = number(argv[2], 1, 100000000);
	int efd = new_eventfd();
	char unbind[32];
	size_t ul = (size_t)snprintf(unbind, sizeof(unbind), "%d -1", vec);

	for (long i = 0; i < n; i++) {
		int err = bind_vec(attr, vec, efd);

		if (!err)
			err = write_once(attr, unbind, ul);
		if (err)
			die("cycle %ld: %s", i, errno_name(err));
	}
	printf("cycles %ld\n", n);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_churn(char **argv)
{
	int attr = open_attr(argv[0]);
	int nvec = (int)number(argv[1], 1, MAX_VEC);
	double end = now() + (double)number(argv[2], 1, 3600);
	static int efd[MAX_VEC];
	static uint64_t counted[MAX_VEC];
	long ops = 0;

	seed(strtoull(argv[3], NULL, 10));
	for (int v = 0; v < nvec; v++)
		efd[v] = -1;
	while (now() < end) {
		int v = (int)rnd_below((uint32_t)nvec);
		char buf[32];
		int err;

		if (efd[v] >= 0 && rnd_below(3) == 0) {
			/* Unbind: may hit another process's binding, fine. */
			err = write_once(attr, buf, (size_t)snprintf(buf, sizeof(buf), "%d -1", v));
			counted[v] += drain(efd[v]);
			close(efd[v]);
			efd[v] = -1;
		} else {
			/* Bind or rebind a fresh eventfd. */
			int fd = new_eventfd();

			err = bind_vec(attr, v, fd);
			if (efd[v] >= 0) {
				counted[v] += drain(efd[v]);
				close(efd[v]);
			}
			efd[v] = fd;
		}
		if (err)
			die("churn on vector %d: %s", v, errno_name(err));
		ops++;
		if (rnd_below(4) == 0)
			usleep(rnd_below(2000));
	}
	for (int v = 0; v < nvec; v++) {
		if (efd[v] >= 0) {
			char buf[32];

			write_once(attr, buf, (size_t)snprintf(buf, sizeof(buf), "%d -1", v));
			counted[v] += drain(efd[v]);
			close(efd[v]);
		}
		printf("vec %d counted %" PRIu64 "\n", v, counted[v]);
	}
	printf("ops %ld\n", ops);
	return 0;
}

/* The whole of a sysfs attribute, NUL-terminated. */
static void read_attr(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		die("read attribute: %s", strerror(errno));
	buf[n] = '\0';
}

/* What the mask attribute reads for the masked set @masked of @n vectors. */
static void mask_text(const bool *masked, int n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int first = 0; first < n; first++) {
		int last = first;

		if (!masked[first])
			continue;
		while (last + 1 < n && masked[last + 1])
			last++;
		len += (size_t)snprintf(buf + len, size - len, "%s%d",
					len ? "," : "", first);
		if (last > first)
			len += (size_t)snprintf(buf + len, size - len, "-%d", last);
		first = last;
	}
	snprintf(buf + len, size - len, "\n");
}

static int open_at(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s: %s", name, strerror(errno));
	return fd;
}

static int cmd_masker(char **argv)
{
	int dirfd = open(argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	int exact = (int)number(argv[1], 1, MAX_VEC);
	int nvec = (int)number(argv[2], exact, MAX_VEC);
	double end = now() + (double)number(argv[3], 1, 3600);
	static bool masked[MAX_VEC];
	static char want[8 * MAX_VEC], got[8 * MAX_VEC];
	long masks = 0, unmasks = 0, resizes = 0, busy = 0;
	int held = exact - 1, attr, mask, count, efd, err;
	uint64_t counted = 0;
	char buf[32];
	bool live;

	if (dirfd < 0)
		die("cannot open %s: %s", argv[0], strerror(errno));
	seed(strtoull(argv[4], NULL, 10));
	attr = open_at(dirfd, "eventfd", O_WRONLY);
	mask = open_at(dirfd, "mask", O_RDWR);
	count = open_at(dirfd, "irq_count", O_RDWR);
	efd = open_at(dirfd, "resize_live", O_RDONLY);
	read_attr(efd, got, sizeof(got));
	close(efd);
	live = !strcmp(got, "1\n");
	efd = new_eventfd();
	err = bind_vec(attr, held, efd);
	if (err)
		die("bind vector %d: %s", held, errno_name(err));
	while (now() < end) {
		if (rnd_below(4)) {
			int v = (int)rnd_below((uint32_t)exact);
			bool m = rnd_below(2);

			err = write_once(mask, buf, (size_t)snprintf(buf, sizeof(buf), "%d %d", v, m));
			if (err)
				die("mask %d %d: %s", v, m, errno_name(err));
			masked[v] = m;
			if (m)
				masks++;
			else
				unmasks++;
		} else {
			int c = exact + (int)rnd_below((uint32_t)(nvec - exact + 1));

			err = write_once(count, buf, (size_t)snprintf(buf, sizeof(buf), "%d", c));
			if (err == EBUSY && !live) {
				busy++;
			} else if (err || !live) {
				die("irq_count %d with resize_live %d: %s", c, live, errno_name(err));
			} else {
				read_attr(count, got, sizeof(got));
				if (number(strtok(got, "\n"), 1, MAX_VEC) != c)
					die("irq_count %d reads back %s", c, got);
				resizes++;
			}
		}
		/* The masks of 0..EXACT-1 survive every resize. */
		mask_text(masked, exact, want, sizeof(want));
		read_attr(mask, got, sizeof(got));
		if (strcmp(want, got))
			die("mask reads \"%s\", want \"%s\"", got, want);
		counted += drain(efd);
		if (rnd_below(4) == 0)
			usleep(rnd_below(2000));
	}
	for (int v = 0; v < exact; v++) {
		err = write_once(mask, buf, (size_t)snprintf(buf, sizeof(buf), "%d 0", v));
		if (err)
			die("unmask %d: %s", v, errno_name(err));
	}
	read_attr(mask, got, sizeof(got));
	if (strcmp(got, "\n"))
		die("mask reads \"%s\" after unmasking all", got);
	if (live) {
		err = write_once(count, buf, (size_t)snprintf(buf, sizeof(buf), "%d", nvec));
		if (err)
			die("irq_count %d: %s", nvec, errno_name(err));
	}
	err = write_once(attr, buf, (size_t)snprintf(buf, sizeof(buf), "%d -1", held));
	if (err)
		die("unbind vector %d: %s", held, errno_name(err));
	counted += drain(efd);
	printf("vec %d counted %" PRIu64 "\n", held, counted);
	printf("masker masks %ld unmasks %ld resizes %ld busy %ld live %d\n",
	       masks, unmasks, resizes, busy, live);
	return 0;
}

/* BAR0 of ivshmem BDF, mapped; *own set to the device's own peer id. */
static volatile uint32_t *map_ivshmem(const char *bdf, uint32_t *own)
{
	char path[256];
	volatile uint32_t *regs;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	regs = mmap(NULL, 256, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	close(fd);
	*own = regs[IVSHMEM_IVPOSITION / 4];
	return regs;
}

/* One 32-bit store: (own id << 16) | vector. */
static void ring(volatile uint32_t *regs, uint32_t own, int vec)
{
	regs[IVSHMEM_DOORBELL / 4] = (own << 16) | (uint32_t)vec;
}

static int cmd_fire(int argc, char **argv)
{
	int nvec = (int)number(argv[1], 1, MAX_VEC);
	double end = now() + (double)number(argv[2], 1, 3600);
	static uint64_t rung[MAX_VEC];
	static long weight[MAX_VEC];
	volatile uint32_t *regs;
	int nweights = 0;
	uint32_t own;

	if (argc == 4) {
		char *list = argv[3], *w;

		while ((w = strsep(&list, ",")) && nweights < MAX_VEC)
			weight[nweights++] = number(w, 0, 100);
		if (w)
			die("more than %d weights", MAX_VEC);
	} else {
		weight[nweights++] = 1;
	}
	regs = map_ivshmem(argv[0], &own);
	while (now() < end) {
		for (int v = 0; v < nvec; v++) {
			for (long k = 0; k < weight[v % nweights]; k++) {
				ring(regs, own, v);
				rung[v]++;
			}
		}
		usleep(1000);
	}
	for (int v = 0; v < nvec; v++)
		printf("vec %d rung %" PRIu64 "\n", v, rung[v]);
	return 0;
}

static int cmd_ring(char **argv)
{
	char line[32];
	volatile uint32_t *regs;
	uint32_t own;

	regs = map_ivshmem(argv[0], &own);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("mapped\n");
	while (fgets(line, sizeof(line), stdin)) {
		int vec;

		line[strcspn(line, "\n")] = '\0';
		vec = (int)number(line, 0, MAX_VEC - 1);
		ring(regs, own, vec);
		printf("rung %d\n", vec);
	}
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int cmd_opener(char **argv)
{
	double end = now() + (double)number(argv[1], 1, 3600);
	static long failures[4096];
	long opened = 0;

	/* SIGTERM ends the loop early, counts still printed. */
	signal(SIGTERM, request_stop);
	while (now() < end && !stop_requested) {
		int fd = open(argv[0], O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			opened++;
			close(fd);
		} else if (errno < 4096) {
			failures[errno]++;
		}
	}
	printf("opened %ld\n", opened);
	for (int e = 1; e < 4096; e++)
		if (failures[e])
			printf("%s %ld\n", errno_name(e), failures[e]);
	return 0;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int cmd_loadfault(char **argv)
{
	const char *ko = argv[0], *params = argv[1], *bdf = argv[2];
	long armed = number(argv[3], 1, 1000000), left;
	char link[256], target[256], text[24] = "", *end;
	int nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	int fd = open(ko, O_RDONLY | O_CLOEXEC), r, err, len;

	if (nth < 0)
		die("/proc/thread-self/fail-nth: %s", strerror(errno));
	if (fd < 0)
		die("%s: %s", ko, strerror(errno));
	len = snprintf(text, sizeof(text), "%ld", armed);
	if (pwrite(nth, text, (size_t)len, 0) != len)
		die("arm fail-nth: %s", strerror(errno));
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	memset(text, 0, sizeof(text));
	if (pread(nth, text, sizeof(text) - 1, 0) <= 0 || pwrite(nth, "0", 1, 0) != 1)
		die("read fail-nth: %s", strerror(errno));
	close(fd);
	/* What is left of the count: 0 once the fault was injected. */
	errno = 0;
	left = strtol(text, &end, 10);
	if (errno || end == text || left < 0 || left > armed)
		die("unexpected fail-nth '%s'", text);
	if (r == 0) {
		if (syscall(SYS_delete_module, "uio_msi", O_NONBLOCK))
			die("fault %ld: loaded, and delete_module failed: %s", armed,
			    strerror(errno));
		if (left)
			printf("OK:NOFAULT:%ld\n", armed - left);
		else
			puts("OK:FAULT");
		return 0;
	}
	if (path_exists("/sys/module/uio_msi"))
		die("fault %ld: the load failed (%s) but the module is there", armed,
		    errno_name(err));
	if (path_exists("/sys/bus/pci/drivers/uio_msi"))
		die("fault %ld: the load failed (%s) but its driver is registered",
		    armed, errno_name(err));
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", bdf);
	len = (int)readlink(link, target, sizeof(target) - 1);
	if (len > 0) {
		target[len] = '\0';
		if (strstr(target, "/uio_msi"))
			die("fault %ld: the load failed but %s is bound to it", armed, bdf);
	}
	if (left)
		printf("%s:NOFAULT:%ld\n", errno_name(err), armed - left);
	else
		printf("%s:FAULT\n", errno_name(err));
	return 0;
}

static void write_text(int dirfd, const char *path, const char *text)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("cannot write '%s' to %s: %s", text, path, strerror(errno));
	close(fd);
}

/*
 * The guest tests run chrooted (tests/vm/initramfs-init), and the kernel
 * refuses a new user namespace to a chrooted process (EPERM).  So, as
 * root: leave the chroot (chroot into a subdirectory, walk up from the
 * old root, chroot there), create the namespace, map uid/gid 0 inside to
 * the uid outside, and chroot back through a descriptor of the old root,
 * which the namespace's root may do (CAP_SYS_CHROOT in its namespace).
 * /proc is reached through a descriptor too: outside the chroot there is
 * none (the guest's init moved it into the chroot).
 */
static int cmd_userns(int argc, char **argv)
{
	uid_t uid = 0;
	char map[64];
	int oldroot, proc;

	if (argc >= 2 && !strcmp(argv[0], "--uid")) {
		uid = (uid_t)number(argv[1], 0, 65535);
		argc -= 2;
		argv += 2;
	}
	if (argc >= 1 && !strcmp(argv[0], "--")) {
		argc--;
		argv++;
	}
	if (argc < 1)
		return usage();
	oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0 || proc < 0)
		die("open / or /proc: %s", strerror(errno));
	if (mkdir("/tmp/.reltool-escape", 0700) && errno != EEXIST)
		die("mkdir: %s", strerror(errno));
	if (chdir("/") || chroot("/tmp/.reltool-escape"))
		die("chroot: %s", strerror(errno));
	for (int i = 0; i < 256; i++)
		if (chdir(".."))
			die("chdir ..: %s", strerror(errno));
	if (chroot("."))
		die("chroot .: %s", strerror(errno));
	if (uid && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid)))
		die("cannot become uid %u: %s", (unsigned int)uid, strerror(errno));
	/* The uid change made /proc/self root's: make it ours again. */
	if (uid && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		die("prctl: %s", strerror(errno));
	if (unshare(CLONE_NEWUSER))
		die("unshare(CLONE_NEWUSER): %s", strerror(errno));
	/* "self" is looked up now, after unshare(): our new namespace. */
	write_text(proc, "self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	write_text(proc, "self/uid_map", map);
	write_text(proc, "self/gid_map", map);
	close(proc);
	if (fchdir(oldroot) || chroot(".") || chdir("/"))
		die("back into the old root: %s", strerror(errno));
	close(oldroot);
	execvp(argv[0], argv);
	die("exec %s: %s", argv[0], strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	argc -= 2;
	char *cmd = argv[1];

	argv += 2;
	if (!strcmp(cmd, "binder") && argc == 3)
		return cmd_binder(argv);
	if (!strcmp(cmd, "try") && argc >= 2)
		return cmd_try(argc, argv);
	if (!strcmp(cmd, "fuzz") && argc == 3)
		return cmd_fuzz(argv);
	if (!strcmp(cmd, "cycles") && argc == 3)
		return cmd_cycles(argv);
	if (!strcmp(cmd, "churn") && argc == 4)
		return cmd_churn(argv);
	if (!strcmp(cmd, "masker") && argc == 5)
		return cmd_masker(argv);
	if (!strcmp(cmd, "fire") && (argc == 3 || argc == 4))
		return cmd_fire(argc, argv);
	if (!strcmp(cmd, "ring") && argc == 1)
		return cmd_ring(argv);
	if (!strcmp(cmd, "notice") && argc == 1)
		return cmd_notice(argv);
	if (!strcmp(cmd, "release") && argc == 2)
		return cmd_release(argv);
	if (!strcmp(cmd, "loadfault") && argc == 4)
		return cmd_loadfault(argv);
	if (!strcmp(cmd, "opener") && argc == 2)
		return cmd_opener(argv);
	if (!strcmp(cmd, "userns"))
		return cmd_userns(argc, argv);
	return usage();
}
