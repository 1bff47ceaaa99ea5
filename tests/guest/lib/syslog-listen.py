#!/usr/bin/python3
"""Usage: syslog-listen.py SOCKET OUTPUT

Stand in for the system logger, which the test guest lacks: bind the unix
datagram socket SOCKET (e.g. /dev/log, where logger(1) writes) and append
each message to OUTPUT as one line "FACILITY.SEVERITY TAG: TEXT", e.g.
"daemon.warning uio-msi: ...", without the timestamp.  Newlines inside a
message become spaces.  Runs until killed; removes SOCKET on SIGTERM.
"""

import os
import re
import signal
import socket
import sys

FACILITIES = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr",
              "news", "uucp", "cron", "authpriv", "ftp", "ntp", "security",
              "console", "solaris-cron"] + [f"local{i}" for i in range(8)]
SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info",
              "debug"]
# "<PRI>" then, from logger(1) on a local socket, "Mmm dd hh:mm:ss ".
HEADER = re.compile(rb"^<(\d{1,3})>(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?")


def format_message(data):
    match = HEADER.match(data)
    if not match:
        return "?.? " + data.decode(errors="replace")
    pri = int(match.group(1))
    facility = FACILITIES[pri >> 3] if pri >> 3 < len(FACILITIES) else "?"
    text = data[match.end():].decode(errors="replace").rstrip("\n")
    return f"{facility}.{SEVERITIES[pri & 7]} {text}".replace("\n", " ")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, output = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    sock.bind(path)

    def stop(_signum, _frame):
        os.unlink(path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    with open(output, "a", encoding="utf-8") as out:
        while True:
            out.write(format_message(sock.recv(65536)) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
