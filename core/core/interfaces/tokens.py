"""The token codec port: sign claims into a compact JWT and verify them back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from core.errors import Unauthenticated


class InvalidToken(Unauthenticated):
    """The token is malformed, forged, expired or meant for someone else."""

    code = "invalid_token"


class TokenCodec(Protocol):
    """Signs and verifies JSON Web Tokens with asymmetric keys named by `kid`."""

    @property
    def algorithms(self) -> frozenset[str]:
        """The only algorithms a token may be signed with."""
        ...

    def encode(self, claims: Mapping[str, Any]) -> str:
        """A token signed with the current signing key, its `kid` in the header."""
        ...

    def decode(self, token: str, *, audience: str, issuer: str) -> dict[str, Any]:
        """The verified claims; InvalidToken when anything is off."""
        ...

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JSON Web Key Set of every verification key: public parts only."""
        ...
