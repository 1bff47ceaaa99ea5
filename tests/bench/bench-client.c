// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-client: interrupt delivery benchmarks for make bench, run in the
 * guest.  One program drives the same device through uio_msi (eventfds
 * bound through sysfs), vfio-pci (VFIO_DEVICE_SET_IRQS) or
 * uio_pci_generic (/dev/uioN), so that the measured user-space work is
 * identical and only the kernel path differs.
 *
 *   bench-client lat  DRIVER DEVICE BDF VEC N read|epoll OUTFILE
 *   bench-client pair read|epoll N BLOCK SEED PREFIX CASE...
 *   bench-client mask N BLOCK SEED PREFIX CASE...
 *   bench-client ratepair K epoll|threads WINDOW_MS ROUNDS SEED BDF BDF
 *   bench-client scale DRIVER BDF COUNT...
 *
 * DRIVER: uio_msi | vfio | uio_pci_generic; DEVICE: ivshmem | edu-msi |
 * edu-intx; CASE: NAME=DRIVER,DEVICE,BDF or NAME=floor (a thread on the
 * reader's CPU writing an eventfd, no device).  lat writes N latencies (ns, one per line) to
 * OUTFILE.  pair and mask set every case up once and then sample them in
 * rounds, one block of BLOCK samples per case in an order drawn at random
 * for each round (seeded by SEED), so that host noise falls on all cases
 * alike; they write PREFIX-NAME*.txt (samples in order: line i belongs to
 * round i / BLOCK) and PREFIX-order.txt (each round's order).  ratepair
 * alternates an ivshmem on uio_msi with one on vfio-pci in windows and
 * prints "round R DRIVER RATE" lines; scale prints "key value" lines.
 * Every failure exits with status 1: make bench must not report a figure
 * that was not measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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
 * drivers.  The floor's writer thread shares that CPU (see floor_writer).
 */
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

/* --- parsing of drivers, devices and cases ------------------------------ */

static enum driver parse_driver(const char *s)
{
	if (!strcmp(s, "uio_msi"))
		return UIO_MSI;
	if (!strcmp(s, "vfio"))
		return VFIO;
	if (!strcmp(s, "uio_pci_generic"))
		return UIO_GENERIC;
	die("unknown driver %s", s);
}

static enum device parse_device(const char *s)
{
	if (!strcmp(s, "ivshmem"))
		return IVSHMEM;
	if (!strcmp(s, "edu-msi"))
		return EDU_MSI;
	if (!strcmp(s, "edu-intx"))
		return EDU_INTX;
	die("unknown device %s", s);
}

#define WARMUP	200

/* --- latency ----------------------------------------------------------- */

static int cmd_lat(char **argv)
{
	enum driver drv = parse_driver(argv[0]);
	enum device kind = parse_device(argv[1]);
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

/*
 * Paired measurement: several cases (a driver on its own device, or the
 * floor) set up once in one process, sampled in rounds.  Each round takes
 * one block of BLOCK samples of every case, in an order drawn at random
 * for that round, so that whatever the host does meanwhile falls on every
 * case alike; the report sets each case against another round by round.
 */
#define MAX_CASES	8
#define BLOCK_WARMUP	2	/* untimed samples after switching case */

struct lcase {
	char name[64];
	bool floor;
	struct dev d;
	int vec;
	int fd, ep;
	int mask_fd;		/* uio_msi: the mask attribute */
	uint64_t *s, *s2;	/* samples (mask: pair, delivery) */
};

/* NAME=DRIVER,DEVICE,BDF or NAME=floor */
static void case_parse(struct lcase *c, const char *arg)
{
	char buf[256], *eq, *drv, *dev, *bdf;

	memset(c, 0, sizeof(*c));
	c->fd = c->ep = c->mask_fd = -1;
	if (strlen(arg) >= sizeof(buf))
		die("case %s: too long", arg);
	strcpy(buf, arg);
	eq = strchr(buf, '=');
	if (!eq || eq == buf || (size_t)(eq - buf) >= sizeof(c->name))
		die("case %s: not NAME=DRIVER,DEVICE,BDF or NAME=floor", arg);
	*eq = 0;
	strcpy(c->name, buf);
	if (!strcmp(eq + 1, "floor")) {
		c->floor = true;
		return;
	}
	drv = eq + 1;
	dev = strchr(drv, ',');
	bdf = dev ? strchr(dev + 1, ',') : NULL;
	if (!bdf)
		die("case %s: not NAME=DRIVER,DEVICE,BDF or NAME=floor", arg);
	*dev++ = 0;
	*bdf++ = 0;
	c->d.drv = parse_driver(drv);
	c->d.kind = parse_device(dev);
	c->d.bdf = strdup(bdf);
	/* ivshmem: vector 1 (0 is also served through /dev/uioN by uio_msi). */
	c->vec = c->d.kind == IVSHMEM ? 1 : 0;
}

/* --- floor: the same wake-up, from a thread instead of a device --------- */

/*
 * The writer is a thread on the reader's CPU (UIO_MSI_BENCH_WRITER_CPU
 * moves it), blocked on an eventfd of its own: the reader pokes it, and
 * goes to sleep in read() or epoll_wait() on the floor's eventfd; the
 * writer, SCHED_IDLE so that it runs only once the reader sleeps, writes
 * that eventfd, and the reader, woken, preempts it at once.  One wake-up
 * of a sleeping reader on its own CPU, as an interrupt's, with no device
 * and nothing that depends on how the host schedules two vCPUs (a
 * writer spinning on another vCPU measured mostly that).
 */
static atomic_bool floor_exit;
static int floor_efd, floor_go;
static unsigned int writer_cpu;

static void *floor_writer(void *arg)
{
	struct sched_param sp = { .sched_priority = 0 };
	uint64_t one = 1, v;

	(void)arg;
	pin_cpu(writer_cpu);
	if (sched_setscheduler(0, SCHED_IDLE, &sp))
		die("SCHED_IDLE: %s", strerror(errno));
	for (;;) {
		if (read(floor_go, &v, 8) != 8)
			die("read floor eventfd: %s", strerror(errno));
		if (atomic_load(&floor_exit))
			return NULL;
		if (write(floor_efd, &one, 8) != 8)
			die("write eventfd: %s", strerror(errno));
	}
}

static pthread_t floor_thread;

static void floor_open(struct lcase *c, bool nonblock)
{
	floor_efd = eventfd(0, EFD_CLOEXEC | (nonblock ? EFD_NONBLOCK : 0));
	floor_go = eventfd(0, EFD_CLOEXEC);
	if (floor_efd < 0 || floor_go < 0)
		die("eventfd: %s", strerror(errno));
	c->fd = floor_efd;
	if (pthread_create(&floor_thread, NULL, floor_writer, NULL))
		die("pthread_create");
}

static void floor_close(void)
{
	uint64_t one = 1;

	atomic_store(&floor_exit, true);
	if (write(floor_go, &one, 8) != 8)
		die("write eventfd: %s", strerror(errno));
	pthread_join(floor_thread, NULL);
}

/* --- random order ------------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void shuffle(int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(rng() % (uint32_t)(i + 1)), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

static void write_order(const char *prefix, int rounds, int ncase, const int *order,
			const struct lcase *cases)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s-order.txt", prefix);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < ncase; i++)
			fprintf(f, "%s%c", cases[order[r * ncase + i]].name, i + 1 < ncase ? ' ' : '\n');
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
}

static void case_open(struct lcase *c, bool nonblock, bool want_epoll)
{
	if (c->floor) {
		floor_open(c, nonblock);
	} else {
		dev_open(&c->d, c->d.drv, c->d.kind, c->d.bdf, c->vec, 1, nonblock);
		c->fd = wait_fd(&c->d, c->vec);
	}
	if (want_epoll)
		c->ep = epoll_for(c->fd);
}

/* One latency sample of @c: raise, wait, read; the service after it. */
static uint64_t sample(struct lcase *c)
{
	uint64_t t0, t1, v;

	if (c->floor) {
		uint64_t one = 1;

		t0 = now_ns();
		if (write(floor_go, &one, 8) != 8)
			die("write eventfd: %s", strerror(errno));
		if (c->ep >= 0)
			epoll_wait1(c->ep);
		if (read(floor_efd, &v, 8) != 8)
			die("read eventfd: %s", strerror(errno));
		t1 = now_ns();
		return t1 - t0;
	}
	t0 = now_ns();
	fire(&c->d, c->vec);
	if (c->ep >= 0)
		epoll_wait1(c->ep);
	consume(&c->d, c->fd);
	t1 = now_ns();
	service(&c->d);
	return t1 - t0;
}

/*
 * Where the cases' interrupts went, while they are still set up (vfio-pci
 * frees its IRQs when the device is closed): /proc/interrupts, and each
 * case's IRQs with their effective affinity, into PREFIX-interrupts.txt.
 * A case whose interrupt came on another CPU than the reader's would pay
 * for a wake-up across CPUs.
 */
static void snapshot_irqs(const char *prefix, const struct lcase *cases, int ncase)
{
	char path[1024], line[512];
	FILE *out, *in;

	snprintf(path, sizeof(path), "%s-interrupts.txt", prefix);
	out = fopen(path, "w");
	if (!out)
		die("%s: %s", path, strerror(errno));
	in = fopen("/proc/interrupts", "r");
	while (in && fgets(line, sizeof(line), in))
		fputs(line, out);
	if (in)
		fclose(in);
	for (int i = 0; i < ncase; i++) {
		const struct lcase *c = &cases[i];
		struct dirent *e;
		DIR *dir;

		if (c->floor)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", c->d.bdf);
		dir = opendir(path);
		while (dir && (e = readdir(dir))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/irq/%s/effective_affinity_list", e->d_name);
			in = fopen(path, "r");
			if (in && fgets(line, sizeof(line), in))
				fprintf(out, "case %s %s irq %s effective_cpu %s", c->name, c->d.bdf,
					e->d_name, line);
			if (in)
				fclose(in);
		}
		if (dir)
			closedir(dir);
		if (c->d.kind == EDU_INTX) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", c->d.bdf);
			in = fopen(path, "r");
			if (in && fgets(line, sizeof(line), in))
				fprintf(out, "case %s %s intx irq %s", c->name, c->d.bdf, line);
			if (in)
				fclose(in);
		}
	}
	if (fclose(out))
		die("%s-interrupts.txt: %s", prefix, strerror(errno));
}

static void save_case(const char *prefix, const char *what, const struct lcase *c,
		      const uint64_t *s, long n)
{
	char path[1024];

	if (snprintf(path, sizeof(path), "%s-%.63s%.15s.txt", prefix, c->name, what) >=
	    (int)sizeof(path))
		die("%s: path too long", prefix);
	write_samples(path, s, n);
}

/*
 * pair WAIT N BLOCK SEED PREFIX CASE...: N latency samples per case, in
 * rounds of one block of BLOCK samples per case (random order per round);
 * writes PREFIX-NAME.txt (one latency per line, in sample order, so that
 * line i belongs to round i / BLOCK) and PREFIX-order.txt.
 */
static int cmd_pair(int argc, char **argv)
{
	bool use_epoll = !strcmp(argv[0], "epoll");
	long n = parse_long(argv[1], 1, 10000000);
	long block = parse_long(argv[2], 1, 100000);
	int ncase = argc - 5, rounds, *order, idx[MAX_CASES];
	struct lcase cases[MAX_CASES];

	if (!use_epoll && strcmp(argv[0], "read"))
		die("pair: read or epoll, not %s", argv[0]);
	if (ncase < 1 || ncase > MAX_CASES)
		die("pair: 1 to %d cases", MAX_CASES);
	if (n % block)
		die("pair: N (%ld) must be a multiple of BLOCK (%ld)", n, block);
	rng_state ^= (uint64_t)parse_long(argv[3], 0, LONG_MAX) * 0x9e3779b97f4a7c15ull;
	rounds = (int)(n / block);
	order = calloc((size_t)rounds * (size_t)ncase, sizeof(*order));
	if (!order)
		die("out of memory");
	for (int i = 0; i < ncase; i++) {
		case_parse(&cases[i], argv[5 + i]);
		for (int j = 0; j < i; j++)
			if (cases[i].floor && cases[j].floor)
				die("pair: one floor case at most");
		case_open(&cases[i], use_epoll, use_epoll);
		cases[i].s = calloc((size_t)n, sizeof(uint64_t));
		if (!cases[i].s)
			die("out of memory");
	}
	/* Warm-up: every case, in turn, before the first round. */
	for (int i = 0; i < ncase; i++) {
		arm_watchdog();
		for (int k = 0; k < WARMUP; k++)
			sample(&cases[i]);
	}
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < ncase; i++)
			idx[i] = i;
		shuffle(idx, ncase);
		memcpy(&order[r * ncase], idx, (size_t)ncase * sizeof(int));
		for (int i = 0; i < ncase; i++) {
			struct lcase *c = &cases[idx[i]];

			arm_watchdog();
			for (long k = -BLOCK_WARMUP; k < block; k++) {
				uint64_t t = sample(c);

				if (k >= 0)
					c->s[r * block + k] = t;
			}
		}
	}
	alarm(0);
	snapshot_irqs(argv[4], cases, ncase);
	for (int i = 0; i < ncase; i++) {
		if (cases[i].floor)
			floor_close();
		save_case(argv[4], "", &cases[i], cases[i].s, n);
	}
	write_order(argv[4], rounds, ncase, order, cases);
	return 0;
}

