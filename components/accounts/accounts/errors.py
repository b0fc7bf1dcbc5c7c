"""What can go wrong with accounts and tokens, in the core error kinds."""

from __future__ import annotations

from uuid import UUID

from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated


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

    def __init__(self, account: UUID | str) -> None:
        """`account` is its id, or the email it was looked up by."""
        super().__init__(f"Account {account} does not exist.")


class InvalidLink(InvalidInput):
    code = "invalid_link"

    def __init__(self) -> None:
        super().__init__("The link is invalid, has expired or was already used; ask for a new one.")


class EmailNotVerified(PermissionDenied):
    code = "email_not_verified"

    def __init__(self) -> None:
        super().__init__(
            "Confirm your email address first: follow the link mailed to you, or ask for a new "
            "one at /api/v1/auth/verify-email/resend."
        )
