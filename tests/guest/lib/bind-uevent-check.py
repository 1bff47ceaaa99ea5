#!/usr/bin/python3
"""Bind a PCI device and check its attributes at the moment of the bind uevent.

Usage: bind-uevent-check.py BDF ATTRIBUTE_DIR NAME... -- BIND_COMMAND...

Subscribes to kernel uevents, runs BIND_COMMAND, and when the kernel's
"bind" uevent for BDF arrives checks that ATTRIBUTE_DIR/NAME exist for every
NAME.  Prints "present" and exits 0, or names what is missing and exits 1.
A udev rule acting on that uevent would see the same files.
"""
import os
import socket
import subprocess
import sys

NETLINK_KOBJECT_UEVENT = 15
KERNEL_GROUP = 1


def main():
    args = sys.argv[1:]
    split = args.index("--")
    bdf, attr_dir, names = args[0], args[1], args[2:split]
    command = args[split + 1:]

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                         NETLINK_KOBJECT_UEVENT)
    sock.bind((0, KERNEL_GROUP))
    sock.settimeout(30)
    # Not waited for: the check must happen as soon as the uevent is seen,
    # as udev would react, not after the bind has long finished.
    binder = subprocess.Popen(command)
    while True:
        fields = sock.recv(65536).split(b"\0")
        env = dict(f.split(b"=", 1) for f in fields[1:] if b"=" in f)
        if env.get(b"ACTION") == b"bind" and \
                env.get(b"DEVPATH", b"").endswith(b"/" + bdf.encode()):
            break
    missing = [n for n in names if not os.path.exists(os.path.join(attr_dir, n))]
    if binder.wait() != 0:
        print("bind command failed")
        return 1
    if missing:
        print("missing: " + " ".join(missing))
        return 1
    print("present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
