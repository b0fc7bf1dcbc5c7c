"""The API process's settings: every one is an environment variable of the same name."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from core.adapters.sqlalchemy import DatabaseSettings
from core.settings import ArmatureSettings, ConfigurationError, Environment

EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///var/armature.sqlite3"


class Settings(ArmatureSettings):
    """Defaults run the embedded stack; production must name real services and real secrets."""

    database_url: SecretStr = Field(
        default=SecretStr(EMBEDDED_DATABASE_URL),
        description="SQLAlchemy URL: postgresql+asyncpg://... in production.",
    )
    database_pool_size: int = Field(default=10, ge=1, description="Connections kept per process.")
    database_max_overflow: int = Field(default=10, ge=0, description="Extra connections allowed.")
    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    database_pool_pre_ping: bool = True
    database_statement_timeout_ms: int = Field(default=15_000, ge=0)
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    components: Annotated[frozenset[str] | None, NoDecode] = Field(
        default=None, description="Comma-separated component names to enable; unset means all."
    )
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")

    @field_validator("components", mode="before")
    @classmethod
    def _split_components(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(name.strip() for name in value.split(",") if name.strip())
        return value

    def check(self) -> None:
        if self.environment is Environment.PRODUCTION and self.database().is_sqlite:
            raise ConfigurationError(
                "ENVIRONMENT=production refuses the embedded SQLite database: "
                "set DATABASE_URL to a PostgreSQL URL (postgresql+asyncpg://...)"
            )
        super().check()

    def database(self) -> DatabaseSettings:
        return DatabaseSettings(
            url=self.database_url,
            pool_size=self.database_pool_size,
            max_overflow=self.database_max_overflow,
            pool_timeout_seconds=self.database_pool_timeout_seconds,
            pool_pre_ping=self.database_pool_pre_ping,
            statement_timeout_ms=self.database_statement_timeout_ms,
            echo=self.database_echo,
        )
