"""Access tokens (signed JWTs) and refresh tokens (opaque secrets stored as hashes)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from core.interfaces.tokens import InvalidToken, TokenCodec


def hash_refresh_token(secret: str) -> str:
    """Refresh tokens are high-entropy secrets: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    account_id: UUID
    scopes: frozenset[str]


@dataclass(frozen=True)
class TokenService:
    """Our own tokens: issuer, audience and lifetimes fixed once from settings."""

    codec: TokenCodec
    issuer: str
    audience: str
    access_ttl: timedelta
    refresh_ttl: timedelta

    def access_token(self, account_id: UUID, scopes: frozenset[str], now: datetime) -> str:
        issued_at = int(now.timestamp())
        return self.codec.encode(
            {
                "iss": self.issuer,
                "aud": self.audience,
                "sub": str(account_id),
                "iat": issued_at,
                "exp": issued_at + int(self.access_ttl.total_seconds()),
                "jti": str(uuid4()),
                "scope": " ".join(sorted(scopes)),
            }
        )

    def verify_access_token(self, token: str) -> AccessClaims:
        claims = self.codec.decode(token, audience=self.audience, issuer=self.issuer)
        return AccessClaims(account_id=_account_id(claims), scopes=_scopes(claims))

    @staticmethod
    def new_refresh_secret() -> str:
        return secrets.token_urlsafe(32)


def _account_id(claims: dict[str, Any]) -> UUID:
    try:
        return UUID(str(claims["sub"]))
    except (KeyError, ValueError):
        raise InvalidToken("The token's subject is not an account id.") from None


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise InvalidToken("The token's scope claim is not a string.")
    return frozenset(scope.split())
