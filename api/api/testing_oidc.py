"""A local OpenID Connect provider for tests: discovery and JWKS over HTTP, rotating keys.

Serve `FakeProvider().app()` (with `api.testing_servers.serve_in_thread`) and set its
`issuer` to the URL; it counts the hits on each document and can fail on demand.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.adapters.jose_tokens import VerificationKey, verification_key
from core.adapters.oidc import OidcTokenVerifier, TrustedIssuer
from core.interfaces.cache import Cache

AUDIENCE = "armature"
# What the tests' verifiers keep providers' documents for, and how rarely they refetch keys.
TTL = 3600.0
COOLDOWN = 60.0


@dataclass(frozen=True)
class SigningKey:
    public: VerificationKey
    public_pem: bytes
    # Built once: loading an RSA PEM validates the key, which costs ~40 ms per token.
    signer: Any = field(compare=False)

    @classmethod
    def generate(cls, kind: str = "rsa") -> SigningKey:
        private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "rsa"
            else ec.generate_private_key(ec.SECP256R1())
        )
        private_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        public = verification_key(private.public_key())
        signer = jwk.construct(private_pem, public.algorithm)  # type: ignore[no-untyped-call]
        return cls(public, public_pem, signer)


class FakeProvider:
    """An identity provider: discovery and JWKS over HTTP, counting hits, rotating keys."""

    def __init__(self) -> None:
        self.issuer = ""
        self.first_key = SigningKey.generate("rsa")
        self.stranger = SigningKey.generate("rsa")  # same type and alg as first_key, unpublished
        self.reset()

    def reset(self) -> None:
        self.keys = [self.first_key]
        self.hits: Counter[str] = Counter()
        self.publish_alg = True
        self.discovery_issuer: str | None = None
        self.failing = False

    @property
    def key(self) -> SigningKey:
        return self.keys[-1]

    def rotate(self) -> None:
        """Publish a new key and drop the old one."""
        self.keys = [SigningKey.generate("ec")]

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
            ]
        )

    async def _discovery(self, _: Request) -> JSONResponse:
        self.hits["discovery"] += 1
        issuer = self.discovery_issuer or self.issuer
        return self._answer({"issuer": issuer, "jwks_uri": f"{self.issuer}/jwks"})

    async def _jwks(self, _: Request) -> JSONResponse:
        self.hits["jwks"] += 1
        published = [dict(key.public.public_jwk) for key in self.keys]
        for public in published:
            if not self.publish_alg:
                del public["alg"]
        return self._answer({"keys": published})

    def _answer(self, body: dict[str, Any]) -> JSONResponse:
        if self.failing:
            return JSONResponse({"error": "down for maintenance"}, status_code=503)
        return JSONResponse(body)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """Good claims for this provider; an override of None removes the claim."""
        now = int(time.time())
        good = {"iss": self.issuer, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 300}
        return {name: value for name, value in {**good, **overrides}.items() if value is not None}

    def token(
        self, key: SigningKey | None = None, headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        key = key or self.key
        token: str = jwt.encode(  # type: ignore[no-untyped-call]
            self.claims(**claims),
            key.signer,
            algorithm=key.public.algorithm,
            headers={"kid": key.public.kid} if headers is None else headers,
        )
        return token

    def hand_signed(self, header: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
        """A token built by hand, for algorithms python-jose refuses to sign with."""
        encoded = (_b64(json.dumps(part).encode()) for part in (header, self.claims()))
        signing_input = ".".join(encoded)
        return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def oidc_verifier(
    http_client: httpx.AsyncClient, issuer: str, clock: FakeClock, cache: Cache | None = None
) -> OidcTokenVerifier:
    """A verifier trusting `issuer` for AUDIENCE, on the test's clock and (optional) cache."""
    return OidcTokenVerifier(
        http_client,
        [TrustedIssuer(issuer=issuer, audience=AUDIENCE)],
        cache=cache,
        cache_ttl_seconds=TTL,
        refetch_cooldown_seconds=COOLDOWN,
        clock=clock,
    )
