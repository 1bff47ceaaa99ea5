// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: the subcommands that bind eventfds to vectors, listen (wait
 * and print) and exec (hand the eventfds to another program).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uio-msi.h"

static const char listen_help[] =
"Usage: uio-msi listen BDF VECTORS... [--count N] [--timeout S]\n"
"\n"
"Bind an eventfd to each listed vector and print 'vec V count C' each\n"
"time vector V fires, C being the interrupts received on V since listen\n"
"started. Once the vectors are bound it prints\n"
"'uio-msi: listening on BDF vectors LIST' to stderr, and at the end\n"
"'uio-msi: received N interrupts'. The vectors are unbound on exit.\n"
"\n"
"VECTORS are numbers, ranges and comma lists (0-7, 0,2,5), in one or\n"
"more arguments, or 'all' for every allocated vector.\n"
"\n"
"Options:\n"
"  --count N    exit once N interrupts were received in total\n"
"  --timeout S  exit after S seconds (may be fractional); exit status 3\n"
"               if --count was given and not reached, else 0\n"
"  -h, --help   show this help\n"
"\n"
"SIGINT, SIGTERM and SIGHUP stop it cleanly with exit status 0.\n";

static const char exec_help[] =
"Usage: uio-msi exec BDF --vectors LIST [--] CMD [ARGS...]\n"
"\n"
"Bind an eventfd to each vector of LIST and run CMD with them open as\n"
"file descriptors 3, 4, ... in list order, with the environment\n"
"  UIO_MSI_BDF=BDF\n"
"  UIO_MSI_UIO=/dev/uioN          (if the device has a UIO node)\n"
"  UIO_MSI_VECTOR_FDS=V:FD,...    (for example 0:3,1:4)\n"
"SIGINT, SIGTERM and SIGHUP are forwarded to CMD. When CMD ends, the\n"
"vectors are unbound and uio-msi exits with the status of CMD (128+N if\n"
"signal N killed it, 127 if CMD was not found, 126 if it could not run).\n"
"\n"
"Options:\n"
"  --vectors LIST  vectors as for listen (0-3,7 or all); may be repeated\n"
"  -h, --help      show this help\n";

struct binding {
	unsigned vec;
	int efd;
	bool bound;
	unsigned long long received;
};

struct session {
	char bdf[BDF_SIZE];
	char eventfd_path[PATH_MAX];
	char uio[NAME_SIZE];
	struct binding *b;
	size_t n;
};

static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

static void report_bind_error(const struct session *s, unsigned vec, int err)
{
	char path[PATH_MAX], what[32];
	unsigned count;

	snprintf(what, sizeof(what), "vector %u", vec);
	switch (err) {
	case ERANGE:
		attr_path(path, sizeof(path), s->bdf, UIO_MSI_ATTR_IRQ_COUNT);
		if (read_uint_file(path, &count) == 0)
			msg("vector %u out of range: device has %u vector%s", vec,
			    count, plural(count));
		else
			msg("vector %u out of range", vec);
		break;
	case EBADF:
	case EINVAL:
		msg("%s: the kernel refused the eventfd binding: %s", what,
		    strerror(err));
		break;
	default:
		report_write_error(s->bdf, what, err);
		break;
	}
}

static void unbind_vectors(struct session *s)
{
	char text[32];
	size_t i;
	int err;

	for (i = 0; i < s->n; i++) {
		if (!s->b[i].bound)
			continue;
		s->b[i].bound = false;
		snprintf(text, sizeof(text), "%u %d\n", s->b[i].vec,
			 UIO_MSI_EVENTFD_UNBIND);
		err = write_text(s->eventfd_path, text);
		/* A removed device has dropped its bindings already. */
		if (err && err != ENOENT && err != ENODEV)
			msg("vector %u: unbinding failed: %s", s->b[i].vec,
			    strerror(err));
	}
}

static void close_session(struct session *s)
{
	size_t i;

	unbind_vectors(s);
	for (i = 0; i < s->n; i++)
		if (s->b[i].efd >= 0)
			close(s->b[i].efd);
	free(s->b);
	s->b = NULL;
	s->n = 0;
}

