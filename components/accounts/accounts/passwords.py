"""argon2id password hashing, off the event loop, with equal cost for unknown accounts."""

from __future__ import annotations

import asyncio
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class Passwords:
    """Hashes and verifies passwords in a worker thread so the event loop keeps serving."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))
        # Verifying against this when the account does not exist costs one real verification,
        # so response time does not tell which emails have accounts.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(32))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """Whether the password matches, and a new hash when the parameters have changed."""
        valid, updated = await asyncio.to_thread(
            self._hasher.verify_and_update, password, password_hash or self._decoy
        )
        return valid and password_hash is not None, updated
