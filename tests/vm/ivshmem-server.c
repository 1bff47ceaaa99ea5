// SPDX-License-Identifier: GPL-2.0-only
/*
 * Minimal ivshmem server for the uio_msi VM test harness.
 *
 * Usage: ivshmem-server SOCKET_PATH VECTORS
 *
 * Listens on a unix stream socket, accepts exactly one client (QEMU's
 * ivshmem-doorbell device) and hands it, as QEMU's ivshmem protocol
 * wants, a sequence of little 64-bit messages:
 *
 *   1. the protocol version (0), no fd;
 *   2. the client's own peer id, no fd;
 *   3. -1 with the shared-memory fd attached (a 1 MiB memfd);
 *   4. VECTORS times the client's own id, each with one eventfd attached.
 *
 * Step 4 announces the client to itself as a peer.  The guest can then
 * ring its own doorbell: a 32-bit write of (own_id << 16) | V to BAR0
 * offset 12 makes QEMU signal eventfd V, which it is itself watching, and
 * it raises MSI-X vector V.
 *
 * When the socket is listening the server prints "ready" on stdout (one
 * line), so the caller can wait for that instead of sleeping.  Logs go to
 * stderr.  It exits with status 0 on SIGTERM/SIGINT or when the client
 * hangs up, removing the socket file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PROTOCOL_VERSION	0
#define OWN_ID			1	/* any id in 0..65535 would do */
#define SHM_SIZE		(1u << 20)	/* must be a power of two */
#define MAX_VECTORS		1024

static volatile sig_atomic_t stop_signal;
static const char *sock_path;
static int sock_bound;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("ivshmem-server: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void cleanup(void)
{
	if (sock_bound) {
		unlink(sock_path);
		sock_bound = 0;
	}
}

static void die(const char *what)
{
	log_msg("%s: %s", what, strerror(errno));
	cleanup();
	exit(1);
}

/* Send one int64 message, with fd attached when fd >= 0. */
static int send_msg(int sock, int64_t value, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cmsg;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}

	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n != (ssize_t)sizeof(value)) {
		/* 8 bytes on a fresh unix socket are never split */
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * Wait until fd is readable or a stop signal arrives.  The stop signals
 * are blocked except inside ppoll, so none can slip in between the flag
 * check and the wait.  Returns 1 when fd is ready, 0 on a stop signal.
 */
static int wait_readable(int fd, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		if (stop_signal)
			return 0;
		if (ppoll(&pfd, 1, NULL, waitmask) >= 0)
			return 1;
		if (errno != EINTR)
			die("ppoll");
	}
}

static int parse_vectors(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > MAX_VECTORS)
		return -1;
	return (int)v;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct sigaction sa;
	sigset_t block, waitmask;
	int lfd, cfd, shm_fd, vectors, i;
	char buf[64];

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET_PATH VECTORS\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	vectors = parse_vectors(argv[2]);
	if (vectors < 0) {
		fprintf(stderr, "%s: VECTORS must be 1..%d\n", argv[0], MAX_VECTORS);
		return 2;
	}
	if (strlen(sock_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "%s: socket path too long (max %zu bytes)\n",
			argv[0], sizeof(addr.sun_path) - 1);
		return 2;
	}
	strcpy(addr.sun_path, sock_path);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);

	shm_fd = memfd_create("uio-msi-ivshmem", MFD_CLOEXEC);
	if (shm_fd < 0)
		die("memfd_create");
	if (ftruncate(shm_fd, SHM_SIZE) < 0)
		die("ftruncate");

	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	unlink(sock_path);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	sock_bound = 1;
	if (listen(lfd, 1) < 0)
		die("listen");

	printf("ready\n");
	if (fflush(stdout) == EOF)
		die("stdout");

	if (!wait_readable(lfd, &waitmask))
		goto out;
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		die("accept");
	/* one client only: stop listening */
	close(lfd);
	cleanup();

	if (send_msg(cfd, PROTOCOL_VERSION, -1) < 0 ||
	    send_msg(cfd, OWN_ID, -1) < 0 ||
	    send_msg(cfd, -1, shm_fd) < 0)
		die("sendmsg");
	for (i = 0; i < vectors; i++) {
		int efd = eventfd(0, EFD_CLOEXEC);

		if (efd < 0)
			die("eventfd");
		if (send_msg(cfd, OWN_ID, efd) < 0)
			die("sendmsg");
		/* the client holds its own reference now */
		close(efd);
	}
	log_msg("client connected: id %d, %d vectors, %u bytes shared memory",
		OWN_ID, vectors, SHM_SIZE);

	/* Keep the connection open until the client goes away or we are told to stop. */
	for (;;) {
		ssize_t n;

		if (!wait_readable(cfd, &waitmask))
			break;
		n = read(cfd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			log_msg("client hung up");
			break;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			log_msg("read: %s", strerror(errno));
			break;
		}
		/* QEMU never sends anything; ignore whatever arrives */
	}
	close(cfd);
out:
	if (stop_signal)
		log_msg("stopping on signal %d", (int)stop_signal);
	cleanup();
	return 0;
}
