"""Settings shared by every process: environment, `.env`, secrets directory, production guards.

Every field is read from, in order: the arguments, the environment, a file in the secrets
directory, `.env`. Secret fields (`SecretStr`) are read only through a `SecretStore` (the
same order, with `.env` left out in production), never by pydantic-settings' own sources.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any, Self, get_args

from pydantic import BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.adapters.secrets import default_secret_store
from core.interfaces.secrets import SecretStore

PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder")
DEFAULT_SECRETS_DIR = "/run/secrets"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings must not run in their environment; the message says what to change."""


class ArmatureSettings(BaseSettings):
    """Base for settings classes: the environment, then a secrets directory, then `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="`development`, `test` or `production`; production refuses unsafe settings.",
        json_schema_extra={"production": "`production`"},
    )

    @classmethod
    def load(cls, *, secret_store: SecretStore | None = None, **overrides: Any) -> Self:
        """Read and check the settings; `SECRETS_DIR` is used only when it exists.

        `secret_store` replaces the standard chain of secret stores (tests pass a fake).
        """
        secrets_dir = Path(os.environ.get("SECRETS_DIR", DEFAULT_SECRETS_DIR))
        token = _SECRET_STORE.set(secret_store)
        try:
            settings = cls(_secrets_dir=secrets_dir if secrets_dir.is_dir() else None, **overrides)
        finally:
            _SECRET_STORE.reset(token)
        settings.check()
        return settings

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, environment, secrets directory, `.env`; secrets through a SecretStore."""
        secret = frozenset(secret_fields(settings_cls))
        files = _paths(getattr(file_secret_settings, "secrets_dir", None))
        env_files = _paths(getattr(dotenv_settings, "env_file", None))

        def store(production: bool) -> SecretStore:
            given = _SECRET_STORE.get()
            if given is not None:
                return given
            return default_secret_store(
                production=production, secrets_dirs=files, env_files=env_files
            )

        ordinary = (env_settings, file_secret_settings, dotenv_settings)
        return (
            init_settings,
            *(_WithoutSecrets(source, secret) for source in ordinary),
            SecretStoreSource(settings_cls, store),
        )

    def check(self) -> None:
        """Raise ConfigurationError for settings unsafe in their environment.

        Not a pydantic validator on purpose: a validation error would echo the raw input,
        secrets included, into the log.
        """
        if self.environment is Environment.PRODUCTION and (unsafe := placeholder_secrets(self)):
            names = ", ".join(name.upper() for name in unsafe)
            raise ConfigurationError(
                f"ENVIRONMENT=production refuses empty or placeholder secrets: {names}"
            )


class SecretStoreSource(PydanticBaseSettingsSource):
    """The secret fields of a settings class, each looked up by its environment name.

    Placed after every other source, it sees the environment they settled on: in
    production the store it asks leaves `.env` out.
    """

    def __init__(
        self, settings_cls: type[BaseSettings], store: Callable[[bool], SecretStore]
    ) -> None:
        super().__init__(settings_cls)
        self._store = store

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._lookup(self._store(self._production()), field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        store = self._store(self._production())
        found = {name: self._lookup(store, name) for name in secret_fields(self.settings_cls)}
        return {name: value for name, value in found.items() if value is not None}

    def _lookup(self, store: SecretStore, field_name: str) -> SecretStr | None:
        return store.get(f"{self.config.get('env_prefix', '')}{field_name}")

    def _production(self) -> bool:
        return str(self.current_state.get("environment", "")) == Environment.PRODUCTION.value


class _WithoutSecrets(PydanticBaseSettingsSource):
    """A pydantic-settings source minus the secret fields, which only the SecretStore reads."""

    def __init__(self, source: PydanticBaseSettingsSource, secret: frozenset[str]) -> None:
        super().__init__(source.settings_cls)
        self._source = source
        self._secret = secret

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._source.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        return {name: value for name, value in self._source().items() if name not in self._secret}


def secret_fields(settings_cls: type[BaseModel]) -> Iterator[str]:
    """The names of the fields typed `SecretStr` (or `SecretStr | None`)."""
    for name, field in settings_cls.model_fields.items():
        if is_secret(field.annotation):
            yield name


def is_secret(annotation: object) -> bool:
    """Whether a field of this type holds a secret: `SecretStr`, alone or in a union."""
    return annotation is SecretStr or any(is_secret(arg) for arg in get_args(annotation))


def _paths(configured: object) -> list[Path]:
    """pydantic-settings' `env_file` or `secrets_dir`: unset, one path, or several."""
    if configured is None:
        return []
    if isinstance(configured, str | os.PathLike):
        return [Path(configured).expanduser()]
    return [Path(path).expanduser() for path in configured]  # type: ignore[attr-defined]


_SECRET_STORE: ContextVar[SecretStore | None] = ContextVar("secret_store", default=None)


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
