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
#include <poll.h>
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
"more arguments, or 'all' for every allocated vector; and the notices\n"
"'error' (AER errors of the device) and 'request' (the kernel is about\n"
"to take the device away), alone or with vectors: 'all,error,request'.\n"
"A notice prints 'error count C' or 'request count C'. After a request\n"
"listen lets go of the device (closes its eventfds) and exits with 0.\n"
"\n"
"Options:\n"
"  --count N    exit once N vector interrupts were received in total\n"
"  --timeout S  exit after S seconds (may be fractional); exit status 3\n"
"               if --count was given and not reached, else 0\n"
"  -h, --help   show this help\n"
"\n"
"SIGINT, SIGTERM and SIGHUP stop it cleanly with exit status 0.\n";

static const char exec_help[] =
"Usage: uio-msi exec BDF --vectors LIST [--] CMD [ARGS...]\n"
"\n"
"Bind an eventfd to each vector and notice of LIST and run CMD with them\n"
"open as file descriptors 3, 4, ...: the vectors in list order, then the\n"
"notices in list order, with the environment\n"
"  UIO_MSI_BDF=BDF\n"
"  UIO_MSI_UIO=/dev/uioN          (if the device has a UIO node)\n"
"  UIO_MSI_VECTOR_FDS=V:FD,...    (for example 0:3,1:4)\n"
"  UIO_MSI_ERROR_FD=FD            (if LIST has 'error')\n"
"  UIO_MSI_REQUEST_FD=FD          (if LIST has 'request')\n"
"On a request CMD should close its eventfds and /dev/uioN: uio-msi has\n"
"already let go of its own copies.\n"
"SIGINT, SIGTERM and SIGHUP are forwarded to CMD. When CMD ends, the\n"
"vectors are unbound and uio-msi exits with the status of CMD (128+N if\n"
"signal N killed it, 127 if CMD was not found, 126 if it could not run).\n"
"\n"
"Options:\n"
"  --vectors LIST  vectors and notices as for listen (0-3,7, all or\n"
"                  all,request); may be repeated\n"
"  -h, --help      show this help\n";

/* One eventfd bound to a vector or a notice. */
struct binding {
	bool is_notice;
	unsigned vec;		/* !is_notice */
	enum notice notice;	/* is_notice */
	int efd;
	bool bound;
	unsigned long long received;
};

struct session {
	char bdf[BDF_SIZE];
	char uio[NAME_SIZE];
	struct binding *b;	/* the vectors in list order, then the notices */
	size_t n;
	size_t vectors;		/* b[0..vectors-1] are vectors */
};

static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

static void binding_path(const struct session *s, const struct binding *b,
			 char *path, size_t size)
{
	attr_path(path, size, s->bdf,
		  b->is_notice ? notice_attr(b->notice) : UIO_MSI_ATTR_EVENTFD);
}

/* "vector 3" or "request notice". */
static void binding_what(const struct binding *b, char *what, size_t size)
{
	if (b->is_notice)
		snprintf(what, size, "%s notice", notice_name(b->notice));
	else
		snprintf(what, size, "vector %u", b->vec);
}

/* The text that binds b to fd (or unbinds it, fd -1). */
static void binding_text(const struct binding *b, int fd, char *text,
			 size_t size)
{
	if (b->is_notice)
		snprintf(text, size, "%d\n", fd);
	else
		snprintf(text, size, "%u %d\n", b->vec, fd);
}

static void report_bind_error(const struct session *s,
			      const struct binding *b, int err)
{
	char path[PATH_MAX], what[32];
	unsigned count;

	binding_what(b, what, sizeof(what));
	switch (err) {
	case ERANGE:
		attr_path(path, sizeof(path), s->bdf, UIO_MSI_ATTR_IRQ_COUNT);
		if (!b->is_notice && read_uint_file(path, &count) == 0)
			msg("vector %u out of range: device has %u vector%s",
			    b->vec, count, plural(count));
		else
			msg("%s out of range", what);
		break;
	case EBADF:
	case EINVAL:
		msg("%s: the kernel refused the eventfd binding: %s", what,
		    strerror(err));
		break;
	default:
		report_attr_write_error(s->bdf, b->is_notice ?
					notice_attr(b->notice) :
					UIO_MSI_ATTR_EVENTFD, what, err);
		break;
	}
}