/* Up to 2048 eventfds do not fit the usual soft limit of 1024 fds. */
static void raise_fd_limit(size_t eventfds)
{
	rlim_t want = (rlim_t)eventfds + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	rl.rlim_cur = want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * Checks the device and the vectors, then creates and binds one eventfd
 * per vector.  On failure nothing stays bound.
 */
static int open_session(struct session *s, const char *bdf,
			struct vector_list *list, int efd_flags)
{
	char path[PATH_MAX], text[48];
	struct device_info info;
	size_t i;
	int err;

	memset(s, 0, sizeof(*s));
	copy_string(s->bdf, sizeof(s->bdf), bdf);
	if (require_bound(bdf))
		return EXIT_FAIL;
	device_read_info(bdf, &info);
	copy_string(s->uio, sizeof(s->uio), info.uio);
	attr_path(s->eventfd_path, sizeof(s->eventfd_path), bdf,
		  UIO_MSI_ATTR_EVENTFD);
	if (info.irq_count < 0) {
		attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_IRQ_COUNT);
		msg("%s: cannot read %s", bdf, path);
		return EXIT_FAIL;
	}
	if (vector_list_expand_all(list, (unsigned)info.irq_count)) {
		msg("out of memory");
		return EXIT_FAIL;
	}
	if (list->count == 0) {
		msg("%s has no vectors allocated (mode %s); see '" PROG_NAME
		    " set'", bdf, info.mode[0] ? info.mode : "?");
		return EXIT_FAIL;
	}
	/* Checked up front so that a typo does not bind half the list. */
	for (i = 0; i < list->count; i++) {
		if (list->vec[i] >= (unsigned)info.irq_count) {
			msg("vector %u out of range: device has %d vector%s",
			    list->vec[i], info.irq_count,
			    plural((unsigned)info.irq_count));
			return EXIT_FAIL;
		}
	}

	raise_fd_limit(list->count);
	s->b = calloc(list->count, sizeof(*s->b));
	if (!s->b) {
		msg("out of memory");
		return EXIT_FAIL;
	}
	s->n = list->count;
	for (i = 0; i < s->n; i++) {
		s->b[i].vec = list->vec[i];
		s->b[i].efd = eventfd(0, efd_flags);
		if (s->b[i].efd < 0) {
			msg("cannot create an eventfd: %s%s", strerror(errno),
			    errno == EMFILE ? " (RLIMIT_NOFILE)" : "");
			goto fail;
		}
	}
	for (i = 0; i < s->n; i++) {
		/* The kernel looks FD up in this process's fd table. */
		snprintf(text, sizeof(text), "%u %d\n", s->b[i].vec, s->b[i].efd);
		err = write_text(s->eventfd_path, text);
		if (err) {
			report_bind_error(s, s->b[i].vec, err);
			goto fail;
		}
		s->b[i].bound = true;
	}
	return EXIT_OK;

fail:
	close_session(s);
	return EXIT_FAIL;
}

static long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* listen */

enum listen_end { END_NONE, END_COUNT, END_TIMEOUT, END_SIGNAL, END_ERROR };

/* epoll tag of the signalfd; eventfds are tagged with their index. */
#define SIGNAL_TAG	UINT64_MAX

static enum listen_end listen_loop(struct session *s, int sfd,
				   unsigned long long target, double timeout,
				   unsigned long long *total)
{
	struct epoll_event ev, events[64];
	long long deadline = 0;
	int ep, n, i;
	size_t k;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		msg("epoll: %s", strerror(errno));
		return END_ERROR;
	}
	for (k = 0; k <= s->n; k++) {
		ev.events = EPOLLIN;
		ev.data.u64 = k < s->n ? k : SIGNAL_TAG;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, k < s->n ? s->b[k].efd : sfd,
			      &ev)) {
			msg("epoll: %s", strerror(errno));
			close(ep);
			return END_ERROR;
		}
	}
	if (timeout > 0)
		deadline = monotonic_ns() + (long long)(timeout * 1e9);

	for (;;) {
		int wait_ms = -1;

		if (deadline) {
			long long left = deadline - monotonic_ns();

			if (left <= 0)
				break;
			/* Round up: waking early would only spin. */
			left = (left + 999999) / 1000000;
			wait_ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		n = epoll_wait(ep, events, 64, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			msg("epoll: %s", strerror(errno));
			close(ep);
			return END_ERROR;
		}
		for (i = 0; i < n; i++) {
			struct binding *b;
			uint64_t value;

			if (events[i].data.u64 == SIGNAL_TAG) {
				close(ep);
				return END_SIGNAL;
			}
			b = &s->b[events[i].data.u64];
			if (read(b->efd, &value, sizeof(value)) != sizeof(value))
				continue;	/* EAGAIN: already drained */
			b->received += value;
			*total += value;
			printf("vec %u count %llu\n", b->vec, b->received);
			if (fflush(stdout)) {
				msg("error writing output: %s", strerror(errno));
				close(ep);
				return END_ERROR;
			}
			if (target && *total >= target) {
				close(ep);
				return END_COUNT;
			}
		}
	}
	close(ep);
	return END_TIMEOUT;
}

