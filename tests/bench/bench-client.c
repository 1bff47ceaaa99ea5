// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-client: interrupt delivery benchmarks for make bench, run in the
 * guest.  One program drives the same device through uio_msi (eventfds
 * bound through sysfs), vfio-pci (VFIO_DEVICE_SET_IRQS) or
 * uio_pci_generic (/dev/uioN), so that the measured user-space work is
 * identical and only the kernel path differs.
 *
 *   bench-client lat  DRIVER DEVICE BDF VEC N read|epoll OUTFILE
 *   bench-client rate DRIVER ivshmem BDF K epoll|threads SECONDS
 *   bench-client floor N read|epoll OUTFILE
 *   bench-client scale DRIVER BDF COUNT...
 *
 * DRIVER: uio_msi | vfio | uio_pci_generic; DEVICE: ivshmem | edu-msi |
 * edu-intx.  lat writes N latencies (ns, one per line) to OUTFILE; rate
 * and scale print "key value" lines.  Every failure exits with status 1:
 * make bench must not report a figure that was not measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_VECTORS	2048
#define IVSHMEM_IVPOSITION	8	/* BAR0 offsets */
#define IVSHMEM_DOORBELL	12
#define EDU_STATUS	0x24
#define EDU_RAISE	0x60
#define EDU_ACK		0x64
#define PCI_COMMAND_OFF	4
#define PCI_CMD_MASTER	0x4
#define PCI_CMD_INTX_DISABLE	((uint16_t)0x400)
#define WAIT_TIMEOUT_MS	10000
/*
 * The client runs on one CPU (1, or UIO_MSI_BENCH_CPU) and the device's
 * IRQs are steered there, for every driver alike: where the matrix
 * allocator happened to put a vector must not make a difference between
 * drivers.  The floor's writer thread spins on CPU 2.
 */
#define WRITER_CPU	2
static unsigned int bench_cpu = 1;

enum driver { UIO_MSI, VFIO, UIO_GENERIC };
enum device { IVSHMEM, EDU_MSI, EDU_INTX };

struct dev {
	enum driver drv;
	enum device kind;
	const char *bdf;
	volatile uint32_t *bar0;
	uint32_t own_id;
	int cfg_fd;		/* sysfs config: INTx re-enable, bus master */
	int uio_fd;		/* uio_pci_generic: /dev/uioN */
	int vfio_dev;
	int container, group;
	int nvec;
	int efd[MAX_VECTORS];	/* -1: vector not bound */
};

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench-client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long parse_long(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		die("bad number '%s' (%ld..%ld)", s, min, max);
	return v;
}

static int open_path(int flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int open_path(int flags, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	return fd;
}

static uint16_t cfg_read16(struct dev *d, off_t off)
{
	uint16_t v;

	if (pread(d->cfg_fd, &v, 2, off) != 2)
		die("config read: %s", strerror(errno));
	return v;
}

static void cfg_write16(struct dev *d, off_t off, uint16_t v)
{
	if (pwrite(d->cfg_fd, &v, 2, off) != 2)
		die("config write: %s", strerror(errno));
}

/* --- the three drivers ------------------------------------------------- */

static void map_sysfs_bar0(struct dev *d)
{
	struct stat st;
	void *p;
	int fd;

	fd = open_path(O_RDWR | O_SYNC, "/sys/bus/pci/devices/%s/resource0", d->bdf);
	if (fstat(fd, &st))
		die("stat resource0: %s", strerror(errno));
	/* Exactly the BAR's size: ivshmem's is 256 bytes. */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap resource0: %s", strerror(errno));
	close(fd);
	d->bar0 = p;
}

static void vfio_open(struct dev *d)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info reg = { .argsz = sizeof(reg),
					.index = VFIO_PCI_BAR0_REGION_INDEX };
	char link[512], target[512];
	ssize_t n;
	void *p;

	d->container = open_path(O_RDWR, "/dev/vfio/vfio");
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unexpected VFIO API version");
	if (ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1)
		die("no VFIO type1 IOMMU");
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", d->bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die("%s: %s", link, strerror(errno));
	target[n] = 0;
	d->group = open_path(O_RDWR, "/dev/vfio/%s", strrchr(target, '/') + 1);
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("IOMMU group of %s not viable", d->bdf);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) ||
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		die("VFIO container setup: %s", strerror(errno));
	d->vfio_dev = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->vfio_dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	if (ioctl(d->vfio_dev, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("VFIO_DEVICE_GET_REGION_INFO: %s", strerror(errno));
	/* The doorbell is written the same way as with uio: one mapped store. */
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP))
		die("vfio-pci cannot mmap BAR0 of %s", d->bdf);
	p = mmap(NULL, (size_t)reg.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 d->vfio_dev, (off_t)reg.offset);
	if (p == MAP_FAILED)
		die("mmap vfio BAR0: %s", strerror(errno));
	d->bar0 = p;
}