/* --- masking: a mask+unmask pair, and unmask to the held interrupt ------- */

static void set_mask(struct lcase *c, bool masked)
{
	if (c->d.drv == UIO_MSI) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%d %d", c->vec, masked);

		if (pwrite(c->mask_fd, buf, (size_t)len, 0) != len)
			die("%s mask %s: %s", c->d.bdf, buf, strerror(errno));
	} else if (c->d.drv == VFIO && c->d.kind == EDU_INTX) {
		struct vfio_irq_set set = {
			.argsz = sizeof(set),
			.flags = VFIO_IRQ_SET_DATA_NONE |
				 (masked ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK),
			.index = VFIO_PCI_INTX_IRQ_INDEX, .start = 0, .count = 1,
		};

		if (ioctl(c->d.vfio_dev, VFIO_DEVICE_SET_IRQS, &set))
			die("VFIO INTx %s: %s", masked ? "mask" : "unmask", strerror(errno));
	} else {
		die("masking: uio_msi, or vfio-pci on INTx (the only masking vfio offers)");
	}
}

/* Spin for @ns, outside the timed part. */
static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/*
 * The interrupt raised while masked must be held by the time of the
 * unmask: the edu raises it with the store itself; the ivshmem doorbell
 * goes through QEMU's event loop first.
 */
