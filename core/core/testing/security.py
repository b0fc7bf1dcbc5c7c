"""A fake Authenticator: tests mint tokens for any principal without an identity provider."""

from __future__ import annotations

import secrets
from uuid import UUID, uuid4

from core.errors import Unauthenticated
from core.security import Principal


class FakeAuthenticator:
    """Accepts exactly the tokens it issued, each standing for one principal."""

    def __init__(self) -> None:
        self._principals: dict[str, Principal] = {}

    def issue(self, *scopes: str, account_id: UUID | None = None) -> str:
        token = secrets.token_urlsafe(16)
        self._principals[token] = Principal(account_id or uuid4(), frozenset(scopes))
        return token

    def principal(self, token: str) -> Principal:
        return self._principals[token]

    async def authenticate(self, token: str) -> Principal:
        try:
            return self._principals[token]
        except KeyError:
            raise Unauthenticated("Unknown test token.") from None