static void vfio_set_irqs(struct dev *d, unsigned int index, unsigned start,
			  unsigned int count, const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * sizeof(int);
	struct vfio_irq_set *set = calloc(1, sz);

	if (!set)
		die("out of memory");
	set->argsz = (uint32_t)sz;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		     (count ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	set->index = index;
	set->start = start;
	set->count = count;
	if (count)
		memcpy(set->data, fds, count * sizeof(int));
	if (ioctl(d->vfio_dev, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS(index %u, %u vectors): %s", index,
		    count, strerror(errno));
	free(set);
}

static void vfio_intx_unmask(struct dev *d)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
		.index = VFIO_PCI_INTX_IRQ_INDEX, .start = 0, .count = 1,
	};

	if (ioctl(d->vfio_dev, VFIO_DEVICE_SET_IRQS, &set))
		die("VFIO INTx unmask: %s", strerror(errno));
}

static void uio_msi_bind(struct dev *d, int vec, int fd)
{
	char buf[32];
	int attr, len;

	attr = open_path(O_WRONLY, "/sys/bus/pci/devices/%s/uio_msi/eventfd", d->bdf);
	len = snprintf(buf, sizeof(buf), "%d %d", vec, fd);
	if (write(attr, buf, (size_t)len) != len)
		die("bind vector %d of %s: %s", vec, d->bdf, strerror(errno));
	close(attr);
}

static void pin_cpu(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(%u): %s", cpu, strerror(errno));
}

