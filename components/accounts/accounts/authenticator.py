"""The accounts component's answers to core's Authenticator and PrincipalDirectory ports."""

from __future__ import annotations

from typing import Any

from accounts import interface
from accounts.dependencies import AccountsDeps
from core.adapters.jose_tokens import unverified_claims
from core.adapters.oidc import OidcTokenVerifier
from core.interfaces.tokens import InvalidToken
from core.security import Principal


class AccountsAuthenticator:
    """Authenticates bearer tokens this server issued, and those of trusted OIDC providers."""

    def __init__(self, deps: AccountsDeps, federation: OidcTokenVerifier) -> None:
        self._deps = deps
        self._federation = federation

    async def authenticate(self, token: str) -> Principal:
        # The unverified issuer only picks who verifies the token; each verifier checks it again.
        issuer = unverified_claims(token).get("iss")
        if issuer == self._deps.tokens.issuer:
            return await interface.authenticate(self._deps, access_token=token)
        if isinstance(issuer, str) and self._federation.trusts(issuer):
            return await self._sign_in_federated(await self._federation.verify(token))
        raise InvalidToken("The token's issuer is not trusted.", reason="untrusted_issuer")

    async def _sign_in_federated(self, claims: dict[str, Any]) -> Principal:
        email = claims.get("email")
        name = claims.get("name")
        return await interface.sign_in_federated(
            self._deps,
            issuer=claims["iss"],
            subject=claims["sub"],
            scopes=_scopes(claims),
            # Only a verified email may name the account: anyone can claim an unverified one.
            email=email
            if claims.get("email_verified") is True and isinstance(email, str)
            else None,
            full_name=name if isinstance(name, str) else None,
        )


class AccountsPrincipals:
    """Names a local account's principal by its email: for the command line's `--as EMAIL`."""

    def __init__(self, deps: AccountsDeps) -> None:
        self._deps = deps

    async def principal_for(self, username: str) -> Principal:
        return await interface.principal_for_email(self._deps, email=username)


def _scopes(claims: dict[str, Any]) -> frozenset[str] | None:
    """The token's `scope` claim: a space-separated string (RFC 9068) or a list of strings."""
    scope = claims.get("scope")
    if scope is None:
        return None
    if isinstance(scope, str):
        return frozenset(scope.split())
    if isinstance(scope, list) and all(isinstance(item, str) for item in scope):
        return frozenset(scope)
    raise InvalidToken("The token's scope claim is neither a string nor a list of strings.")
