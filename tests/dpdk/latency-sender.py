#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Send timestamped frames for dpdk-wakeup-latency (tests/dpdk/bench).

Usage: latency-sender.py IFNAME DST_MAC COUNT INTERVAL_MS

Sends COUNT UDP frames from IFNAME (AF_PACKET) to DST_MAC, INTERVAL_MS
apart, each carrying "uio-msi-lat" and the CLOCK_MONOTONIC time in
nanoseconds (native byte order) taken just before it is sent.
"""
import socket
import struct
import sys
import time


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    ifname, dst = sys.argv[1], bytes(int(x, 16) for x in sys.argv[2].split(":"))
    count, interval = int(sys.argv[3]), float(sys.argv[4]) / 1000
    with open("/sys/class/net/%s/address" % ifname) as f:
        src = bytes(int(x, 16) for x in f.read().strip().split(":"))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    head = dst + src + struct.pack("!H", 0x88B5)  # local experimental EtherType
    for _ in range(count):
        s.send(head + b"uio-msi-lat" + struct.pack("=Q", time.monotonic_ns()) + bytes(32))
        time.sleep(interval)


if __name__ == "__main__":
    main()