static void irq_to_bench_cpu(const char *irq)
{
	char path[128], buf[8];
	int fd, len;

	snprintf(path, sizeof(path), "/proc/irq/%s/smp_affinity_list", irq);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	len = snprintf(buf, sizeof(buf), "%u", bench_cpu);
	/* Only requested IRQs matter; others may refuse or not exist yet. */
	if (fd >= 0 && write(fd, buf, (size_t)len) != len && errno != EIO)
		fprintf(stderr, "bench-client: IRQ %s affinity: %s\n", irq, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Steer every IRQ of the device (MSI/MSI-X vectors, or its INTx line). */
static void steer_irqs(const struct dev *d)
{
	char path[256], irq[16];
	struct dirent *e;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", d->bdf);
	dir = opendir(path);
	if (dir) {
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.')
				irq_to_bench_cpu(e->d_name);
		closedir(dir);
	}
	if (d->kind != EDU_INTX)
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", d->bdf);
	f = fopen(path, "r");
	if (!f || !fgets(irq, sizeof(irq), f))
		die("%s: cannot read", path);
	fclose(f);
	irq[strcspn(irq, "\n")] = 0;
	irq_to_bench_cpu(irq);
}

/*
 * Open DEVICE through DRIVER (already bound to it by the caller) with
 * eventfds on vectors first..first+count-1 (non-blocking for epoll users).
 */
static void dev_open(struct dev *d, enum driver drv, enum device kind,
		     const char *bdf, int first, int count, bool nonblock)
{
	char path[256];
	int v;

	memset(d, 0, sizeof(*d));
	d->drv = drv;
	d->kind = kind;
	d->bdf = bdf;
	d->uio_fd = d->vfio_dev = -1;
	d->nvec = first + count;
	for (v = 0; v < MAX_VECTORS; v++)
		d->efd[v] = -1;
	d->cfg_fd = open_path(O_RDWR, "/sys/bus/pci/devices/%s/config", bdf);

	if (drv == UIO_GENERIC) {
		FILE *f;
		char name[64];

		snprintf(path, sizeof(path),
			 "ls /sys/bus/pci/devices/%s/uio 2>/dev/null", bdf);
		f = popen(path, "r");
		if (!f || !fgets(name, sizeof(name), f))
			die("%s has no UIO device", bdf);
		pclose(f);
		name[strcspn(name, "\n")] = 0;
		d->uio_fd = open_path(O_RDWR | (nonblock ? O_NONBLOCK : 0),
				      "/dev/%s", name);
		map_sysfs_bar0(d);
		/* INTx may be left disabled by whoever had the device before. */
		if (kind == EDU_INTX)
			cfg_write16(d, PCI_COMMAND_OFF,
				    (uint16_t)(cfg_read16(d, PCI_COMMAND_OFF) & ~PCI_CMD_INTX_DISABLE));
		steer_irqs(d);
		return;
	}

	for (v = first; v < first + count; v++) {
		d->efd[v] = eventfd(0, EFD_CLOEXEC | (nonblock ? EFD_NONBLOCK : 0));
		if (d->efd[v] < 0)
			die("eventfd: %s", strerror(errno));
	}
	if (drv == UIO_MSI) {
		map_sysfs_bar0(d);
		for (v = first; v < first + count; v++)
			uio_msi_bind(d, v, d->efd[v]);
	} else {
		unsigned int index = kind == IVSHMEM ? VFIO_PCI_MSIX_IRQ_INDEX :
				 kind == EDU_MSI ? VFIO_PCI_MSI_IRQ_INDEX :
				 VFIO_PCI_INTX_IRQ_INDEX;

		vfio_open(d);
		/* Vectors below first get no eventfd (-1), as with uio_msi. */
		vfio_set_irqs(d, index, 0, (unsigned int)d->nvec, d->efd);
		/* MSIs are DMA writes; vfio leaves bus mastering to its user. */
		if (kind != EDU_INTX)
			cfg_write16(d, PCI_COMMAND_OFF,
				    cfg_read16(d, PCI_COMMAND_OFF) | PCI_CMD_MASTER);
	}
	if (kind == IVSHMEM)
		d->own_id = d->bar0[IVSHMEM_IVPOSITION / 4];
	steer_irqs(d);
}

/* Make the device interrupt on vector vec. */
static inline void fire(struct dev *d, int vec)
{
	if (d->kind == IVSHMEM)
		d->bar0[IVSHMEM_DOORBELL / 4] = (d->own_id << 16) | (uint32_t)vec;
	else
		d->bar0[EDU_RAISE / 4] = 1;
}

/* What a driver does after an interrupt: acknowledge, re-enable INTx. */
static inline void service(struct dev *d)
{
	if (d->kind == IVSHMEM)
		return;
	d->bar0[EDU_ACK / 4] = d->bar0[EDU_STATUS / 4];
	if (d->kind != EDU_INTX)
		return;
	if (d->drv == VFIO)
		vfio_intx_unmask(d);
	else	/* uio_pci_generic's (and uio_msi's) documented way */
		cfg_write16(d, PCI_COMMAND_OFF,
			    (uint16_t)(cfg_read16(d, PCI_COMMAND_OFF) & ~PCI_CMD_INTX_DISABLE));
}

static int wait_fd(const struct dev *d, int vec)
{
	return d->drv == UIO_GENERIC ? d->uio_fd : d->efd[vec];
}

/* Consume one notification of fd: the number of interrupts it counted. */
static uint64_t consume(const struct dev *d, int fd)
{
	uint64_t n = 0;

	if (d->drv == UIO_GENERIC) {
		/* /dev/uioN returns the total event count, 4 bytes. */
		uint32_t c;

		if (read(fd, &c, 4) != 4)
			die("read /dev/uio: %s", strerror(errno));
		return 1;
	}
	if (read(fd, &n, 8) != 8)
		die("read eventfd: %s", strerror(errno));
	return n;
}

static int epoll_for(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll: %s", strerror(errno));
	return ep;
}

static void epoll_wait1(int ep)
{
	struct epoll_event ev;
	int n;

	do
		n = epoll_wait(ep, &ev, 1, WAIT_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die("no interrupt within %d ms", WAIT_TIMEOUT_MS);
}

/* Blocking read with a watchdog: a lost interrupt must fail, not hang. */
static void arm_watchdog(void)
{
	alarm(WAIT_TIMEOUT_MS / 1000 * 3);
}

static void write_samples(const char *out, const uint64_t *s, long n)
{
	FILE *f = fopen(out, "w");

	if (!f)
		die("%s: %s", out, strerror(errno));
	for (long i = 0; i < n; i++)
		fprintf(f, "%" PRIu64 "\n", s[i]);
	if (fclose(f))
		die("%s: %s", out, strerror(errno));
}

#define WARMUP	200

/* --- latency ----------------------------------------------------------- */

static int cmd_lat(char **argv)
{
	enum driver drv = !strcmp(argv[0], "uio_msi") ? UIO_MSI :
			  !strcmp(argv[0], "vfio") ? VFIO :
			  !strcmp(argv[0], "uio_pci_generic") ? UIO_GENERIC :
			  (die("unknown driver %s", argv[0]), UIO_MSI);
	enum device kind = !strcmp(argv[1], "ivshmem") ? IVSHMEM :
			   !strcmp(argv[1], "edu-msi") ? EDU_MSI :
			   !strcmp(argv[1], "edu-intx") ? EDU_INTX :
			   (die("unknown device %s", argv[1]), IVSHMEM);
	int vec = (int)parse_long(argv[3], 0, MAX_VECTORS - 1);
	long n = parse_long(argv[4], 1, 100000000);
	bool use_epoll = !strcmp(argv[5], "epoll");
	uint64_t *s = calloc((size_t)n, sizeof(*s));
	struct dev d;
	int fd, ep = -1;

	if (!s)
		die("out of memory");
	if (kind != IVSHMEM)
		vec = 0;
	/* epoll users read only what is ready: non-blocking descriptors. */
	dev_open(&d, drv, kind, argv[2], vec, 1, use_epoll);
	fd = wait_fd(&d, vec);
	if (use_epoll)
		ep = epoll_for(fd);
	for (long i = -WARMUP; i < n; i++) {
		uint64_t t0, t1;

		arm_watchdog();
		t0 = now_ns();
		fire(&d, vec);
		if (use_epoll)
			epoll_wait1(ep);
		consume(&d, fd);
		t1 = now_ns();
		service(&d);
		if (i >= 0)
			s[i] = t1 - t0;
	}
	alarm(0);
	write_samples(argv[6], s, n);
	return 0;
}

/* --- floor: the same wake-up, from a thread instead of a device --------- */

static atomic_ulong floor_seq;
static atomic_bool floor_stop;
static int floor_efd;

static void *floor_writer(void *arg)
{
	unsigned long seen = 0;
	uint64_t one = 1;

	(void)arg;
	pin_cpu(WRITER_CPU);
	while (!atomic_load(&floor_stop)) {
		unsigned long s = atomic_load(&floor_seq);

		if (s == seen)
			continue;	/* spin, as a device would be ready at once */
		seen = s;
		if (write(floor_efd, &one, 8) != 8)
			die("write eventfd: %s", strerror(errno));
	}
	return NULL;
}

static int cmd_floor(char **argv)
{
	long n = parse_long(argv[0], 1, 100000000);
	bool use_epoll = !strcmp(argv[1], "epoll");
	uint64_t *s = calloc((size_t)n, sizeof(*s)), v;
	pthread_t th;
	int ep = -1;

	if (!s)
		die("out of memory");
	floor_efd = eventfd(0, EFD_CLOEXEC | (use_epoll ? EFD_NONBLOCK : 0));
	if (floor_efd < 0)
		die("eventfd: %s", strerror(errno));
	if (use_epoll)
		ep = epoll_for(floor_efd);
	if (pthread_create(&th, NULL, floor_writer, NULL))
		die("pthread_create");
	for (long i = -WARMUP; i < n; i++) {
		uint64_t t0, t1;

		arm_watchdog();
		t0 = now_ns();
		atomic_fetch_add(&floor_seq, 1);
		if (use_epoll)
			epoll_wait1(ep);
		if (read(floor_efd, &v, 8) != 8)
			die("read eventfd: %s", strerror(errno));
		t1 = now_ns();
		if (i >= 0)
			s[i] = t1 - t0;
	}
	alarm(0);
	atomic_store(&floor_stop, true);
	pthread_join(th, NULL);
	write_samples(argv[2], s, n);
	return 0;
}

/* --- rate: K interrupts in flight, each re-fired when received ---------- */

static struct dev rate_dev;
static atomic_bool rate_stop;
static atomic_ullong rate_count[MAX_VECTORS];

static void *rate_thread(void *arg)
{
	int vec = (int)(intptr_t)arg;

	while (!atomic_load(&rate_stop)) {
		fire(&rate_dev, vec);
		atomic_fetch_add(&rate_count[vec],
				 consume(&rate_dev, rate_dev.efd[vec]));
	}
	return NULL;
}

static unsigned long long rate_total(int k)
{
	unsigned long long t = 0;

	for (int v = 0; v < k; v++)
		t += atomic_load(&rate_count[v]);
	return t;
}

static int cmd_rate(char **argv)
{
	enum driver drv = !strcmp(argv[0], "uio_msi") ? UIO_MSI :
			  !strcmp(argv[0], "vfio") ? VFIO :
			  (die("rate: driver uio_msi or vfio"), UIO_MSI);
	int k = (int)parse_long(argv[3], 1, MAX_VECTORS);
	bool threads = !strcmp(argv[4], "threads");
	double secs = (double)parse_long(argv[5], 1, 3600);
	struct dev *d = &rate_dev;
	pthread_t th[MAX_VECTORS];
	unsigned long long c0, c1;
	uint64_t t0, t1;
	int v;

	if (strcmp(argv[1], "ivshmem"))
		die("rate: ivshmem only");
	/* A lost interrupt must fail the run, not hang it. */
	alarm((unsigned int)secs + WAIT_TIMEOUT_MS / 1000 * 3);
	dev_open(d, drv, IVSHMEM, argv[2], 0, k, !threads);
	if (threads) {
		for (v = 0; v < k; v++)
			if (pthread_create(&th[v], NULL, rate_thread, (void *)(intptr_t)v))
				die("pthread_create");
		usleep(200000);	/* warm-up */
		t0 = now_ns();
		c0 = rate_total(k);
		usleep((useconds_t)(secs * 1e6));
		c1 = rate_total(k);
		t1 = now_ns();
		atomic_store(&rate_stop, true);
		/* Each thread has one interrupt in flight: it returns. */
		for (v = 0; v < k; v++)
			pthread_join(th[v], NULL);
	} else {
		struct epoll_event ev[MAX_VECTORS];
		int ep = epoll_create1(EPOLL_CLOEXEC);
		uint64_t start = now_ns(), end = 0, warm = start + 200000000u;

		if (ep < 0)
			die("epoll: %s", strerror(errno));
		for (v = 0; v < k; v++) {
			struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)v };

			if (epoll_ctl(ep, EPOLL_CTL_ADD, d->efd[v], &e))
				die("epoll_ctl: %s", strerror(errno));
			fire(d, v);
		}
		c0 = 0;
		t0 = 0;
		for (;;) {
			int n = epoll_wait(ep, ev, k, WAIT_TIMEOUT_MS);
			uint64_t t;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				die("no interrupt within %d ms", WAIT_TIMEOUT_MS);
			for (int i = 0; i < n; i++) {
				v = (int)ev[i].data.u32;
				rate_count[v] += consume(d, d->efd[v]);
				fire(d, v);
			}
			t = now_ns();
			if (!t0 && t >= warm) {
				t0 = t;
				c0 = rate_total(k);
				end = t0 + (uint64_t)(secs * 1e9);
			}
			if (t0 && t >= end)
				break;
		}
		c1 = rate_total(k);
		t1 = now_ns();
	}
	if (c1 <= c0)
		die("no interrupt counted");
	printf("interrupts %llu\nseconds %.6f\nrate %.1f\n", c1 - c0,
	       (double)(t1 - t0) / 1e9, (double)(c1 - c0) * 1e9 / (double)(t1 - t0));
	return 0;
}

/* --- scale: allocating and binding many vectors (nvme) ------------------ */

static int cmd_scale(int argc, char **argv)
{
	enum driver drv = !strcmp(argv[0], "uio_msi") ? UIO_MSI :
			  !strcmp(argv[0], "vfio") ? VFIO :
			  (die("scale: driver uio_msi or vfio"), UIO_MSI);
	const char *bdf = argv[1];
	static int fds[MAX_VECTORS];
	struct dev d = { .bdf = bdf, .drv = drv };
	uint64_t t0, t1;
	int i, v, attr = -1;

	/* 2048 eventfds and then some: above the usual limit of 1024. */
	struct rlimit rl = { .rlim_cur = 2 * MAX_VECTORS + 64, .rlim_max = 2 * MAX_VECTORS + 64 };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE: %s", strerror(errno));
	if (drv == UIO_MSI) {
		char buf[16];
		int cnt = open_path(O_WRONLY, "/sys/bus/pci/devices/%s/uio_msi/irq_count", bdf);

		/* From 1 to 2048 allocated vectors, as a driver would at start. */
		if (write(cnt, "1", 1) != 1)
			die("irq_count 1: %s", strerror(errno));
		snprintf(buf, sizeof(buf), "%d", MAX_VECTORS);
		t0 = now_ns();
		if (write(cnt, buf, strlen(buf)) != (ssize_t)strlen(buf))
			die("irq_count %d: %s", MAX_VECTORS, strerror(errno));
		t1 = now_ns();
		close(cnt);
		printf("irq_count_ns %" PRIu64 "\n", t1 - t0);
		attr = open_path(O_WRONLY, "/sys/bus/pci/devices/%s/uio_msi/eventfd", bdf);
	} else {
		vfio_open(&d);
	}

	for (i = 2; i < argc; i++) {
		int n = (int)parse_long(argv[i], 1, MAX_VECTORS);

		for (v = 0; v < n; v++) {
			fds[v] = eventfd(0, EFD_CLOEXEC);
			if (fds[v] < 0)
				die("eventfd: %s", strerror(errno));
		}
		t0 = now_ns();
		if (drv == UIO_MSI) {
			char buf[32];

			for (v = 0; v < n; v++) {
				int len = snprintf(buf, sizeof(buf), "%d %d", v, fds[v]);

				if (write(attr, buf, (size_t)len) != len)
					die("bind vector %d: %s", v, strerror(errno));
			}
		} else {
			vfio_set_irqs(&d, VFIO_PCI_MSIX_IRQ_INDEX, 0, (unsigned int)n, fds);
		}
		t1 = now_ns();
		printf("bind_ns %d %" PRIu64 "\n", n, t1 - t0);
		t0 = now_ns();
		if (drv == UIO_MSI) {
			char buf[32];

			for (v = 0; v < n; v++) {
				int len = snprintf(buf, sizeof(buf), "%d -1", v);

				if (write(attr, buf, (size_t)len) != len)
					die("unbind vector %d: %s", v, strerror(errno));
			}
		} else {
			/* MSI-X off: vfio frees the IRQs and the vectors. */
			vfio_set_irqs(&d, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
		}
		t1 = now_ns();
		printf("unbind_ns %d %" PRIu64 "\n", n, t1 - t0);
		for (v = 0; v < n; v++)
			close(fds[v]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cpu = getenv("UIO_MSI_BENCH_CPU");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cpu) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(cpu, &end, 10);
		if (errno || end == cpu || *end || n >= CPU_SETSIZE)
			die("UIO_MSI_BENCH_CPU=%s: not a CPU number", cpu);
		bench_cpu = (unsigned int)n;
	}
	pin_cpu(bench_cpu);
	if (argc == 9 && !strcmp(argv[1], "lat"))
		return cmd_lat(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "floor"))
		return cmd_floor(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "rate"))
		return cmd_rate(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "scale"))
		return cmd_scale(argc - 2, argv + 2);
	fprintf(stderr,
		"Usage: bench-client lat DRIVER DEVICE BDF VEC N read|epoll OUTFILE\n"
		"       bench-client rate DRIVER ivshmem BDF K epoll|threads SECONDS\n"
		"       bench-client floor N read|epoll OUTFILE\n"
		"       bench-client scale DRIVER BDF COUNT...\n");
	return 2;
}
