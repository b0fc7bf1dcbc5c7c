"""JWTs with python-jose over the `cryptography` backend, hardened against algorithm confusion.

python-jose accepts a public key as an HMAC secret when the accepted algorithms are not
restricted (CVE-2024-33663). Here every decode passes exactly one algorithm: the one the
token's `kid` was registered with, and only if configuration allows it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTError

from core.adapters.verified_tokens import VerifiedTokens
from core.interfaces.tokens import InvalidToken

_REQUIRED_CLAIMS = {f"require_{claim}": True for claim in ("exp", "iat", "iss", "aud", "sub")}
_CURVE_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


@dataclass(frozen=True)
class VerificationKey:
    """A public key, the one algorithm it verifies, and its RFC 7638 thumbprint as `kid`."""

    kid: str
    algorithm: str
    public_jwk: dict[str, str]


class JoseTokenCodec:
    """Signs with one private key; verifies with it and any previously published keys."""

    def __init__(
        self,
        signing_key_pem: str,
        *,
        algorithms: Iterable[str],
        previous_public_pems: Iterable[str] = (),
    ) -> None:
        self._algorithms = frozenset(algorithms)
        private_key = serialization.load_pem_private_key(signing_key_pem.encode(), password=None)
        self._signing = verification_key(private_key.public_key())
        if self._signing.algorithm not in self._algorithms:
            raise ValueError(
                f"the signing key needs {self._signing.algorithm}, which is not allowed"
            )
        self._signing_pem = signing_key_pem
        previous = (verification_key(load_public_pem(pem)) for pem in previous_public_pems)
        self._keys = {key.kid: key for key in (self._signing, *previous)}
        self._verified = VerifiedTokens()

    @property
    def algorithms(self) -> frozenset[str]:
        return self._algorithms

    @property
    def signing_kid(self) -> str:
        return self._signing.kid

    def encode(self, claims: Mapping[str, Any]) -> str:
        token: str = jwt.encode(
            dict(claims),
            self._signing_pem,
            algorithm=self._signing.algorithm,
            headers={"kid": self._signing.kid},
        )
        return token

    def decode(self, token: str, *, audience: str, issuer: str) -> dict[str, Any]:
        if (claims := self._verified.get((token, audience, issuer))) is not None:
            return claims
        key = self._key_for(token)
        claims = decode_claims(
            token, key.public_jwk, key.algorithm, audience=audience, issuer=issuer
        )
        self._verified.put((token, audience, issuer), claims)
        return claims

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.public_jwk for key in self._keys.values()]}

    def _key_for(self, token: str) -> VerificationKey:
        header = unverified_header(token)
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("The token names no key this server publishes.")
        if header.get("alg") != key.algorithm or key.algorithm not in self._algorithms:
            raise InvalidToken("The token's algorithm is not accepted.")
        return key


def unverified_header(token: str) -> dict[str, Any]:
    """The token's header, not verified yet: only to pick the key that will verify it."""
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except JWTError:
        raise InvalidToken("The token is not a well-formed JWT.") from None
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The token's claims, not verified yet: only to route it to the party that can verify it."""
    try:
        claims: dict[str, Any] = jwt.get_unverified_claims(token)
    except JWTError:
        raise InvalidToken("The token is not a well-formed JWT.") from None
    return claims


def decode_claims(
    token: str, key: Any, algorithm: str, *, audience: str, issuer: str
) -> dict[str, Any]:
    """The verified claims under exactly one algorithm; exp, iat, iss, aud and sub required."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            options=_REQUIRED_CLAIMS,
        )
    except ExpiredSignatureError as exc:
        raise InvalidToken(f"The token is not valid: {exc}", reason="expired") from None
    except JOSEError as exc:
        raise InvalidToken(f"The token is not valid: {exc}") from None
    except (TypeError, ValueError):
        # python-jose calls int() on exp, iat and nbf: a signed null or list raises TypeError.
        raise InvalidToken("The token's time claims are not numbers.") from None
    return claims


def load_public_pem(pem: str) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ValueError("only EC and RSA public keys can verify tokens")
    return key


def verification_key(public_key: object) -> VerificationKey:
    """The verification entry for an EC (ES256/384/512) or RSA (RS256) public key."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        algorithm = _CURVE_ALGORITHMS[public_key.curve.name]
    elif isinstance(public_key, rsa.RSAPublicKey):
        algorithm = "RS256"
    else:
        raise ValueError("only EC and RSA keys can sign tokens")
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    public = {name: str(value) for name, value in jwk.construct(pem, algorithm).to_dict().items()}
    kid = _thumbprint(public)
    return VerificationKey(kid, algorithm, {**public, "kid": kid, "use": "sig", "alg": algorithm})


def _thumbprint(public_jwk: Mapping[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order."""
    required = ("crv", "kty", "x", "y") if public_jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({name: public_jwk[name] for name in required}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def generate_signing_key_pem() -> str:
    """A fresh P-256 private key in PEM, for development servers and tests."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
