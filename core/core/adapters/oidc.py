"""Access tokens from external OpenID Connect providers, verified as a resource server.

Each trusted issuer's signing keys come from its discovery document and JWKS, fetched with
the process's shared HTTP client and kept in the cache (`core.adapters.oidc_keys`). A token
is verified only with the key its `kid` names (never "the first key"), under exactly one
allowed algorithm that fits that key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from jose import jwk
from jose.exceptions import JOSEError

from core.adapters.jose_tokens import decode_claims, unverified_claims, unverified_header
from core.adapters.memory_cache import InMemoryCache
from core.adapters.oidc_keys import IssuerKeys, ProviderUnavailable
from core.interfaces.cache import Cache
from core.interfaces.tokens import InvalidToken

__all__ = ["OidcTokenVerifier", "ProviderUnavailable", "TrustedIssuer"]

_KEY_TYPE_ALGORITHMS: dict[tuple[object, object], frozenset[str]] = {
    ("RSA", None): frozenset({"RS256", "RS384", "RS512"}),
    ("EC", "P-256"): frozenset({"ES256"}),
    ("EC", "P-384"): frozenset({"ES384"}),
    ("EC", "P-521"): frozenset({"ES512"}),
}


@dataclass(frozen=True)
class TrustedIssuer:
    """An identity provider whose tokens we accept, for our audience, under these algorithms."""

    issuer: str
    audience: str
    algorithms: frozenset[str] = frozenset({"RS256", "ES256"})


class OidcTokenVerifier:
    """Verifies tokens of the trusted issuers against their published, cached signing keys.

    `cache` is shared by every worker when it is Redis (the default keeps this process's
    own); `clock` is a wall clock, so that every process agrees on the keys' age.
    """

    def __init__(
        self,
        http_client: httpx.AsyncClient,
        issuers: Sequence[TrustedIssuer],
        *,
        cache: Cache | None = None,
        cache_ttl_seconds: float = 3600,
        refetch_cooldown_seconds: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = {trusted.issuer: trusted for trusted in issuers}
        self._keys = IssuerKeys(
            http_client,
            InMemoryCache() if cache is None else cache,
            self._issuers,
            ttl_seconds=cache_ttl_seconds,
            cooldown_seconds=refetch_cooldown_seconds,
            clock=clock,
        )

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
        keys = await self._keys.current(trusted.issuer, kid)
        # Fail closed: keys past their TTL may have been revoked since.
        if not self._keys.fresh(keys.fetched_at):
            raise InvalidToken("The signing keys of the token's issuer are unavailable.")
        public_jwk = keys.by_kid.get(kid)
        if public_jwk is None:
            raise InvalidToken("The token names no key its issuer publishes.")
        return public_jwk


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""


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
