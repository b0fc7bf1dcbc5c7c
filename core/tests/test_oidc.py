"""The OIDC verifier against a real local provider that publishes, rotates and serves its keys."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections import Counter

import httpx
import pytest

from api.testing_oidc import AUDIENCE, COOLDOWN, TTL, FakeClock, FakeProvider, oidc_verifier
from core.adapters.oidc import OidcTokenVerifier, TrustedIssuer
from core.interfaces.tokens import InvalidToken
from core.testing.ports import free_port


@pytest.fixture
def verifier(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> OidcTokenVerifier:
    return oidc_verifier(http_client, provider.issuer, clock)


@pytest.mark.parametrize("publish_alg", [True, False], ids=["jwk-alg", "header-alg"])
async def test_valid_token_is_verified(
    verifier: OidcTokenVerifier, provider: FakeProvider, publish_alg: bool
) -> None:
    provider.publish_alg = publish_alg

    claims = await verifier.verify(provider.token(sub="ada", email="ada@example.com"))

    assert claims["sub"] == "ada"
    assert claims["email"] == "ada@example.com"
    assert claims["iss"] == provider.issuer


def forgeries(provider: FakeProvider) -> dict[str, str]:
    now = int(time.time())
    kid = provider.key.public.kid
    public_pem = provider.key.public_pem
    return {
        "wrong audience": provider.token(aud="someone-else"),
        "wrong issuer": provider.token(iss="https://evil.example"),
        "expired": provider.token(iat=now - 600, exp=now - 60),
        "nbf in the future": provider.token(nbf=now + 120),
        "no subject": provider.token(sub=None),
        "no expiry": provider.token(exp=None),
        "missing kid": provider.token(headers={}),
        "kid not in the JWKS": provider.token(headers={"kid": "not-published"}),
        "foreign key under the provider's kid": provider.token(
            key=provider.stranger, headers={"kid": kid}
        ),
        "HS256 with the public key as secret": provider.hand_signed(
            {"alg": "HS256", "kid": kid},
            lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
        ),
        "alg none": provider.hand_signed({"alg": "none", "kid": kid}, lambda _: b""),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize("publish_alg", [True, False], ids=["jwk-alg", "header-alg"])
@pytest.mark.parametrize(
    "case",
    [
        "wrong audience",
        "wrong issuer",
        "expired",
        "nbf in the future",
        "no subject",
        "no expiry",
        "missing kid",
        "kid not in the JWKS",
        "foreign key under the provider's kid",
        "HS256 with the public key as secret",
        "alg none",
        "garbage",
    ],
)
async def test_bad_token_is_invalid(
    verifier: OidcTokenVerifier, provider: FakeProvider, case: str, publish_alg: bool
) -> None:
    provider.publish_alg = publish_alg
    await verifier.verify(provider.token())  # the same verifier accepts a good token

    with pytest.raises(InvalidToken):
        await verifier.verify(forgeries(provider)[case])


async def test_algorithm_outside_the_issuers_allow_list_is_invalid(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> None:
    only_es256 = OidcTokenVerifier(
        http_client,
        [TrustedIssuer(issuer=provider.issuer, audience=AUDIENCE, algorithms=frozenset({"ES256"}))],
        clock=clock,
    )

    with pytest.raises(InvalidToken, match="algorithm"):
        await only_es256.verify(provider.token())


@pytest.mark.parametrize("header_alg", ["HS256", "ES256"])
async def test_algorithm_that_does_not_fit_the_key_is_refused_even_when_allowed(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock, header_alg: str
) -> None:
    provider.publish_alg = False  # the header alone names the algorithm
    careless = OidcTokenVerifier(
        http_client,
        [TrustedIssuer(provider.issuer, AUDIENCE, frozenset({"RS256", "ES256", "HS256"}))],
        clock=clock,
    )
    secret = provider.key.public_pem
    token = provider.hand_signed(
        {"alg": header_alg, "kid": provider.key.public.kid},
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )

    with pytest.raises(InvalidToken, match="algorithm"):
        await careless.verify(token)


async def test_discovery_naming_another_issuer_is_not_trusted(
    verifier: OidcTokenVerifier, provider: FakeProvider
) -> None:
    provider.discovery_issuer = "https://impostor.example"

    with pytest.raises(InvalidToken, match="unavailable"):
        await verifier.verify(provider.token())
    assert provider.hits["jwks"] == 0


async def test_rotated_key_is_accepted_after_exactly_one_refetch(
    verifier: OidcTokenVerifier, provider: FakeProvider, clock: FakeClock
) -> None:
    old_token = provider.token()
    await verifier.verify(old_token)
    clock.advance(COOLDOWN)

    provider.rotate()
    claims = await verifier.verify(provider.token(sub="after-rotation"))

    assert claims["sub"] == "after-rotation"
    assert provider.hits["jwks"] == 2
    with pytest.raises(InvalidToken, match="no key"):
        await verifier.verify(old_token)  # its key is no longer published
    assert provider.hits["jwks"] == 2


async def test_unknown_kid_refetches_at_most_once_per_cooldown(
    verifier: OidcTokenVerifier, provider: FakeProvider, clock: FakeClock
) -> None:
    await verifier.verify(provider.token())
    clock.advance(COOLDOWN)
    unknown = provider.token(headers={"kid": "never-published"})

    with pytest.raises(InvalidToken):
        await verifier.verify(unknown)
    clock.advance(COOLDOWN - 1)
    with pytest.raises(InvalidToken):
        await verifier.verify(unknown)
    assert provider.hits["jwks"] == 2, "the second unknown kid fell inside the cooldown"

    clock.advance(1)
    with pytest.raises(InvalidToken):
        await verifier.verify(unknown)
    assert provider.hits["jwks"] == 3


async def test_keys_are_refetched_after_the_ttl(
    verifier: OidcTokenVerifier, provider: FakeProvider, clock: FakeClock
) -> None:
    token = provider.token()
    await verifier.verify(token)
    clock.advance(TTL - 1)
    await verifier.verify(token)
    assert provider.hits["jwks"] == 1

    clock.advance(1)
    await verifier.verify(token)

    assert provider.hits == Counter({"discovery": 2, "jwks": 2})


async def test_concurrent_verifications_on_a_cold_cache_fetch_once(
    verifier: OidcTokenVerifier, provider: FakeProvider
) -> None:
    tokens = [provider.token(sub=f"user-{n}") for n in range(20)]

    claims = await asyncio.gather(*(verifier.verify(token) for token in tokens))

    assert [c["sub"] for c in claims] == [f"user-{n}" for n in range(20)]
    assert provider.hits == Counter({"discovery": 1, "jwks": 1})


async def test_unreachable_provider_makes_the_token_invalid(
    http_client: httpx.AsyncClient, provider: FakeProvider, clock: FakeClock
) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    verifier = oidc_verifier(http_client, nobody_listens, clock)

    with pytest.raises(InvalidToken, match="unavailable"):
        await verifier.verify(provider.token(iss=nobody_listens))


async def test_failing_provider_is_not_asked_again_inside_the_cooldown(
    verifier: OidcTokenVerifier, provider: FakeProvider, clock: FakeClock
) -> None:
    provider.failing = True
    for _ in range(3):
        with pytest.raises(InvalidToken, match="unavailable"):
            await verifier.verify(provider.token())
    assert provider.hits["discovery"] == 1

    provider.failing = False
    clock.advance(COOLDOWN)

    assert (await verifier.verify(provider.token()))["sub"] == "user-1"


async def test_keys_past_their_ttl_are_dropped_when_the_provider_fails(
    verifier: OidcTokenVerifier, provider: FakeProvider, clock: FakeClock
) -> None:
    token = provider.token()
    await verifier.verify(token)
    provider.failing = True
    clock.advance(TTL)

    with pytest.raises(InvalidToken, match="unavailable"):
        await verifier.verify(token)


def test_trusts_only_the_configured_issuers(
    verifier: OidcTokenVerifier, provider: FakeProvider
) -> None:
    assert verifier.trusts(provider.issuer)
    assert not verifier.trusts(f"{provider.issuer}/")
    assert not verifier.trusts("https://evil.example")


async def test_keys_past_their_ttl_are_refused_even_inside_a_failed_refetchs_cooldown(
    verifier: OidcTokenVerifier, provider: FakeProvider, clock: FakeClock
) -> None:
    token = provider.token()
    await verifier.verify(token)
    provider.failing = True
    clock.advance(TTL - 10)
    with pytest.raises(InvalidToken, match="no key"):
        await verifier.verify(provider.token(headers={"kid": "new"}))  # a refetch that fails
    assert (await verifier.verify(token))["sub"] == "user-1"  # the cached keys still serve

    clock.advance(10)

    with pytest.raises(InvalidToken, match="unavailable"):
        await verifier.verify(token)
