"""Settings shared by every process: environment, `.env`, secrets directory, production guards."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder")
DEFAULT_SECRETS_DIR = "/run/secrets"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ArmatureSettings(BaseSettings):
    """Base for settings classes: read from the environment, `.env`, then a secrets directory."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    environment: Environment = Environment.DEVELOPMENT

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """Read the settings; the secrets directory (`SECRETS_DIR`) is used only when it exists."""
        secrets_dir = Path(os.environ.get("SECRETS_DIR", DEFAULT_SECRETS_DIR))
        return cls(_secrets_dir=secrets_dir if secrets_dir.is_dir() else None, **overrides)


def placeholder_secrets(settings: BaseModel) -> list[str]:
    """Names of secret fields that are empty or still hold a placeholder value."""
    return [
        name
        for name, value in settings
        if isinstance(value, SecretStr) and _is_placeholder(value.get_secret_value())
    ]


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return not value or any(marker in lowered for marker in PLACEHOLDER_MARKERS)
