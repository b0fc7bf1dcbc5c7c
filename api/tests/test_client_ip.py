"""X-Forwarded-For is believed only from trusted proxies, and never past the first untrusted hop."""

import httpx
import pytest
from fastapi import FastAPI, Request

from api.client_ip import address_bucket, client_host, install_client_ip

PROXIES = ("10.0.0.0/8", "192.0.2.10")


def _app(trusted: tuple[str, ...]) -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str]:
        return {"host": client_host(request), "scheme": request.url.scheme}

    install_client_ip(app, trusted)
    return app


async def _whoami(app: FastAPI, peer: str, headers: dict[str, str]) -> dict[str, str]:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/whoami", headers=headers)
    response.raise_for_status()
    seen: dict[str, str] = response.json()
    return seen


async def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    seen = await _whoami(
        _app(PROXIES),
        "203.0.113.7",
        {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"},
    )

    assert seen == {"host": "203.0.113.7", "scheme": "http"}


async def test_behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() -> None:
    seen = await _whoami(
        _app(PROXIES),
        "10.0.0.5",
        {"X-Forwarded-For": "198.51.100.1, 192.0.2.10, 10.1.2.3", "X-Forwarded-Proto": "https"},
    )

    assert seen == {"host": "198.51.100.1", "scheme": "https"}


async def test_a_spoofed_left_most_address_does_not_win() -> None:
    # The client wrote 1.2.3.4 itself; the proxy appended the address it really came from.
    seen = await _whoami(_app(PROXIES), "10.0.0.5", {"X-Forwarded-For": "1.2.3.4, 198.51.100.1"})

    assert seen["host"] == "198.51.100.1"


async def test_without_trusted_proxies_forwarded_for_is_ignored_even_from_loopback() -> None:
    seen = await _whoami(_app(()), "127.0.0.1", {"X-Forwarded-For": "198.51.100.1"})

    assert seen["host"] == "127.0.0.1"


@pytest.mark.parametrize("proxy", ["*", "proxy.internal", "10.0.0.1/8", ""])
def test_refuses_proxies_that_are_not_addresses_or_networks(proxy: str) -> None:
    with pytest.raises(ValueError, match="not an IP address or a CIDR network"):
        install_client_ip(FastAPI(), (proxy,))


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_address_bucket_groups_an_ipv6_subscriber(host: str, bucket: str) -> None:
    assert address_bucket(host) == bucket


def test_address_bucket_hashes_what_is_not_an_address() -> None:
    bucket = address_bucket("x" * 5000)

    assert bucket.startswith("other-")
    assert len(bucket) < 30
    assert bucket != address_bucket("y" * 5000)
