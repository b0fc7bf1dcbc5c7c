"""The links mailed to people: signed, expiring tokens that work once.

A link token is a JWT signed by the server's own key (the TokenCodec of access tokens) with
an audience of its purpose, so it is never mistaken for an access token nor for the other
kind of link. It is made by the worker when the mail goes out and stored nowhere. It works
once because it is bound to what using it changes: a verification link names the address,
which is then verified; a reset link names a fingerprint of the current password hash,
which the reset replaces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from accounts.errors import InvalidLink
from accounts.settings import TOKEN_PLACEHOLDER
from core.interfaces.tokens import InvalidToken, TokenCodec


class LinkPurpose(StrEnum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose, not a password)


@dataclass(frozen=True)
class LinkClaims:
    account_id: UUID
    binding: str  # the address to verify, or the fingerprint of the password to replace


def password_fingerprint(password_hash: str) -> str:
    """Changes whenever the password does; reveals nothing of the (salted) hash."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class MailedLinks:
    """Makes and checks the links of the mails: where they point and how long they last."""

    codec: TokenCodec
    issuer: str
    audience: str
    verify_email_url: str
    password_reset_url: str
    verify_email_ttl: timedelta
    password_reset_ttl: timedelta

    def verification_link(self, account_id: UUID, email: str, now: datetime) -> str:
        token = self._sign(LinkPurpose.VERIFY_EMAIL, account_id, email, now)
        return self.verify_email_url.replace(TOKEN_PLACEHOLDER, token)

    def password_reset_link(self, account_id: UUID, password_hash: str, now: datetime) -> str:
        binding = password_fingerprint(password_hash)
        token = self._sign(LinkPurpose.RESET_PASSWORD, account_id, binding, now)
        return self.password_reset_url.replace(TOKEN_PLACEHOLDER, token)

    def ttl(self, purpose: LinkPurpose) -> timedelta:
        if purpose is LinkPurpose.VERIFY_EMAIL:
            return self.verify_email_ttl
        return self.password_reset_ttl

    def claims(self, token: str, purpose: LinkPurpose) -> LinkClaims:
        """The claims of a link of this purpose; InvalidLink when forged, expired or another's."""
        try:
            claims = self.codec.decode(token, audience=self._audience(purpose), issuer=self.issuer)
            return LinkClaims(account_id=UUID(str(claims["sub"])), binding=str(claims["bind"]))
        except (InvalidToken, KeyError, ValueError):
            raise InvalidLink from None

    def _sign(self, purpose: LinkPurpose, account_id: UUID, binding: str, now: datetime) -> str:
        issued_at = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self._audience(purpose),
            "sub": str(account_id),
            "iat": issued_at,
            "exp": issued_at + int(self.ttl(purpose).total_seconds()),
            "jti": str(uuid4()),
            "bind": binding,
        }
        return self.codec.encode(claims)

    def _audience(self, purpose: LinkPurpose) -> str:
        return f"{self.audience}:{purpose.value}"
