"""The items component's own settings: page cursors, the item cache, attachments."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from core.settings import ArmatureSettings, ConfigurationError, Environment

# Types a browser cannot run as a page of ours (no HTML, no SVG): downloads are safe to serve.
DEFAULT_ATTACHMENT_TYPES = (
    "application/pdf",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/csv",
    "text/plain",
)


class ItemsSettings(ArmatureSettings):
    """Every field is an environment variable of the same name, upper-cased."""

    items_cursor_key: SecretStr | None = Field(
        default=None,
        description="Secret that signs the page cursors of `GET /api/v2/items`.",
        json_schema_extra={
            "shown_default": "unset: derived from TOKEN_SIGNING_KEY, else random per process",
            "production": "optional: derived from TOKEN_SIGNING_KEY when unset",
        },
    )
    items_cache_ttl_seconds: float = Field(
        default=60,
        ge=0,
        description="Seconds an item read by id stays cached (in Redis when `REDIS_URL` is "
        "set, else in each process); writes and events keep it current, the TTL bounds what a "
        "lost update could leave. 0 turns the cache off.",
    )

    attachments_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="The largest file an item may have attached, in bytes; a larger upload gets "
        "413 and leaves nothing behind.",
        json_schema_extra={"production": "keep nginx's attachments `client_max_body_size` above"},
    )
    attachments_content_types: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_ATTACHMENT_TYPES,
        description="Comma-separated media types accepted as attachments; others get 415.",
    )
    attachments_url_ttl_seconds: int = Field(
        default=300,
        ge=10,
        le=7 * 24 * 3600,
        description="How long an attachment's signed download URL stays valid (S3 only).",
    )

    @field_validator("attachments_content_types", mode="before")
    @classmethod
    def _split_types(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().lower() for part in value.split(",") if part.strip())
        return value

    def cursor_secret(self) -> bytes | None:
        """The secret cursors are signed with; None: make one per process (not in production)."""
        secret = self.items_cursor_key or _SigningKey.load().token_signing_key
        return None if secret is None else secret.get_secret_value().encode()

    def check(self) -> None:
        if self.environment is Environment.PRODUCTION and self.cursor_secret() is None:
            raise ConfigurationError(
                "ENVIRONMENT=production needs ITEMS_CURSOR_KEY or TOKEN_SIGNING_KEY to sign "
                "page cursors; every worker must share the key"
            )
        super().check()


class _SigningKey(ArmatureSettings):
    """The accounts component's signing key, read the same way, only to derive a key from."""

    token_signing_key: SecretStr | None = None
