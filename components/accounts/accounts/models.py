"""Accounts and the refresh tokens issued to them: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from core.events import RecordsEvents
from core.interfaces import Message
from core.security import ADMIN_SCOPE, Principal

VERIFICATION_REQUESTED = "account.verification_requested"
PASSWORD_RESET_REQUESTED = "account.password_reset_requested"  # noqa: S105 (an event type)


@dataclass(eq=False)
class Account(RecordsEvents):
    """Someone who may call the API: with a password, or federated from an OIDC issuer.

    Federated accounts are known by (identity_issuer, identity_subject) and may have no email.
    `email_verified_at` is set once the owner of the address followed a mailed link. Records
    `account.verification_requested` and `account.password_reset_requested`: the worker
    mails the links, so the request never waits on (or fails with) the mail relay.
    """

    id: UUID
    email: str | None
    full_name: str | None
    password_hash: str | None
    scopes: frozenset[str]
    disabled: bool
    created_at: datetime
    updated_at: datetime
    identity_issuer: str | None = None
    identity_subject: str | None = None
    version: int = 1
    email_verified_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        email: str,
        full_name: str | None,
        password_hash: str | None,
        scopes: frozenset[str],
        now: datetime,
    ) -> Account:
        return cls(
            id=uuid4(),
            email=email.lower(),
            full_name=full_name,
            password_hash=password_hash,
            scopes=scopes,
            disabled=False,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_admin(self) -> bool:
        return ADMIN_SCOPE in self.scopes

    def principal(self, token_scopes: frozenset[str]) -> Principal:
        """The caller as of now: a token never grants more than the account still holds."""
        return Principal(account_id=self.id, scopes=token_scopes & self.scopes)

    def grantable(self, requested: frozenset[str] | None) -> frozenset[str]:
        """The scopes a new token may carry: what was asked for, within what is held."""
        return self.scopes if not requested else requested & self.scopes

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def request_verification(self, now: datetime) -> bool:
        """Ask the worker to mail a verification link; False when there is nothing to verify."""
        if self.email is None or self.email_verified:
            return False
        self._record(VERIFICATION_REQUESTED, now)
        return True

    def verify_email(self, email: str, now: datetime) -> bool:
        """Mark the address verified when it is still the account's and not verified yet."""
        if self.email != email or self.email_verified:
            return False
        self.email_verified_at = now
        self.version += 1
        self.updated_at = now
        return True

    def request_password_reset(self, now: datetime) -> bool:
        """Ask the worker to mail a reset link; only to a live account that has a password."""
        if self.email is None or self.password_hash is None or self.disabled:
            return False
        self._record(PASSWORD_RESET_REQUESTED, now)
        return True

    def set_password(self, password_hash: str, now: datetime) -> None:
        """A new password; following the mailed link proved the address too."""
        self.password_hash = password_hash
        self.email_verified_at = self.email_verified_at or now
        self.version += 1
        self.updated_at = now

    def _record(self, event_type: str, now: datetime) -> None:
        # Who and where to, never a secret: the worker makes the link when it sends the mail.
        payload = {"account_id": str(self.id), "email": self.email}
        self.record_event(
            Message(type=event_type, data=payload, occurred_at=now, audience=str(self.id))
        )

    def change(
        self, *, now: datetime, scopes: frozenset[str] | None = None, disabled: bool | None = None
    ) -> bool:
        """Apply an administrator's change; True when anything changed."""
        changed = False
        if scopes is not None and scopes != self.scopes:
            self.scopes, changed = scopes, True
        if disabled is not None and disabled != self.disabled:
            self.disabled, changed = disabled, True
        if changed:
            self.version += 1
            self.updated_at = now
        return changed


@dataclass(eq=False)
class RefreshToken:
    """One single-use refresh token; its family is every token rotated from the same login."""

    id: UUID
    account_id: UUID
    family_id: UUID
    token_hash: str
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
