"""The signing keys of trusted OIDC issuers: discovered, fetched and cached, shared by workers.

Each issuer's discovery document and key set live in the `Cache` port under `oidc:`, so with
Redis every worker and instance shares one copy and a fleet asks a provider once per TTL.
Each process keeps its own copy too: it serves while it is fresh and names the wanted `kid`,
and it stands in whenever the cache fails. Freshness counts from when the keys were fetched
(on a wall clock every process shares), wherever they were fetched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from core.interfaces.cache import Cache, CacheUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_PREFIX = "oidc:"


class ProviderUnavailable(Exception):
    """The provider's discovery document or key set could not be fetched or made sense of."""


@dataclass(frozen=True)
class KeySet:
    """An issuer's signature keys by `kid`, and when they were fetched."""

    by_kid: Mapping[str, dict[str, Any]]
    fetched_at: float


NO_KEYS = KeySet({}, float("-inf"))


@dataclass(frozen=True)
class _Discovery:
    document: dict[str, Any]
    jwks_uri: str
    fetched_at: float


@dataclass
class _IssuerState:
    """This process's copy of one issuer's documents, and when it last asked the provider."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    keys: KeySet = NO_KEYS
    discovery: _Discovery | None = None
    attempted_at: float = float("-inf")


class IssuerKeys:
    """The current keys of each issuer, asking its provider at most once per cooldown."""

    def __init__(
        self,
        http_client: httpx.AsyncClient,
        cache: Cache,
        issuers: Iterable[str],
        *,
        ttl_seconds: float,
        cooldown_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        self._http = http_client
        self._cache = cache
        self._states = {issuer: _IssuerState() for issuer in issuers}
        self._ttl = ttl_seconds
        self._cooldown = cooldown_seconds
        self._clock = clock

    def fresh(self, fetched_at: float) -> bool:
        return self._clock() - fetched_at < self._ttl

    async def current(self, issuer: str, kid: str) -> KeySet:
        """The issuer's keys: ours while fresh and naming `kid`, else the shared ones, else
        the provider's (at most once per cooldown; failed attempts count too)."""
        state = self._states[issuer]
        if not self._serves(state.keys, kid):
            # One lock per issuer: concurrent verifications wait for a single in-flight fetch.
            async with state.lock:
                if not self._serves(state.keys, kid):
                    await self._reload(issuer, state, kid)
        return state.keys

    def _serves(self, keys: KeySet, kid: str) -> bool:
        return self.fresh(keys.fetched_at) and kid in keys.by_kid

    async def _reload(self, issuer: str, state: _IssuerState, kid: str) -> None:
        shared = await self._read(_cache_key(issuer, "jwks"), _decode_keys)
        if shared is not None and shared.fetched_at > state.keys.fetched_at:
            state.keys = shared
        if self._serves(state.keys, kid) or self._clock() - state.attempted_at < self._cooldown:
            return
        state.attempted_at = self._clock()
        try:
            state.keys = await self._fetch_keys(issuer, state)
        except ProviderUnavailable as exc:
            logger.warning("OIDC issuer %s: cannot fetch its keys: %s", issuer, exc)
            return
        await self._write(issuer, "jwks", {"keys": state.keys.by_kid}, state.keys.fetched_at)

    async def _fetch_keys(self, issuer: str, state: _IssuerState) -> KeySet:
        discovery = await self._discovery(issuer, state)
        try:
            keys = (await self._get_json(discovery.jwks_uri)).get("keys")
            if not isinstance(keys, list):
                raise ProviderUnavailable("its JWKS has no list of keys")
        except ProviderUnavailable:
            # The key set may have moved: discover it again on the next attempt.
            state.discovery = None
            await self._forget(_cache_key(issuer, "discovery"))
            raise
        return KeySet(_signing_keys_by_kid(keys), state.attempted_at)

    async def _discovery(self, issuer: str, state: _IssuerState) -> _Discovery:
        if state.discovery is not None and self.fresh(state.discovery.fetched_at):
            return state.discovery
        shared = await self._read(_cache_key(issuer, "discovery"), _discovery_decoder(issuer))
        if shared is not None and self.fresh(shared.fetched_at):
            state.discovery = shared
            return shared
        url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
        document = await self._get_json(url)
        state.discovery = _Discovery(document, _jwks_uri(issuer, document), state.attempted_at)
        await self._write(issuer, "discovery", {"document": document}, state.attempted_at)
        return state.discovery

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
            body = response.json() if response.is_success else None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise ProviderUnavailable(f"GET {url}: {exc!r}") from exc
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"GET {url}: HTTP {response.status_code}, no JSON object")
        return body

    async def _read(self, key: str, decode: Callable[[dict[str, Any]], T]) -> T | None:
        """The shared copy; None when absent, malformed, or the cache is unavailable."""
        try:
            raw = await self._cache.get(key)
        except CacheUnavailable as exc:
            logger.warning("OIDC cache unavailable, using this process's copy: %s", exc)
            return None
        if raw is None:
            return None
        try:
            return decode(json.loads(raw))
        except (ValueError, TypeError, KeyError, AttributeError, ProviderUnavailable):
            logger.warning("OIDC cache: ignoring a malformed entry under %s", key)
            return None

    async def _write(self, issuer: str, kind: str, body: dict[str, Any], fetched_at: float) -> None:
        value = json.dumps({**body, "fetched_at": fetched_at}).encode()
        try:
            await self._cache.set(_cache_key(issuer, kind), value, self._ttl)
        except CacheUnavailable as exc:
            logger.warning("OIDC cache unavailable, keeping the %s in this process: %s", kind, exc)

    async def _forget(self, key: str) -> None:
        try:
            await self._cache.delete(key)
        except CacheUnavailable as exc:
            logger.warning("OIDC cache unavailable, cannot drop %s: %s", key, exc)


def _cache_key(issuer: str, kind: str) -> str:
    return f"{CACHE_PREFIX}{kind}:{issuer}"


def _decode_keys(body: dict[str, Any]) -> KeySet:
    keys = body["keys"]
    if not isinstance(keys, dict) or not all(isinstance(key, dict) for key in keys.values()):
        raise ValueError("not a key set")
    return KeySet(keys, float(body["fetched_at"]))


def _discovery_decoder(issuer: str) -> Callable[[dict[str, Any]], _Discovery]:
    def decode(body: dict[str, Any]) -> _Discovery:
        document = body["document"]
        return _Discovery(document, _jwks_uri(issuer, document), float(body["fetched_at"]))

    return decode


def _jwks_uri(issuer: str, discovery: dict[str, Any]) -> str:
    """The discovery document's key set address, when the document is the issuer's own."""
    if discovery.get("issuer") != issuer:
        raise ProviderUnavailable("its discovery document names another issuer")
    jwks_uri = discovery.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not _same_security(issuer, jwks_uri):
        raise ProviderUnavailable("its discovery document has no usable jwks_uri")
    return jwks_uri


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
        kid = key.get("kid")
        kid = kid if isinstance(kid, str) else ""
        if kid in by_kid:
            ambiguous.add(kid)
        by_kid[kid] = key
    return {kid: key for kid, key in by_kid.items() if kid and kid not in ambiguous}
