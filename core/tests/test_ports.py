"""Servers under test listen on ports that no outgoing connection can take meanwhile."""

import socket
from contextlib import closing
from pathlib import Path

from core.testing.ports import free_port


def test_free_ports_are_below_the_range_of_outgoing_connections_and_free() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])

    ports = {free_port() for _ in range(20)}

    assert all(port < low for port in ports), "outgoing connections take ports from that range"
    assert len(ports) > 1, "drawn at random, so two servers rarely pick the same one"
    for port in ports:
        with closing(socket.socket()) as server:
            server.bind(("127.0.0.1", port))
            server.listen()
