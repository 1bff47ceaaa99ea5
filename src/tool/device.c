// SPDX-License-Identifier: GPL-2.0-only
/*
 * uio-msi: the state of a PCI device and its driver: whether uio_msi is
 * loaded and bound, the device's IDs, UIO node and interrupt attributes,
 * and failed attribute writes explained in words.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uio-msi.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool driver_loaded(void)
{
	char path[PATH_MAX];

	sys_path(path, sizeof(path), "/sys/bus/pci/drivers/%s",
		 UIO_MSI_DRIVER_NAME);
	return is_dir(path);
}

bool load_driver(void)
{
	const char *modprobe = getenv("UIO_MSI_MODPROBE");
	int status;
	pid_t pid;

	if (!modprobe || !*modprobe)
		modprobe = "modprobe";
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execlp(modprobe, modprobe, "-q", UIO_MSI_DRIVER_NAME,
		       (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return driver_loaded();
}

bool device_exists(const char *bdf)
{
	char path[PATH_MAX];

	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return is_dir(path);
}

/*
 * The last component of the device's link NAME ("driver", "physfn") into
 * OUT; "" and 0 if there is no such link, "" and errno if unreadable.
 */
static int device_link_name(const char *bdf, const char *name, char *out,
			    size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	copy_string(out, size, base ? base + 1 : link);
	return 0;
}

int device_driver(const char *bdf, char *out, size_t size)
{
	return device_link_name(bdf, "driver", out, size);
}

/* "0x8086" -> "8086". */
static void read_id(const char *bdf, const char *file, char *out, size_t size)
{
	char path[PATH_MAX], buf[16];

	out[0] = '\0';
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	if (read_text(path, buf, sizeof(buf)))
		return;
	copy_string(out, size, strncmp(buf, "0x", 2) ? buf : buf + 2);
}

static void read_uio_name(const char *bdf, char *out, size_t size)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	out[0] = '\0';
	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/uio", bdf);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "uio", 3) == 0 &&
		    isdigit((unsigned char)de->d_name[3])) {
			/* Longer names are no UIO node this tool knows. */
			if (!copy_string(out, size, de->d_name))
				out[0] = '\0';
			break;
		}
	}
	closedir(dir);
}

/* A file holding one unsigned number: its value, -1 if unreadable. */
static int read_int_file(const char *path)
{
	unsigned v;

	if (read_uint_file(path, &v) || v > INT_MAX)
		return -1;
	return (int)v;
}

static int read_attr_int(const char *bdf, const char *attr)
{
	char path[PATH_MAX];

	attr_path(path, sizeof(path), bdf, attr);
	return read_int_file(path);
}

/* An SR-IOV VF's "physfn" link names its PF: "../0000:01:00.0". */
static void read_physfn(const char *bdf, char *out, size_t size)
{
	char name[PATH_MAX], pf[BDF_SIZE];

	out[0] = '\0';
	if (device_link_name(bdf, "physfn", name, sizeof(name)) == 0 &&
	    parse_bdf(name, pf) == 0)
		copy_string(out, size, pf);
}

static int read_device_int(const char *bdf, const char *file)
{
	char path[PATH_MAX];

	sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return read_int_file(path);
}

void device_read_info(const char *bdf, struct device_info *info)
{
	char path[PATH_MAX];

	memset(info, 0, sizeof(*info));
	copy_string(info->bdf, sizeof(info->bdf), bdf);
	read_id(bdf, "vendor", info->vendor, sizeof(info->vendor));
	read_id(bdf, "device", info->device, sizeof(info->device));
	device_driver(bdf, info->driver, sizeof(info->driver));
	read_physfn(bdf, info->physfn, sizeof(info->physfn));
	info->sriov_numvfs = read_device_int(bdf, "sriov_numvfs");
	info->sriov_totalvfs = read_device_int(bdf, "sriov_totalvfs");
	info->irq_count = info->irq_max = -1;
	if (strcmp(info->driver, UIO_MSI_DRIVER_NAME) != 0)
		return;
	read_uio_name(bdf, info->uio, sizeof(info->uio));
	attr_path(path, sizeof(path), bdf, UIO_MSI_ATTR_MODE);
	if (read_text(path, info->mode, sizeof(info->mode)))
		info->mode[0] = '\0';
	info->irq_count = read_attr_int(bdf, UIO_MSI_ATTR_IRQ_COUNT);
	info->irq_max = read_attr_int(bdf, UIO_MSI_ATTR_IRQ_MAX);
}

int current_driver(const char *bdf, char *out, size_t size)
{
	int err;

	if (!device_exists(bdf)) {
		msg("no PCI device %s", bdf);
		return EXIT_FAIL;
	}
	err = device_driver(bdf, out, size);
	if (err) {
		msg("%s: cannot read driver link: %s", bdf, strerror(err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int require_bound(const char *bdf)
{
	char driver[NAME_SIZE];

	if (current_driver(bdf, driver, sizeof(driver)))
		return EXIT_FAIL;
	if (strcmp(driver, UIO_MSI_DRIVER_NAME) == 0)
		return EXIT_OK;
	if (!driver_loaded())
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME
		    ": the driver is not loaded (try 'modprobe "
		    UIO_MSI_DRIVER_NAME "')", bdf);
	else if (driver[0])
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME
		    " (driver: %s); run '" PROG_NAME " bind %s' first",
		    bdf, driver, bdf);
	else
		msg("%s is not bound to " UIO_MSI_DRIVER_NAME
		    " (no driver); run '" PROG_NAME " bind %s' first",
		    bdf, bdf);
	return EXIT_FAIL;
}

void report_write_error(const char *bdf, const char *what, int err)
{
	switch (err) {
	case EPERM:
		msg("permission denied: writing " UIO_MSI_DRIVER_NAME
		    " attributes needs CAP_SYS_RAWIO");
		break;
	case EACCES:
		msg("permission denied: cannot open the " UIO_MSI_DRIVER_NAME
		    " attributes of %s for writing (run as root)", bdf);
		break;
	case ENODEV:
	case ENOENT:
		msg("%s: device went away (removed or unbound from "
		    UIO_MSI_DRIVER_NAME ")", bdf);
		break;
	case ENOSPC:
		msg("%s: no free interrupt vectors left in the system (ENOSPC)",
		    what);
		break;
	default:
		msg("%s: %s", what, strerror(err));
		break;
	}
}

void report_attr_write_error(const char *bdf, const char *attr,
			     const char *what, int err)
{
	char path[PATH_MAX];

	if (err == ENOENT) {
		sys_path(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf,
			 UIO_MSI_ATTR_GROUP);
		if (is_dir(path)) {
			msg("%s: the loaded " UIO_MSI_DRIVER_NAME
			    " module has no %s attribute (an older version?)",
			    bdf, attr);
			return;
		}
	}
	report_write_error(bdf, what, err);
}
