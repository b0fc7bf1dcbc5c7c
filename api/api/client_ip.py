"""The caller's IP address: the TCP peer's, or the one a trusted proxy says it forwarded.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the peer
is one of our own proxies, and then only up to the right-most address no trusted proxy wrote:
everything left of it came from the client and may be forged. uvicorn's ProxyHeadersMiddleware
does exactly that walk; this module only configures it and refuses settings that would make it
trust everybody.

uvicorn and gunicorn apply the same middleware themselves, trusting loopback by default
(`--forwarded-allow-ips`, `FORWARDED_ALLOW_IPS`). Keep the app the one place that decides:
run `uvicorn --no-proxy-headers` and `gunicorn --forwarded-allow-ips ''`, or set the server's
list to exactly the app's.
"""

from __future__ import annotations

import hashlib
import ipaddress

from fastapi import FastAPI, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# Every address of one IPv6 /64 belongs to one subscriber: counting them apart would hand a
# single client 2**64 budgets.
IPV6_SUBSCRIBER_PREFIX = 64


def install_client_ip(app: FastAPI, trusted_proxies: tuple[str, ...] = ()) -> None:
    """Believe `X-Forwarded-For` and `X-Forwarded-Proto` from these addresses or CIDRs only.

    Call it after every other `add_middleware`, so the real client is known to all of them.
    With no trusted proxy nothing is installed and the headers are ignored.
    """
    for proxy in trusted_proxies:
        _check_proxy(proxy)
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))


def _check_proxy(proxy: str) -> None:
    # uvicorn silently turns an unparsable entry into a literal that never matches, and "*"
    # into trust-everyone, which would let any client choose its own address.
    try:
        ipaddress.ip_network(proxy)
    except ValueError:
        raise ValueError(
            f"trusted proxy {proxy!r} is not an IP address or a CIDR network "
            "(such as 10.0.0.7 or 10.0.0.0/8)"
        ) from None


def client_host(request: Request) -> str:
    """The client's address as the server (and a trusted proxy) saw it; empty when unknown."""
    return request.client.host if request.client else ""


def address_bucket(host: str) -> str:
    """A stable name for the client behind `host`: IPv4 as is, IPv6 by its /64 network.

    Anything that is not an IP address (a Unix socket peer, a forged header behind a proxy
    that trusts every hop) is hashed, so it cannot grow keys without bound.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "other-" + hashlib.sha256(host.encode()).hexdigest()[:16]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_SUBSCRIBER_PREFIX}", strict=False))
    return str(address)
