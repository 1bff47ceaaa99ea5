// SPDX-License-Identifier: GPL-2.0-only
/*
 * try-write: write DATA to FILE in one write() and print the outcome as
 * "OK" or the errno's symbolic name, for testing sysfs attributes.  Several
 * DATA arguments save a process per write, which matters under emulation.
 *
 * The uio_msi eventfd attribute looks FD up in the writing process, so
 * this helper first arranges its own fd table as asked (--eventfd,
 * --open, --close), then writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "helpers.h"

#define MAX_FD		(1 << 20)
#define MAX_RAW_SIZE	(1 << 20)

enum fd_action_kind { ACT_EVENTFD, ACT_OPEN, ACT_CLOSE };

struct fd_action {
	enum fd_action_kind kind;
	int fd;
	const char *path;	/* ACT_OPEN */
};

static int usage(void)
{
	fprintf(stderr,
		"Usage: try-write [--eventfd N]... [--open N PATH]... [--close N]...\n"
		"                 [--chunks K] FILE DATA [DATA...]\n"
		"       try-write [fd options] [--chunks K] --raw-file F FILE\n"
		"       (either form may start with --hold and --fail-nth N)\n"
		"\n"
		"Set up the fd table (--eventfd N: an eventfd at fd N; --open N PATH:\n"
		"PATH read-only at fd N; --close N: fd N closed; N >= 3, applied in\n"
		"order), open FILE write-only and write DATA in one write(), then print\n"
		"OK or the errno name (EINVAL, ERANGE, ...); a short write prints\n"
		"SHORT:<bytes>. An open failure prints its errno name too. Each further\n"
		"DATA is written the same way through a new open, one result per line.\n"
		"DATA understands \\n \\t \\r \\0 \\\\ and \\xHH; --raw-file takes the bytes\n"
		"of F instead. --chunks K writes K bytes per write() on the same open\n"
		"file and prints one result per chunk, space-separated. --hold: after\n"
		"each result, wait for a line on stdin before the next DATA; after the\n"
		"last, print \"held\" and keep every descriptor open until stdin ends\n"
		"(a test looks at the device after each write, while the eventfds\n"
		"still exist).\n"
		"--fail-nth N: fail the Nth fault-injection point of each write()\n"
		"(CONFIG_FAULT_INJECTION); each result gets :FAULT if that fault was\n"
		"injected, :NOFAULT:P if the write passed only P points (a large N\n"
		"counts the points of a write).\n"
		"Exit status: 0 write attempted (result on stdout), 1 setup failed,\n"
		"2 usage error.\n");
	return EXIT_USAGE;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes C escapes in place; returns the length, -1 on a bad escape. */
static long decode_escapes(char *s)
{
	char *out = s;

	for (const char *in = s; *in; in++) {
		if (*in != '\\') {
			*out++ = *in;
			continue;
		}
		switch (*++in) {
		case 'n': *out++ = '\n'; break;
		case 't': *out++ = '\t'; break;
		case 'r': *out++ = '\r'; break;
		case '0': *out++ = '\0'; break;
		case '\\': *out++ = '\\'; break;
		case 'x': {
			int hi = hex_value(in[1]), lo = hi < 0 ? -1 : hex_value(in[2]);

			if (lo < 0)
				return -1;
			*out++ = (char)(hi * 16 + lo);
			in += 2;
			break;
		}
		default:	/* also a trailing lone backslash */
			return -1;
		}
	}
	return out - s;
}

static char *read_raw_file(const char *path, size_t *len)
{
	char *buf = malloc(MAX_RAW_SIZE);
	size_t n = 0;
	ssize_t r;
	int fd;

	if (!buf)
		die("out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	while (n < MAX_RAW_SIZE &&
	       (r = read(fd, buf + n, MAX_RAW_SIZE - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("cannot read %s: %s", path, strerror(errno));
		}
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

static void apply_action(const struct fd_action *act)
{
	int fd;

	switch (act->kind) {
	case ACT_CLOSE:
		close(act->fd);
		return;
	case ACT_EVENTFD:
		fd = eventfd(0, 0);
		break;
	case ACT_OPEN:
	default:
		fd = open(act->path, O_RDONLY);
		break;
	}
	if (fd < 0)
		die("cannot set up fd %d: %s", act->fd, strerror(errno));
	if (fd != act->fd) {
		if (dup2(fd, act->fd) < 0)
			die("cannot place fd %d: %s", act->fd, strerror(errno));
		close(fd);
	}
}

static int fd_argument(const char *s, int *fd)
{
	unsigned long long v;

	/* 0-2 stay stdio: the result is printed on stdout. */
	if (parse_number(s, MAX_FD, &v) || v < 3)
		return -1;
	*fd = (int)v;
	return 0;
}

/*
 * Opens FILE, writes DATA (len bytes) in writes of chunk bytes, closes it
 * and prints the outcome of each write on one line.
 */
/*
 * Fault injection (CONFIG_FAULT_INJECTION): fail the Nth fault-injection
 * point this thread passes from now on (/proc/thread-self/fail-nth).
 * Armed just before a write() and read back just after: 0 means the fault
 * was injected in the write; otherwise the kernel has counted down one per
 * point passed, and what is left tells how many the write passed.
 */
static unsigned long long fail_nth;
static int fail_nth_fd = -1;

static void fail_nth_arm(void)
{
	char text[24];
	int n;

	if (!fail_nth)
		return;
	n = snprintf(text, sizeof(text), "%llu", fail_nth);
	if (pwrite(fail_nth_fd, text, (size_t)n, 0) != n)
		die("cannot arm fail-nth: %s", strerror(errno));
}

/*
 * Whether the armed fault was injected; if not, *passed is how many fault
 * points the write passed.  Disarms it.
 */
static bool fail_nth_hit(unsigned long long *passed)
{
	char text[24] = "";
	unsigned long long left;
	ssize_t n;

	n = pread(fail_nth_fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		die("cannot read fail-nth: %s", strerror(errno));
	if (pwrite(fail_nth_fd, "0", 1, 0) != 1)
		die("cannot disarm fail-nth: %s", strerror(errno));
	if (text[n - 1] == '\n')
		text[n - 1] = '\0';
	if (parse_number(text, fail_nth, &left))
		die("unexpected fail-nth '%s'", text);
	*passed = fail_nth - left;
	return left == 0;
}

static void write_file(const char *file, const char *data, size_t len,
		       unsigned long long chunk, int max_fd)
{
	size_t off;
	int fd;

	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return;
	}
	/* Keep FILE off the fd numbers the test arranged (a closed one!). */
	if (fd <= max_fd) {
		int moved = fcntl(fd, F_DUPFD_CLOEXEC, max_fd + 1);

		if (moved < 0)
			die("cannot move fd %d: %s", fd, strerror(errno));
		close(fd);
		fd = moved;
	}

	if (!chunk)
		chunk = len ? len : 1;
	off = 0;
	do {
		size_t n = len - off < chunk ? len - off : (size_t)chunk;
		ssize_t r;
		int err;

		fail_nth_arm();
		r = write(fd, data + off, n);
		err = errno;

		if (off)
			putchar(' ');
		if (r < 0)
			fputs(errno_name(err), stdout);
		else if ((size_t)r != n)
			printf("SHORT:%zd", r);
		else
			fputs("OK", stdout);
		if (fail_nth) {
			unsigned long long passed;

			if (fail_nth_hit(&passed))
				fputs(":FAULT", stdout);
			else
				printf(":NOFAULT:%llu", passed);
		}
		off += n;
	} while (off < len);
	putchar('\n');
	close(fd);
}

/* --hold: wait until the test has looked at the device (a line on stdin). */
static void wait_for_line(void)
{
	char c;

	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r == 0 || (r < 0 && errno != EINTR) || (r == 1 && c == '\n'))
			return;
	}
}

int main(int argc, char **argv)
{
	const char *file = NULL, *raw_file = NULL;
	struct fd_action *acts;
	unsigned long long chunk = 0;
	size_t nacts = 0, ndata = 0, *lens;
	char **datas;
	int a, max_fd = 2;
	bool hold = false;

	helper_name = "try-write";
	acts = calloc((size_t)argc, sizeof(*acts));
	if (!acts)
		die("out of memory");
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *opt = argv[a];
		struct fd_action *act = &acts[nacts];

		if (strcmp(opt, "--") == 0) {
			a++;
			break;
		}
		if (strcmp(opt, "--hold") == 0) {
			hold = true;
			continue;
		}
		if (strcmp(opt, "--fail-nth") == 0) {
			if (a + 1 >= argc ||
			    parse_number(argv[++a], 1000000, &fail_nth) ||
			    !fail_nth)
				return usage();
			continue;
		}
		if (a + 1 >= argc)
			return usage();
		if (strcmp(opt, "--eventfd") == 0 || strcmp(opt, "--close") == 0) {
			act->kind = opt[2] == 'e' ? ACT_EVENTFD : ACT_CLOSE;
			if (fd_argument(argv[++a], &act->fd))
				return usage();
		} else if (strcmp(opt, "--open") == 0) {
			act->kind = ACT_OPEN;
			if (a + 2 >= argc || fd_argument(argv[++a], &act->fd))
				return usage();
			act->path = argv[++a];
		} else if (strcmp(opt, "--raw-file") == 0) {
			raw_file = argv[++a];
			continue;
		} else if (strcmp(opt, "--chunks") == 0) {
			if (parse_number(argv[++a], MAX_RAW_SIZE, &chunk) ||
			    chunk == 0)
				return usage();
			continue;
		} else {
			return usage();
		}
		if (act->fd > max_fd)
			max_fd = act->fd;
		nacts++;
	}
	if (raw_file ? argc - a != 1 : argc - a < 2)
		return usage();
	file = argv[a];

	/* Decode every DATA first: a bad escape is a usage error, no write. */
	datas = calloc((size_t)argc, sizeof(*datas));
	lens = calloc((size_t)argc, sizeof(*lens));
	if (!datas || !lens)
		die("out of memory");
	if (raw_file) {
		datas[0] = read_raw_file(raw_file, &lens[0]);
		ndata = 1;
	}
	for (int d = a + 1; d < argc; d++, ndata++) {
		long n;

		datas[ndata] = strdup(argv[d]);
		if (!datas[ndata])
			die("out of memory");
		n = decode_escapes(datas[ndata]);
		if (n < 0)
			return usage();
		lens[ndata] = (size_t)n;
	}

	for (size_t i = 0; i < nacts; i++)
		apply_action(&acts[i]);
	if (fail_nth) {
		fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		if (fail_nth_fd < 0)
			die("cannot open /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?): %s",
			    strerror(errno));
	}

	for (size_t d = 0; d < ndata; d++) {
		write_file(file, datas[d], lens[d], chunk, max_fd);
		free(datas[d]);
		if (hold) {
			fflush(stdout);
			if (d + 1 < ndata)
				wait_for_line();
		}
	}
	free(datas);
	free(lens);
	free(acts);
	if (hold) {
		char c;

		printf("held\n");
		fflush(stdout);
		for (;;) {
			ssize_t r = read(STDIN_FILENO, &c, 1);

			if (r == 0 || (r < 0 && errno != EINTR))
				break;
		}
	}
	return 0;
}