int cmd_listen(int argc, char **argv)
{
	struct vector_list list = { 0 };
	unsigned long long target = 0, total = 0;
	const char *bdf_arg = NULL, *value;
	struct session s;
	enum listen_end end;
	double timeout = 0;
	char bdf[BDF_SIZE], err[160];
	sigset_t mask;
	bool options_done = false;
	char *ranges;
	int ret, sfd, r;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		/* "-1" is a (bad) vector list, reported as such. */
		if (!options_done && arg[0] == '-' && arg[1] != '\0' &&
		    !isdigit((unsigned char)arg[1])) {
			if (is_help_option(arg)) {
				fputs(listen_help, stdout);
				vector_list_free(&list);
				return EXIT_OK;
			}
			if (strcmp(arg, "--") == 0) {
				options_done = true;
				continue;
			}
			if ((r = option_with_value("listen", argc, argv, &i,
						   "--count", &value))) {
				if (r < 0)
					goto usage;
				if (parse_uint(value, ULLONG_MAX, &target) ||
				    target == 0) {
					usage_error("listen", "invalid --count '%s' (expected a number of at least 1)",
						    value);
					goto usage;
				}
				continue;
			}
			if ((r = option_with_value("listen", argc, argv, &i,
						   "--timeout", &value))) {
				if (r < 0)
					goto usage;
				if (parse_seconds(value, &timeout)) {
					usage_error("listen", "invalid --timeout '%s' (expected positive seconds)",
						    value);
					goto usage;
				}
				continue;
			}
			usage_error("listen", "unknown option '%s'", arg);
			goto usage;
		}
		if (!bdf_arg) {
			bdf_arg = arg;
			if (parse_bdf(arg, bdf)) {
				usage_error("listen", "invalid PCI address '%s' (expected [DDDD:]BB:DD.F)",
					    arg);
				goto usage;
			}
			continue;
		}
		if (vector_list_add(&list, arg, err, sizeof(err))) {
			usage_error("listen", "%s", err);
			goto usage;
		}
	}
	if (!bdf_arg) {
		usage_error("listen", "missing PCI address");
		goto usage;
	}
	if (!list.count && !list.all) {
		usage_error("listen", "missing vector list");
		goto usage;
	}

	/* Signals become epoll events; blocked before anything is bound. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A closed stdout is reported as an error, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		msg("signalfd: %s", strerror(errno));
		vector_list_free(&list);
		return EXIT_FAIL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = open_session(&s, bdf, &list, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ret) {
		close(sfd);
		vector_list_free(&list);
		return ret;
	}
	ranges = format_ranges(list.vec, list.count);
	msg("listening on %s vectors %s", bdf, ranges ? ranges : "?");
	free(ranges);

	end = listen_loop(&s, sfd, target, timeout, &total);
	close_session(&s);
	close(sfd);
	vector_list_free(&list);
	msg("received %llu interrupts", total);
	switch (end) {
	case END_ERROR:
		return EXIT_FAIL;
	case END_TIMEOUT:
		return target ? EXIT_TIMEOUT : EXIT_OK;
	default:
		return EXIT_OK;
	}

usage:
	vector_list_free(&list);
	return EXIT_USAGE;
}

/* exec */

/*
 * In the child: puts eventfd i at fd 3+i, inheritable.  An eventfd may
 * sit on a target number; it is then moved to the lowest free fd first.
 * This never needs more fds than are open already, so even 2048 vectors
 * stay within RLIMIT_NOFILE.
 */
static int place_eventfds(struct session *s)
{
	for (size_t i = 0; i < s->n; i++) {
		int target = (int)(3 + i);

		if (s->b[i].efd == target) {
			if (fcntl(target, F_SETFD, 0) < 0)
				return -1;
			continue;
		}
		/* Only an eventfd still to be placed can be in the way. */
		for (size_t j = i + 1; j < s->n; j++) {
			if (s->b[j].efd == target) {
				s->b[j].efd = fcntl(target, F_DUPFD_CLOEXEC, 3);
				if (s->b[j].efd < 0)
					return -1;
				break;
			}
		}
		if (dup2(s->b[i].efd, target) < 0)
			return -1;
		close(s->b[i].efd);
		s->b[i].efd = target;
	}
	return 0;
}