#define IVSHMEM_SETTLE_NS	300000u

static void mask_sample(struct lcase *c, uint64_t *pair, uint64_t *deliver)
{
	uint64_t t0, t1;

	t0 = now_ns();
	set_mask(c, true);
	set_mask(c, false);
	t1 = now_ns();
	*pair = t1 - t0;

	set_mask(c, true);
	fire(&c->d, c->vec);
	if (c->d.kind == IVSHMEM)
		spin_ns(IVSHMEM_SETTLE_NS);
	t0 = now_ns();
	set_mask(c, false);
	consume(&c->d, c->fd);
	t1 = now_ns();
	*deliver = t1 - t0;
	service(&c->d);
}

/*
 * mask N BLOCK SEED PREFIX CASE...: as pair, with blocking reads; each
 * sample times a mask+unmask pair with nothing pending
 * (PREFIX-NAME-pair.txt), then masks, raises the interrupt, and times
 * the unmask until the held interrupt has been read
 * (PREFIX-NAME-deliver.txt).
 */
static int cmd_mask(int argc, char **argv)
{
	long n = parse_long(argv[0], 1, 10000000);
	long block = parse_long(argv[1], 1, 100000);
	int ncase = argc - 4, rounds, *order, idx[MAX_CASES];
	struct lcase cases[MAX_CASES];

	if (ncase < 1 || ncase > MAX_CASES)
		die("mask: 1 to %d cases", MAX_CASES);
	if (n % block)
		die("mask: N (%ld) must be a multiple of BLOCK (%ld)", n, block);
	rng_state ^= (uint64_t)parse_long(argv[2], 0, LONG_MAX) * 0x9e3779b97f4a7c15ull;
	rounds = (int)(n / block);
	order = calloc((size_t)rounds * (size_t)ncase, sizeof(*order));
	if (!order)
		die("out of memory");
	for (int i = 0; i < ncase; i++) {
		struct lcase *c = &cases[i];

		case_parse(c, argv[4 + i]);
		if (c->floor || c->d.drv == UIO_GENERIC)
			die("mask: uio_msi and vfio cases only");
		case_open(c, false, false);
		if (c->d.drv == UIO_MSI)
			c->mask_fd = open_path(O_WRONLY, "/sys/bus/pci/devices/%s/uio_msi/mask",
					       c->d.bdf);
		c->s = calloc((size_t)n, sizeof(uint64_t));
		c->s2 = calloc((size_t)n, sizeof(uint64_t));
		if (!c->s || !c->s2)
			die("out of memory");
	}
	for (int i = 0; i < ncase; i++) {
		uint64_t a, b;

		arm_watchdog();
		for (int k = 0; k < WARMUP / 4; k++)
			mask_sample(&cases[i], &a, &b);
	}
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < ncase; i++)
			idx[i] = i;
		shuffle(idx, ncase);
		memcpy(&order[r * ncase], idx, (size_t)ncase * sizeof(int));
		for (int i = 0; i < ncase; i++) {
			struct lcase *c = &cases[idx[i]];
			uint64_t a, b;

			arm_watchdog();
			for (long k = -BLOCK_WARMUP; k < block; k++) {
				mask_sample(c, &a, &b);
				if (k >= 0) {
					c->s[r * block + k] = a;
					c->s2[r * block + k] = b;
				}
			}
		}
	}
	alarm(0);
	snapshot_irqs(argv[3], cases, ncase);
	for (int i = 0; i < ncase; i++) {
		save_case(argv[3], "-pair", &cases[i], cases[i].s, n);
		save_case(argv[3], "-deliver", &cases[i], cases[i].s2, n);
	}
	write_order(argv[3], rounds, ncase, order, cases);
	return 0;
}

