"""The accounts component's answer to core's Authenticator port."""

from __future__ import annotations

from accounts import interface
from accounts.dependencies import AccountsDeps
from core.security import Principal


class AccountsAuthenticator:
    """Authenticates bearer tokens this server issued."""

    def __init__(self, deps: AccountsDeps) -> None:
        self._deps = deps

    async def authenticate(self, token: str) -> Principal:
        return await interface.authenticate(self._deps, access_token=token)
