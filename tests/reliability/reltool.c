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
 *   reltool fire BDF NVEC SEC          ring every ivshmem vector in turn for
 *                                      SEC seconds; print how often each was
 *                                      rung
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
	      "       churn ATTR NVEC SEC SEED | fire BDF NVEC SEC |\n"
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

static int cmd_fire(char **argv)
{
	char path[256];
	int nvec = (int)number(argv[1], 1, MAX_VEC);
	double end = now() + (double)number(argv[2], 1, 3600);
	static uint64_t rung[MAX_VEC];
	volatile uint32_t *regs;
	uint32_t own;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[0]);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	regs = mmap(NULL, 256, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	own = regs[IVSHMEM_IVPOSITION / 4];
	while (now() < end) {
		for (int v = 0; v < nvec; v++) {
			/* One 32-bit store: (own id << 16) | vector. */
			regs[IVSHMEM_DOORBELL / 4] = (own << 16) | (uint32_t)v;
			rung[v]++;
		}
		usleep(1000);
	}
	for (int v = 0; v < nvec; v++)
		printf("vec %d rung %" PRIu64 "\n", v, rung[v]);
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
	if (!strcmp(cmd, "fire") && argc == 3)
		return cmd_fire(argv);
	if (!strcmp(cmd, "userns"))
		return cmd_userns(argc, argv);
	return usage();
}
