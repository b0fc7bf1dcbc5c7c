"""Who is calling: the principal every use case is given, and the port that finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from core.errors import Unauthenticated

ADMIN_SCOPE = "accounts:admin"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and the scopes it may use in this request."""

    account_id: UUID
    scopes: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN_SCOPE in self.scopes

    def may_see(self, owner_id: UUID | None) -> bool:
        """Owners see their own records; admins see every record."""
        return self.is_admin or owner_id == self.account_id


class Authenticator(Protocol):
    """Turns a bearer token into a principal; raises core.errors.Unauthenticated otherwise."""

    async def authenticate(self, token: str) -> Principal: ...


class PrincipalDirectory(Protocol):
    """Names an account's principal without credentials, for callers the server already trusts.

    Only local operators get one (the `armature` command line, which holds the database's
    credentials anyway); raises a core.errors.DomainError for an unknown or disabled account.
    """

    async def principal_for(self, username: str) -> Principal: ...


class NoAuthenticator:
    """Used when no component provides an authenticator: every token is refused."""

    async def authenticate(self, token: str) -> Principal:
        raise Unauthenticated("No identity provider is enabled on this server.")
