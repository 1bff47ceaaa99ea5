#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Send UDP flows from a kernel interface to a DPDK port, count what comes back.

Usage: traffic.py IFNAME DST_MAC FLOWS [FIRST_SPORT]

Sends one IPv4/UDP frame for each of FLOWS flows (source ports
FIRST_SPORT, FIRST_SPORT + 1, ...; destination 1.1.1.1, which
dpdk-l3fwd-power routes to port 0) from IFNAME (AF_PACKET) to DST_MAC,
10 ms apart, then collects for 2 s the frames that come back from
DST_MAC carrying this run's tag, and prints "sent N received M", then
how many of those came back with a wrong IPv4 header checksum and their
TTLs (dpdk-l3fwd-power decrements the TTL; on NICs without IPv4 Rx
checksum offload it sends a wrong checksum: see tests/dpdk/netns-run).  The
host's tap devices spread the flows over the port's Rx queues by their
hash, so the flows reach every queue.
"""
import os
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src_mac, dst_mac, sport, tag):
    payload = tag + struct.pack("!H", sport)
    udp_len = 8 + len(payload)
    udp = struct.pack("!HHHH", sport, 9, udp_len, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64,
                     socket.IPPROTO_UDP, 0, bytes([10, 0, 0, 2]),
                     bytes([1, 1, 1, 1]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + struct.pack("!H", ETH_P_IP) + ip + udp


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    ifname, dst, flows = sys.argv[1], mac_bytes(sys.argv[2]), int(sys.argv[3])
    first = int(sys.argv[4]) if len(sys.argv) == 5 else 10000
    with open("/sys/class/net/%s/address" % ifname) as f:
        src = mac_bytes(f.read().strip())
    tag = b"uio-msi-dpdk-" + os.urandom(4).hex().encode()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((ifname, 0))
    s.setblocking(False)
    for i in range(flows):
        s.send(frame(src, dst, first + i, tag))
        time.sleep(0.01)

    got = set()
    bad_csum = 0
    ttls = set()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and len(got) < flows:
        try:
            data = s.recv(2048)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        if data[6:12] != dst:
            continue
        at = data.find(tag)
        if at >= 0:
            sport = data[at + len(tag):at + len(tag) + 2]
            if sport in got:
                continue
            got.add(sport)
            ip = data[14:34]
            ttls.add(ip[8])
            if checksum(ip) != 0:
                bad_csum += 1
    print("sent %d received %d (wrong IPv4 checksum %d, TTL %s)"
          % (flows, len(got), bad_csum,
             ",".join(str(t) for t in sorted(ttls)) or "-"))


if __name__ == "__main__":
    main()