/* --- rate: K interrupts in flight, each re-fired when received ---------- */

/*
 * Paired too: an ivshmem on uio_msi and one on vfio-pci, both set up
 * once, take turns in windows of WINDOW_MS (random order per round).
 */
struct rate_thr {
	struct dev *d;
	int vec;
	pthread_t th;
};

static atomic_bool rate_stop;
static atomic_ullong rate_n;

static void *rate_thread(void *arg)
{
	struct rate_thr *t = arg;

	while (!atomic_load(&rate_stop)) {
		fire(t->d, t->vec);
		atomic_fetch_add(&rate_n, consume(t->d, t->d->efd[t->vec]));
	}
	return NULL;
}

#define RATE_WARM_NS	50000000u

static double rate_window(struct dev *d, int ep, int k, bool threads, uint64_t window_ns)
{
	static struct rate_thr thr[MAX_VECTORS];
	unsigned long long c0, c1 = 0;
	uint64_t t0, t1;
	int v;

	atomic_store(&rate_stop, false);
	atomic_store(&rate_n, 0);
	/* A lost interrupt must fail the run, not hang it. */
	alarm((unsigned int)(window_ns / 1000000000u) + WAIT_TIMEOUT_MS / 1000 * 3);
	if (threads) {
		for (v = 0; v < k; v++) {
			thr[v].d = d;
			thr[v].vec = v;
			if (pthread_create(&thr[v].th, NULL, rate_thread, &thr[v]))
				die("pthread_create");
		}
		spin_ns(RATE_WARM_NS);
		t0 = now_ns();
		c0 = atomic_load(&rate_n);
		usleep((useconds_t)(window_ns / 1000));
		c1 = atomic_load(&rate_n);
		t1 = now_ns();
		atomic_store(&rate_stop, true);
		/* Each thread has one interrupt in flight: it returns. */
		for (v = 0; v < k; v++)
			pthread_join(thr[v].th, NULL);
	} else {
		struct epoll_event ev[MAX_VECTORS];
		uint64_t start = now_ns(), end = 0;
		int left = k;

		for (v = 0; v < k; v++)
			fire(d, v);
		c0 = 0;
		t0 = t1 = 0;
		while (left) {
			int got = epoll_wait(ep, ev, k, WAIT_TIMEOUT_MS);
			uint64_t t;

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				die("no interrupt within %d ms", WAIT_TIMEOUT_MS);
			for (int i = 0; i < got; i++) {
				v = (int)ev[i].data.u32;
				rate_n += consume(d, d->efd[v]);
				if (!t1) {
					fire(d, v);
				} else {
					/* Window over: drain what is in flight. */
					left--;
				}
			}
			if (t1)
				continue;
			t = now_ns();
			if (!t0 && t >= start + RATE_WARM_NS) {
				t0 = t;
				c0 = rate_n;
				end = t0 + window_ns;
			} else if (t0 && t >= end) {
				t1 = t;
				c1 = rate_n;
			}
		}
	}
	alarm(0);
	if (c1 <= c0)
		die("no interrupt counted");
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

/*
 * ratepair K epoll|threads WINDOW_MS ROUNDS SEED UIO_MSI_BDF VFIO_BDF:
 * prints "round R DRIVER RATE" lines (interrupts per second).
 */
static int cmd_ratepair(char **argv)
{
	int k = (int)parse_long(argv[0], 1, MAX_VECTORS);
	bool threads = !strcmp(argv[1], "threads");
	uint64_t window_ns = (uint64_t)parse_long(argv[2], 10, 600000) * 1000000u;
	int rounds = (int)parse_long(argv[3], 1, 100000);
	static struct dev devs[2];
	const char *names[2] = { "uio_msi", "vfio" };
	int ep[2] = { -1, -1 };

	if (!threads && strcmp(argv[1], "epoll"))
		die("ratepair: epoll or threads, not %s", argv[1]);
	rng_state ^= (uint64_t)parse_long(argv[4], 0, LONG_MAX) * 0x9e3779b97f4a7c15ull;
	dev_open(&devs[0], UIO_MSI, IVSHMEM, argv[5], 0, k, !threads);
	dev_open(&devs[1], VFIO, IVSHMEM, argv[6], 0, k, !threads);
	for (int i = 0; i < 2 && !threads; i++) {
		ep[i] = epoll_create1(EPOLL_CLOEXEC);
		if (ep[i] < 0)
			die("epoll: %s", strerror(errno));
		for (int v = 0; v < k; v++) {
			struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)v };

			if (epoll_ctl(ep[i], EPOLL_CTL_ADD, devs[i].efd[v], &e))
				die("epoll_ctl: %s", strerror(errno));
		}
	}
	for (int r = 0; r < rounds; r++) {
		int first = (int)(rng() & 1);

		for (int j = 0; j < 2; j++) {
			int i = j ? 1 - first : first;

			printf("round %d %s %.1f\n", r, names[i],
			       rate_window(&devs[i], ep[i], k, threads, window_ns));
		}
	}
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

