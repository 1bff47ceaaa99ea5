#!/usr/bin/python3
"""Bind eventfds to many vectors and hold them.

Usage: bind-many.py EVENTFD_ATTRIBUTE FIRST LAST [--block-read]

Creates one eventfd per vector FIRST..LAST and binds it by writing
"VEC FD" to EVENTFD_ATTRIBUTE, stopping at the first failure.  Prints one
line, "bound N" or "bound N failed VEC ERRNO_NAME", then holds the
eventfds until killed (with --block-read: blocked in read() on the first
one, as a user-space driver waiting for an interrupt would be).
"""
import errno
import os
import signal
import sys


def main():
    path, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    block_read = "--block-read" in sys.argv[4:]
    fds = []
    failure = ""
    attr = os.open(path, os.O_WRONLY)
    for vec in range(first, last + 1):
        efd = os.eventfd(0)
        try:
            os.write(attr, f"{vec} {efd}".encode())
        except OSError as err:
            os.close(efd)
            failure = f" failed {vec} {errno.errorcode[err.errno]}"
            break
        fds.append(efd)
    os.close(attr)
    print(f"bound {len(fds)}{failure}", flush=True)
    if block_read and fds:
        os.read(fds[0], 8)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
