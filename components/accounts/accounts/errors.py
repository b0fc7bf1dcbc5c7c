"""What can go wrong with accounts and tokens, in the core error kinds."""

from __future__ import annotations

from uuid import UUID

from core.errors import Conflict, NotFound, Unauthenticated


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self) -> None:
        super().__init__("An account with this email already exists.")


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The email or password is wrong, or the account is disabled.")


class InvalidRefreshToken(Unauthenticated):
    code = "invalid_refresh_token"

    def __init__(self) -> None:
        super().__init__("The refresh token is unknown, used, revoked or expired; sign in again.")


class AccountNotFound(NotFound):
    code = "account_not_found"

    def __init__(self, account_id: UUID) -> None:
        super().__init__(f"Account {account_id} does not exist.")
