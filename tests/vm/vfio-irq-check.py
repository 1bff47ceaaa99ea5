#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Fire real interrupts of the harness devices through vfio-pci.

Usage: vfio-irq-check.py ivshmem|edu BDF

The device must be bound to vfio-pci, which needs an IOMMU in the guest
(tests/vm/run with UIO_MSI_VM_IOMMU=1).  This checks the VM, not uio_msi:
that the devices raise the interrupts the uio_msi tests rely on.

ivshmem: enables every MSI-X vector with one eventfd each and rings the
own doorbell (BAR0 offset 12, one 32-bit store) v+1 times for vector v;
each eventfd must count exactly its own rings.
edu: enables its MSI with one eventfd, raises the interrupt (BAR0 0x60)
three times, acknowledging each (0x64); the eventfd must count 3.
"""
import ctypes
import fcntl
import os
import select
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

VFIO_TYPE1_IOMMU = 1
VFIO_PCI_MSI_IRQ_INDEX = 1
VFIO_PCI_MSIX_IRQ_INDEX = 2
VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2
VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5


def vfio_io(nr):
    return (ord(";") << 8) | (100 + nr)  # _IO(VFIO_TYPE, VFIO_BASE + nr)


VFIO_GET_API_VERSION = vfio_io(0)
VFIO_CHECK_EXTENSION = vfio_io(1)
VFIO_SET_IOMMU = vfio_io(2)
VFIO_GROUP_GET_STATUS = vfio_io(3)
VFIO_GROUP_SET_CONTAINER = vfio_io(4)
VFIO_GROUP_GET_DEVICE_FD = vfio_io(6)
VFIO_DEVICE_GET_REGION_INFO = vfio_io(8)
VFIO_DEVICE_SET_IRQS = vfio_io(10)

libc = ctypes.CDLL(None, use_errno=True)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def open_vfio_device(bdf):
    container = os.open("/dev/vfio/vfio", os.O_RDWR)
    if fcntl.ioctl(container, VFIO_GET_API_VERSION) != 0:
        fail("unexpected VFIO API version")
    if fcntl.ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1:
        fail("no type1 IOMMU support")
    group_no = os.path.basename(os.readlink(f"/sys/bus/pci/devices/{bdf}/iommu_group"))
    group = os.open(f"/dev/vfio/{group_no}", os.O_RDWR)
    status = bytearray(struct.pack("II", 8, 0))
    fcntl.ioctl(group, VFIO_GROUP_GET_STATUS, status)
    if not struct.unpack("II", status)[1] & 1:
        fail(f"IOMMU group {group_no} is not viable")
    fcntl.ioctl(group, VFIO_GROUP_SET_CONTAINER, struct.pack("i", container))
    fcntl.ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)
    fd = libc.ioctl(group, VFIO_GROUP_GET_DEVICE_FD, ctypes.c_char_p(bdf.encode()))
    if fd < 0:
        fail(f"VFIO_GROUP_GET_DEVICE_FD: {os.strerror(ctypes.get_errno())}")
    return fd, (container, group)


def set_irqs(dev, index, eventfds):
    n = len(eventfds)
    arg = struct.pack("IIIII", 20 + 4 * n,
                      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
                      index, 0, n) + struct.pack(f"{n}i", *eventfds)
    fcntl.ioctl(dev, VFIO_DEVICE_SET_IRQS, arg)


class Bar:
    """A BAR reached through the vfio device fd: each 4-byte pread/pwrite
    is one 32-bit access.  (Newer kernels refuse to mmap the sysfs
    resource files of a device that vfio-pci owns.)"""

    def __init__(self, dev, index):
        info = bytearray(struct.pack("IIIIQQ", 32, 0, index, 0, 0, 0))
        fcntl.ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, info)
        self.dev = dev
        self.offset = struct.unpack("IIIIQQ", info)[5]

    def read32(self, off):
        return struct.unpack("<I", os.pread(self.dev, 4, self.offset + off))[0]

    def write32(self, off, value):
        if os.pwrite(self.dev, struct.pack("<I", value), self.offset + off) != 4:
            fail("short BAR write")


def set_bus_master(bdf):
    # MSI/MSI-X messages are DMA writes: no bus mastering, no interrupt.
    fd = os.open(f"/sys/bus/pci/devices/{bdf}/config", os.O_RDWR)
    cmd = struct.unpack("<H", os.pread(fd, 2, 4))[0]
    os.pwrite(fd, struct.pack("<H", cmd | 0x4), 4)
    os.close(fd)


def drain(efd):
    try:
        return struct.unpack("Q", os.read(efd, 8))[0]
    except BlockingIOError:
        return 0


def wait_for(efd, timeout_ms=2000):
    p = select.poll()
    p.register(efd, select.POLLIN)
    p.poll(timeout_ms)


def check_ivshmem(bdf):
    info = subprocess.run([sys.executable, os.path.join(HERE, "pci-info.py"), bdf],
                          check=True, capture_output=True, text=True).stdout
    vectors = int(dict(line.split(" ", 1) for line in info.splitlines())["msix"])
    dev, _keep_open = open_vfio_device(bdf)
    efds = [os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC) for _ in range(vectors)]
    set_irqs(dev, VFIO_PCI_MSIX_IRQ_INDEX, efds)
    set_bus_master(bdf)
    bar0 = Bar(dev, 0)
    own_id = bar0.read32(8)
    ok = True
    for v in range(vectors):
        for _ in range(v + 1):
            bar0.write32(12, (own_id << 16) | v)  # the doorbell
            time.sleep(0.02)
        wait_for(efds[v])
        counts = [drain(e) for e in efds]
        want = [v + 1 if i == v else 0 for i in range(vectors)]
        good = counts == want
        ok &= good
        print(f"ivshmem vector {v}: {v + 1} rings -> {counts} {'ok' if good else 'WRONG'}")
    return ok


def check_edu(bdf):
    dev, _keep_open = open_vfio_device(bdf)
    efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
    set_irqs(dev, VFIO_PCI_MSI_IRQ_INDEX, [efd])
    set_bus_master(bdf)
    bar0 = Bar(dev, 0)
    total = 0
    for i in range(3):
        bar0.write32(0x60, 1 << i)  # raise
        wait_for(efd)
        total += drain(efd)
        bar0.write32(0x64, bar0.read32(0x24))  # acknowledge
    print(f"edu MSI: 3 raises -> {total}")
    return total == 3


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ivshmem", "edu"):
        sys.exit(__doc__)
    ok = check_ivshmem(sys.argv[2]) if sys.argv[1] == "ivshmem" else check_edu(sys.argv[2])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