static unsigned int env_cpu(const char *name, unsigned int dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v)
		return dflt;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n >= CPU_SETSIZE)
		die("%s=%s: not a CPU number", name, v);
	return (unsigned int)n;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_cpu = env_cpu("UIO_MSI_BENCH_CPU", bench_cpu);
	writer_cpu = env_cpu("UIO_MSI_BENCH_WRITER_CPU", bench_cpu);
	pin_cpu(bench_cpu);
	if (argc == 9 && !strcmp(argv[1], "lat"))
		return cmd_lat(argv + 2);
	if (argc >= 8 && !strcmp(argv[1], "pair"))
		return cmd_pair(argc - 2, argv + 2);
	if (argc >= 7 && !strcmp(argv[1], "mask"))
		return cmd_mask(argc - 2, argv + 2);
	if (argc == 9 && !strcmp(argv[1], "ratepair"))
		return cmd_ratepair(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "scale"))
		return cmd_scale(argc - 2, argv + 2);
	fprintf(stderr,
		"Usage: bench-client lat DRIVER DEVICE BDF VEC N read|epoll OUTFILE\n"
		"       bench-client pair read|epoll N BLOCK SEED PREFIX CASE...\n"
		"       bench-client mask N BLOCK SEED PREFIX CASE...\n"
		"       bench-client ratepair K epoll|threads WINDOW_MS ROUNDS SEED UIO_MSI_BDF VFIO_BDF\n"
		"       bench-client scale DRIVER BDF COUNT...\n"
		"CASE: NAME=DRIVER,DEVICE,BDF or NAME=floor\n");
	return 2;
}