static void unbind_all(struct session *s)
{
	char path[PATH_MAX], text[32], what[32];
	size_t i;
	int err;

	for (i = 0; i < s->n; i++) {
		struct binding *b = &s->b[i];

		if (!b->bound)
			continue;
		b->bound = false;
		binding_path(s, b, path, sizeof(path));
		binding_text(b, UIO_MSI_EVENTFD_UNBIND, text, sizeof(text));
		err = write_text(path, text);
		/* A removed device has dropped its bindings already. */
		if (err && err != ENOENT && err != ENODEV) {
			binding_what(b, what, sizeof(what));
			msg("%s: unbinding failed: %s", what, strerror(err));
		}
	}
}

/*
 * Lets go without a write: after a request the attributes are gone, and
 * closing the eventfds is what ends the bindings (and the kernel's wait).
 */
static void release_all(struct session *s)
{
	for (size_t i = 0; i < s->n; i++) {
		s->b[i].bound = false;
		if (s->b[i].efd >= 0)
			close(s->b[i].efd);
		s->b[i].efd = -1;
	}
}

static void close_session(struct session *s)
{
	unbind_all(s);
	release_all(s);
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

/* The binding of notice n in s, or NULL. */
static struct binding *notice_binding(struct session *s, enum notice n)
{
	for (size_t i = s->vectors; i < s->n; i++)
		if (s->b[i].notice == n)
			return &s->b[i];
	return NULL;
}

/*
 * Checks the device and the vectors, then creates and binds one eventfd
 * per vector and notice.  On failure nothing stays bound.
 */
static int open_session(struct session *s, const char *bdf,
			struct vector_list *list, int efd_flags)
{
	char path[PATH_MAX], text[48];
	struct device_info info;
	bool all = list->all;
	size_t i;
	int err;

	memset(s, 0, sizeof(*s));
	copy_string(s->bdf, sizeof(s->bdf), bdf);
	if (require_bound(bdf))
		return EXIT_FAIL;
	device_read_info(bdf, &info);
	copy_string(s->uio, sizeof(s->uio), info.uio);
	if (info.irq_count < 0) {
		attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_IRQ_COUNT);
		msg("%s: cannot read %s", bdf, path);
		return EXIT_FAIL;
	}
	if (vector_list_expand_all(list, (unsigned)info.irq_count)) {
		msg("out of memory");
		return EXIT_FAIL;
	}
	/* Notices alone need no vector; "all" asks for at least one. */
	if (list->count == 0 && (all || list->notices == 0)) {
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

	s->vectors = list->count;
	s->n = list->count + list->notices;
	raise_fd_limit(s->n);
	s->b = calloc(s->n, sizeof(*s->b));
	if (!s->b) {
		s->n = 0;
		msg("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < s->n; i++) {
		s->b[i].efd = -1;
		if (i < s->vectors) {
			s->b[i].vec = list->vec[i];
		} else {
			s->b[i].is_notice = true;
			s->b[i].notice = list->notice[i - s->vectors];
		}
	}
	for (i = 0; i < s->n; i++) {
		s->b[i].efd = eventfd(0, efd_flags);
		if (s->b[i].efd < 0) {
			msg("cannot create an eventfd: %s%s", strerror(errno),
			    errno == EMFILE ? " (RLIMIT_NOFILE)" : "");
			goto fail;
		}
	}
	for (i = 0; i < s->n; i++) {
		/* The kernel looks FD up in this process's fd table. */
		binding_path(s, &s->b[i], path, sizeof(path));
		binding_text(&s->b[i], s->b[i].efd, text, sizeof(text));
		err = write_text(path, text);
		if (err) {
			report_bind_error(s, &s->b[i], err);
			goto fail;
		}
		s->b[i].bound = true;
	}
	return EXIT_OK;

fail:
	close_session(s);
	return EXIT_FAIL;
}

/* "vectors 0-3,7 and notices error,request" (malloc'ed; NULL: no memory). */
static char *session_summary(const struct session *s,
			     const struct vector_list *list)
{
	char *buf = NULL, *ranges = NULL;
	size_t size = 0, i;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	if (list->count) {
		ranges = format_ranges(list->vec, list->count);
		fprintf(f, "vectors %s", ranges ? ranges : "?");
		free(ranges);
	}
	for (i = s->vectors; i < s->n; i++)
		fprintf(f, "%s%s", i > s->vectors ? "," :
			list->count ? " and notices " : "notices ",
			notice_name(s->b[i].notice));
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* listen */

enum listen_end {
	END_NONE, END_COUNT, END_TIMEOUT, END_SIGNAL, END_REQUEST, END_ERROR,
};

/* epoll tag of the signalfd; eventfds are tagged with their index. */
#define SIGNAL_TAG	UINT64_MAX

static enum listen_end listen_loop(struct session *s, int sfd,
				   unsigned long long target, double timeout,
				   unsigned long long *total)
{
	struct epoll_event ev, events[64];
	enum listen_end end = END_NONE;
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

	while (end == END_NONE) {
		int wait_ms = -1;

		if (deadline) {
			long long left = deadline - monotonic_ns();

			if (left <= 0) {
				end = END_TIMEOUT;
				break;
			}
			/* Round up: waking early would only spin. */
			left = (left + 999999) / 1000000;
			wait_ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		n = epoll_wait(ep, events, 64, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			msg("epoll: %s", strerror(errno));
			end = END_ERROR;
			break;
		}
		for (i = 0; i < n && end == END_NONE; i++) {
			struct binding *b;
			uint64_t value;

			if (events[i].data.u64 == SIGNAL_TAG) {
				end = END_SIGNAL;
				break;
			}
			b = &s->b[events[i].data.u64];
			if (read(b->efd, &value, sizeof(value)) != sizeof(value))
				continue;	/* EAGAIN: already drained */
			b->received += value;
			if (b->is_notice) {
				printf("%s count %llu\n", notice_name(b->notice),
				       b->received);
			} else {
				*total += value;
				printf("vec %u count %llu\n", b->vec,
				       b->received);
			}
			if (fflush(stdout)) {
				msg("error writing output: %s", strerror(errno));
				end = END_ERROR;
			} else if (b->is_notice && b->notice == NOTICE_REQUEST) {
				end = END_REQUEST;
			} else if (!b->is_notice && target && *total >= target) {
				end = END_COUNT;
			}
		}
	}
	close(ep);
	return end;
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
	char *summary;
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
		if (vector_list_add(&list, arg, VECTOR_LIST_NOTICES, err,
				    sizeof(err))) {
			usage_error("listen", "%s", err);
			goto usage;
		}
	}
	if (!bdf_arg) {
		usage_error("listen", "missing PCI address");
		goto usage;
	}
	if (vector_list_empty(&list)) {
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
	summary = session_summary(&s, &list);
	msg("listening on %s %s", bdf, summary ? summary : "?");
	free(summary);

	end = listen_loop(&s, sfd, target, timeout, &total);
	if (end == END_REQUEST) {
		/* Let go first: removal is waiting for exactly this. */
		release_all(&s);
		msg("%s: the device is being taken away (request): released it",
		    bdf);
	}
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
 * In the child: puts fds[i] at fd 3+i, inheritable.  An eventfd may sit
 * on a target number; it is then moved to the lowest free fd first.
 * This never needs more fds than are open already, so even 2048 vectors
 * stay within RLIMIT_NOFILE.
 */
static int place_eventfds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int target = (int)(3 + i);

		if (fds[i] == target) {
			if (fcntl(target, F_SETFD, 0) < 0)
				return -1;
			continue;
		}
		/* Only an eventfd still to be placed can be in the way. */
		for (size_t j = i + 1; j < n; j++) {
			if (fds[j] == target) {
				fds[j] = fcntl(target, F_DUPFD_CLOEXEC, 3);
				if (fds[j] < 0)
					return -1;
				break;
			}
		}
		if (dup2(fds[i], target) < 0)
			return -1;
		close(fds[i]);
		fds[i] = target;
	}
	return 0;
}

/*
 * CMD's descriptors: the bound eventfds, except for the request notice,
 * whose eventfd stays with uio-msi; CMD gets a relay eventfd instead that
 * uio-msi signals.  uio-msi thus sees every request (reading one eventfd
 * from two processes would let CMD take the count first) and lets go of
 * its copies of the eventfds then, which removal waits for.
 */
struct exec_fds {
	int *fd;		/* CMD's eventfd for s->b[i] */
	int request;		/* the bound request eventfd, or -1 */
	int relay;		/* CMD's request eventfd, or -1 */
};

/* In the child: arrange fds and environment, then exec CMD. */
static void exec_child(struct session *s, struct exec_fds *x, char **cmd,
		       const sigset_t *old_mask)
{
	char *fds = NULL, dev[NAME_SIZE + 8], num[16];
	size_t len = 0, i;
	FILE *f;
	int n;

	sigprocmask(SIG_SETMASK, old_mask, NULL);
	if (place_eventfds(x->fd, s->n)) {
		msg("cannot set up the eventfds for %s: %s", cmd[0],
		    strerror(errno));
		_exit(126);
	}

	f = open_memstream(&fds, &len);
	if (!f)
		_exit(126);
	for (i = 0; i < s->vectors; i++)
		fprintf(f, "%s%u:%zu", i ? "," : "", s->b[i].vec, 3 + i);
	if (fclose(f))
		_exit(126);
	setenv("UIO_MSI_BDF", s->bdf, 1);
	setenv("UIO_MSI_VECTOR_FDS", fds, 1);
	for (n = 0; n < NOTICE_COUNT; n++)
		unsetenv(notice_env((enum notice)n));
	for (i = s->vectors; i < s->n; i++) {
		snprintf(num, sizeof(num), "%zu", 3 + i);
		setenv(notice_env(s->b[i].notice), num, 1);
	}
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

/*
 * The kernel signalled the request: pass it on to CMD and let go of
 * every eventfd this process holds.  The attributes are gone already, so
 * nothing is written to them.
 */
static void relay_request(struct session *s, struct exec_fds *x,
			  const char *cmd)
{
	uint64_t value;

	if (read(x->request, &value, sizeof(value)) != sizeof(value))
		return;		/* EAGAIN: nothing after all */
	if (write(x->relay, &value, sizeof(value)) != sizeof(value))
		msg("cannot pass the request on to %s: %s", cmd,
		    strerror(errno));
	release_all(s);
	close(x->relay);
	x->relay = -1;
	x->request = -1;	/* closed by release_all() */
	msg("%s: the device is being taken away (request): passed on to %s",
	    s->bdf, cmd);
}

/*
 * Forwards signals to the child until it ends, and relays a request;
 * returns the child's exit status.
 */
static int wait_child(pid_t pid, int sfd, struct session *s,
		      struct exec_fds *x, const char *cmd)
{
	struct signalfd_siginfo si;
	int status;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = x->request, .events = POLLIN },
		};
		ssize_t n;

		if (x->request >= 0) {
			if (poll(pfd, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				msg("poll: %s", strerror(errno));
				x->request = -1;	/* plain waiting below */
			} else if (pfd[1].revents) {
				relay_request(s, x, cmd);
			}
			if (!(pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
			    x->request >= 0)
				continue;
		}
		n = read(sfd, &si, sizeof(si));
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

/* CMD's descriptors for the session (see struct exec_fds). */
static int exec_fds_init(struct session *s, struct exec_fds *x)
{
	struct binding *req = notice_binding(s, NOTICE_REQUEST);

	x->request = x->relay = -1;
	x->fd = calloc(s->n ? s->n : 1, sizeof(*x->fd));
	if (!x->fd) {
		msg("out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->n; i++)
		x->fd[i] = s->b[i].efd;
	if (!req)
		return 0;
	x->relay = eventfd(0, EFD_CLOEXEC);
	if (x->relay < 0) {
		msg("cannot create an eventfd: %s", strerror(errno));
		free(x->fd);
		return -1;
	}
	x->request = req->efd;
	/* Only this process reads it, after poll(): never block on it. */
	fcntl(x->request, F_SETFL, O_NONBLOCK);
	x->fd[req - s->b] = x->relay;
	return 0;
}

static void exec_fds_free(struct exec_fds *x)
{
	if (x->relay >= 0)
		close(x->relay);
	free(x->fd);
}

int cmd_exec(int argc, char **argv)
{
	struct vector_list list = { 0 };
	const char *bdf_arg = NULL, *value;
	sigset_t mask, old_mask;
	struct session s;
	struct exec_fds x;
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
			if (vector_list_add(&list, value, VECTOR_LIST_NOTICES,
					    err, sizeof(err))) {
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
	if (vector_list_empty(&list)) {
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
	if (exec_fds_init(&s, &x)) {
		close_session(&s);
		close(sfd);
		return EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		msg("fork: %s", strerror(errno));
		exec_fds_free(&x);
		close_session(&s);
		close(sfd);
		return EXIT_FAIL;
	}
	if (pid == 0)
		exec_child(&s, &x, cmd, &old_mask);

	ret = wait_child(pid, sfd, &s, &x, cmd[0]);
	exec_fds_free(&x);
	close_session(&s);
	close(sfd);
	return ret;

usage:
	vector_list_free(&list);
	return EXIT_USAGE;
}
