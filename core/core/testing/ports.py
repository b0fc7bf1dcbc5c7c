"""Ports for servers that tests and benchmarks start."""

from __future__ import annotations

import random
import socket
from contextlib import closing
from pathlib import Path

# Where the kernel picks the source ports of outgoing connections (Linux's default range).
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_DEFAULT_EPHEMERAL_LOW = 32768
_LOWEST = 10_000
_TRIES = 100
# Unseeded by anything else, and each port handed out once a process.
_RANDOM = random.SystemRandom()
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, below the ephemeral range.

    A port the kernel hands out for `bind(0)` comes from the range it also gives outgoing
    connections: any connection opened between this probe and the server's own bind (a
    database pool, a test client) can take it, and the server fails with "Address already
    in use". Below that range only a listener can take it.
    """
    candidates = sorted(set(range(_LOWEST, _ephemeral_low())) - _HANDED_OUT)
    for port in _RANDOM.sample(candidates, min(_TRIES, len(candidates))):
        with closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise OSError(f"no free port found between {_LOWEST} and the ephemeral range")


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _DEFAULT_EPHEMERAL_LOW
