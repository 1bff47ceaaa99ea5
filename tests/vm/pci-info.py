#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print interrupt facts of a PCI device from its sysfs config space.

Usage: pci-info.py BDF

Output, one "key value" per line:
  id VVVV:DDDD      vendor and device
  pin N             interrupt pin (0 = none, 1 = INTA, ...)
  msi N             MSI vectors the device can request (absent: no MSI)
  msix N            MSI-X table size (absent: no MSI-X)
  msix_enabled 0|1
  driver NAME       bound driver ("-" if none)
"""
import os
import struct
import sys

CAP_MSI = 0x05
CAP_MSIX = 0x11


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dev = f"/sys/bus/pci/devices/{sys.argv[1]}"
    with open(f"{dev}/config", "rb") as f:
        cfg = f.read(256)
    vendor, device = struct.unpack_from("<HH", cfg, 0)
    print(f"id {vendor:04x}:{device:04x}")
    print(f"pin {cfg[0x3d]}")
    status = struct.unpack_from("<H", cfg, 0x06)[0]
    if status & 0x10:  # capability list present
        pos = cfg[0x34] & 0xFC
        seen = set()
        while pos and pos not in seen:
            seen.add(pos)
            cap_id, nxt = cfg[pos], cfg[pos + 1]
            ctrl = struct.unpack_from("<H", cfg, pos + 2)[0]
            if cap_id == CAP_MSI:
                print(f"msi {1 << ((ctrl >> 1) & 7)}")
            elif cap_id == CAP_MSIX:
                print(f"msix {(ctrl & 0x7FF) + 1}")
                print(f"msix_enabled {int(bool(ctrl & 0x8000))}")
            pos = nxt & 0xFC
    link = f"{dev}/driver"
    print("driver", os.path.basename(os.readlink(link)) if os.path.exists(link) else "-")


if __name__ == "__main__":
    main()
