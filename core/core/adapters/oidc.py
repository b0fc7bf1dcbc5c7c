"""Access tokens from external OpenID Connect providers, verified as a resource server.

Each trusted issuer's signing keys come from its discovery document and JWKS, fetched with
the process's shared HTTP client and cached per issuer. A token is verified only with the key
its `kid` names (never "the first key"), under exactly one allowed algorithm that fits that key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from jose import jwk
from jose.exceptions import JOSEError

from core.adapters.jose_tokens import decode_claims, unverified_claims, unverified_header
from core.interfaces.tokens import InvalidToken

logger = logging.getLogger(__name__)

_KEY_TYPE_ALGORITHMS: dict[tuple[object, object], frozenset[str]] = {
    ("RSA", None): frozenset({"RS256", "RS384", "RS512"}),
    ("EC", "P-256"): frozenset({"ES256"}),
    ("EC", "P-384"): frozenset({"ES384"}),
    ("EC", "P-521"): frozenset({"ES512"}),
}


class ProviderUnavailable(Exception):
    """The provider's discovery document or key set could not be fetched or made sense of."""


@dataclass(frozen=True)
class TrustedIssuer:
    """An identity provider whose tokens we accept, for our audience, under these algorithms."""

    issuer: str
    audience: str
    algorithms: frozenset[str] = frozenset({"RS256", "ES256"})


@dataclass
class _IssuerState:
    """What we know of one issuer's keys, and when we last asked for them."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    attempted_at: float = float("-inf")


class OidcTokenVerifier:
    """Verifies tokens of the trusted issuers against their published, cached signing keys."""

    def __init__(
        self,
        http_client: httpx.AsyncClient,
        issuers: Sequence[TrustedIssuer],
        *,
        cache_ttl_seconds: float = 3600,
        refetch_cooldown_seconds: float = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http_client
        self._issuers = {trusted.issuer: trusted for trusted in issuers}
        self._states = {issuer: _IssuerState() for issuer in self._issuers}
        self._ttl = cache_ttl_seconds
        self._cooldown = refetch_cooldown_seconds
        self._clock = clock

    def trusts(self, issuer: str) -> bool:
        return issuer in self._issuers

    async def verify(self, token: str) -> dict[str, Any]:
        """The verified claims; InvalidToken for anything wrong, an unreachable provider too."""
        header = unverified_header(token)
        trusted = self._issuers.get(_string(unverified_claims(token).get("iss")))
        if trusted is None:
            raise InvalidToken("The token's issuer is not trusted.")
        kid = _string(header.get("kid"))
        if not kid:
            raise InvalidToken("The token names no signing key.")
        public_jwk = await self._key(trusted, kid)
        algorithm = _algorithm(trusted, _string(header.get("alg")), public_jwk)
        return decode_claims(
            token,
            _construct(public_jwk, algorithm),
            algorithm,
            audience=trusted.audience,
            issuer=trusted.issuer,
        )

    async def _key(self, trusted: TrustedIssuer, kid: str) -> dict[str, Any]:
        state = self._states[trusted.issuer]
        # One lock per issuer: concurrent verifications wait for a single in-flight fetch.
        async with state.lock:
            wanted = self._expired(state) or kid not in state.keys
            # Failed attempts count too: a down provider is not asked again on every request.
            if wanted and self._clock() - state.attempted_at >= self._cooldown:
                await self._refresh(trusted, state)
        # Fail closed: keys past their TTL may have been revoked since.
        if self._expired(state):
            raise InvalidToken("The signing keys of the token's issuer are unavailable.")
        public_jwk = state.keys.get(kid)
        if public_jwk is None:
            raise InvalidToken("The token names no key its issuer publishes.")
        return public_jwk

    def _expired(self, state: _IssuerState) -> bool:
        return self._clock() - state.fetched_at >= self._ttl

    async def _refresh(self, trusted: TrustedIssuer, state: _IssuerState) -> None:
        state.attempted_at = self._clock()
        try:
            state.keys = await self._fetch_keys(trusted.issuer)
        except ProviderUnavailable as exc:
            logger.warning("OIDC issuer %s: cannot fetch its keys: %s", trusted.issuer, exc)
            return
        state.fetched_at = state.attempted_at

    async def _fetch_keys(self, issuer: str) -> dict[str, dict[str, Any]]:
        discovery = await self._get_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
        if discovery.get("issuer") != issuer:
            raise ProviderUnavailable("its discovery document names another issuer")
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not _same_security(issuer, jwks_uri):
            raise ProviderUnavailable("its discovery document has no usable jwks_uri")
        keys = (await self._get_json(jwks_uri)).get("keys")
        if not isinstance(keys, list):
            raise ProviderUnavailable("its JWKS has no list of keys")
        return _signing_keys_by_kid(keys)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
            body = response.json() if response.is_success else None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise ProviderUnavailable(f"GET {url}: {exc!r}") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"GET {url}: HTTP {response.status_code}, no JSON object")
        return body


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


def _same_security(issuer: str, jwks_uri: str) -> bool:
    """An https issuer's keys must come over https too (plain http only for local issuers)."""
    return jwks_uri.startswith("https://") or not issuer.startswith("https://")


def _signing_keys_by_kid(keys: Iterable[object]) -> dict[str, dict[str, Any]]:
    """Signature keys by kid; keys without a kid, or sharing one, can never be chosen."""
    by_kid: dict[str, dict[str, Any]] = {}
    ambiguous: set[str] = set()
    for key in keys:
        if not isinstance(key, dict) or key.get("use", "sig") != "sig":
            continue
        kid = _string(key.get("kid"))
        if kid in by_kid:
            ambiguous.add(kid)
        by_kid[kid] = key
    return {kid: key for kid, key in by_kid.items() if kid and kid not in ambiguous}


def _algorithm(trusted: TrustedIssuer, header_alg: str, public_jwk: Mapping[str, Any]) -> str:
    """The one algorithm to verify with: the key's own `alg` when it has one, else the header's.

    Either way it must be the header's, allowed for this issuer, and fit the key's type:
    an HMAC algorithm never fits, so a public key can never serve as an HMAC secret.
    """
    algorithm = public_jwk.get("alg", header_alg)
    fits = algorithm in _fitting_algorithms(public_jwk)
    if algorithm != header_alg or algorithm not in trusted.algorithms or not fits:
        raise InvalidToken("The token's algorithm is not accepted.")
    return header_alg


def _fitting_algorithms(public_jwk: Mapping[str, Any]) -> frozenset[str]:
    key_type = public_jwk.get("kty")
    curve = public_jwk.get("crv") if key_type == "EC" else None
    return _KEY_TYPE_ALGORITHMS.get((key_type, curve), frozenset())


def _construct(public_jwk: dict[str, Any], algorithm: str) -> Any:
    """The verification key; a malformed published key refuses the token instead of failing."""
    try:
        return jwk.construct(public_jwk, algorithm)
    except (JOSEError, TypeError, ValueError):
        raise InvalidToken("The token's issuer publishes a malformed key.") from None