/* In the child: arrange fds and environment, then exec CMD. */
static void exec_child(struct session *s, char **cmd, const sigset_t *old_mask)
{
	char *fds = NULL, dev[NAME_SIZE + 8];
	size_t len = 0, i;
	FILE *f;

	sigprocmask(SIG_SETMASK, old_mask, NULL);
	if (place_eventfds(s)) {
		msg("cannot set up the eventfds for %s: %s", cmd[0],
		    strerror(errno));
		_exit(126);
	}

	f = open_memstream(&fds, &len);
	if (!f)
		_exit(126);
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%u:%zu", i ? "," : "", s->b[i].vec, 3 + i);
	if (fclose(f))
		_exit(126);
	setenv("UIO_MSI_BDF", s->bdf, 1);
	setenv("UIO_MSI_VECTOR_FDS", fds, 1);
	if (s->uio[0]) {
		snprintf(dev, sizeof(dev), "/dev/%s", s->uio);
		setenv("UIO_MSI_UIO", dev, 1);
	} else {
		unsetenv("UIO_MSI_UIO");
	}
	execvp(cmd[0], cmd);
	msg("cannot run %s: %s", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Forwards signals to the child until it ends; returns its exit status. */
static int wait_child(pid_t pid, int sfd)
{
	struct signalfd_siginfo si;
	int status;

	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n != (ssize_t)sizeof(si)) {
			if (n < 0 && errno == EINTR)
				continue;
			/* No signal stream: fall back to a plain wait. */
			while (waitpid(pid, &status, 0) < 0) {
				if (errno != EINTR) {
					msg("waitpid: %s", strerror(errno));
					return EXIT_FAIL;
				}
			}
			break;
		}
		if (si.ssi_signo == SIGCHLD) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			continue;
		}
		/*
		 * A terminal sends SIGINT/SIGHUP (SI_KERNEL) to the whole
		 * foreground process group: CMD already has it.
		 */
		if (si.ssi_code != SI_KERNEL)
			kill(pid, (int)si.ssi_signo);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int cmd_exec(int argc, char **argv)
{
	struct vector_list list = { 0 };
	const char *bdf_arg = NULL, *value;
	sigset_t mask, old_mask;
	struct session s;
	char bdf[BDF_SIZE], err[160];
	char **cmd = NULL;
	int i, r, ret, sfd;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (is_help_option(arg)) {
			fputs(exec_help, stdout);
			vector_list_free(&list);
			return EXIT_OK;
		}
		if ((r = option_with_value("exec", argc, argv, &i, "--vectors",
					   &value))) {
			if (r < 0)
				goto usage;
			if (vector_list_add(&list, value, err, sizeof(err))) {
				usage_error("exec", "%s", err);
				goto usage;
			}
			continue;
		}
		if (arg[0] == '-') {
			usage_error("exec", "unknown option '%s'", arg);
			goto usage;
		}
		if (bdf_arg)
			break;	/* CMD starts here */
		bdf_arg = arg;
		if (parse_bdf(arg, bdf)) {
			usage_error("exec", "invalid PCI address '%s' (expected [DDDD:]BB:DD.F)",
				    arg);
			goto usage;
		}
	}
	if (!bdf_arg) {
		usage_error("exec", "missing PCI address");
		goto usage;
	}
	if (!list.count && !list.all) {
		usage_error("exec", "missing --vectors");
		goto usage;
	}
	if (i >= argc) {
		usage_error("exec", "missing command to run");
		goto usage;
	}
	cmd = argv + i;

	/* Blocked before fork so that no signal is lost in between. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old_mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		msg("signalfd: %s", strerror(errno));
		vector_list_free(&list);
		return EXIT_FAIL;
	}

	/* Blocking eventfds: CMD owns them and may read them either way. */
	ret = open_session(&s, bdf, &list, EFD_CLOEXEC);
	vector_list_free(&list);
	if (ret) {
		close(sfd);
		return ret;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		msg("fork: %s", strerror(errno));
		close_session(&s);
		close(sfd);
		return EXIT_FAIL;
	}
	if (pid == 0)
		exec_child(&s, cmd, &old_mask);

	ret = wait_child(pid, sfd);
	close_session(&s);
	close(sfd);
	return ret;

usage:
	vector_list_free(&list);
	return EXIT_USAGE;
}
