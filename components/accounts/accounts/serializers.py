"""The accounts component's input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    StringConstraints,
)

MIN_PASSWORD_LENGTH = 12

Scope = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$")]
SortedScopes = Annotated[list[str], BeforeValidator(sorted)]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: SecretStr = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    email: str | None
    full_name: str | None
    scopes: SortedScopes
    disabled: bool
    email_verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AccountAdminUpdate(BaseModel):
    """An administrator's change: replace the scopes, disable or re-enable."""

    model_config = ConfigDict(extra="forbid")

    scopes: list[Scope] | None = Field(default=None, max_length=50)
    disabled: bool | None = None


class AccountListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class AccountPage(BaseModel):
    items: list[AccountRead]
    total: int
    limit: int
    offset: int


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: SecretStr = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    """The OAuth2 token response (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int
    refresh_token: str
    scope: str


class EmailRequest(BaseModel):
    """Ask for a mail to an address: a new verification link, or a password reset link."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class LinkToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(min_length=1, max_length=2000)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(min_length=1, max_length=2000)
    password: SecretStr = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class Accepted(BaseModel):
    """The same answer whether or not an account has the address: it tells nobody which do."""

    detail: str = "If an account has this address, a mail is on its way."
