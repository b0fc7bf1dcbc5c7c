"""Where secrets come from: the environment, a secrets directory, a development `.env` file.

`default_secret_store` chains them in the standard order: the environment wins (what the
operator set for this very process), then the secrets directory (Docker and Kubernetes
secrets mounted as files, `SECRETS_DIR`), then `.env`, which only development and tests read:
a developer's file never supplies a production secret.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from dotenv import dotenv_values
from pydantic import SecretStr

from core.interfaces.secrets import SecretStore


class EnvironmentSecretStore(SecretStore):
    """Environment variables (`os.environ` unless given), by name in any case."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def get(self, name: str) -> SecretStr | None:
        wanted = name.lower()
        for key, value in self._environ.items():
            if key.lower() == wanted:
                return SecretStr(value)
        return None


class DirectorySecretStore(SecretStore):
    """One file per secret, named like it (`token_signing_key`); surrounding whitespace goes.

    A directory that does not exist holds nothing. Files are read when asked for, so a
    rotated secret is seen by the next settings load.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def get(self, name: str) -> SecretStr | None:
        path = self._find(name)
        return None if path is None else SecretStr(path.read_text(encoding="utf-8").strip())

    def _find(self, name: str) -> Path | None:
        if not self._directory.is_dir():
            return None
        exact = self._directory / name.lower()
        if exact.is_file():
            return exact
        wanted = name.lower()
        # Kubernetes mounts each key as a symlink next to `..data`: is_file follows it.
        return next(
            (p for p in self._directory.iterdir() if p.name.lower() == wanted and p.is_file()),
            None,
        )


class DotEnvSecretStore(SecretStore):
    """`NAME=value` lines of a `.env` file, parsed as pydantic-settings parses them.

    For development only: `default_secret_store` leaves it out in production. A missing file
    holds nothing; the file is read once, on the first lookup.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._values: dict[str, str] | None = None

    def get(self, name: str) -> SecretStr | None:
        if self._values is None:
            self._values = self._read()
        value = self._values.get(name.lower())
        return None if value is None else SecretStr(value)

    def _read(self) -> dict[str, str]:
        if not self._path.is_file():
            return {}
        parsed = dotenv_values(self._path, encoding="utf-8")
        return {key.lower(): value for key, value in parsed.items() if value is not None}


class ChainedSecretStore(SecretStore):
    """Asks each store in turn: the first one that holds the secret wins."""

    def __init__(self, *stores: SecretStore) -> None:
        self.stores = stores

    def get(self, name: str) -> SecretStr | None:
        for store in self.stores:
            if (value := store.get(name)) is not None:
                return value
        return None


def default_secret_store(
    *, production: bool, secrets_dirs: Iterable[Path] = (), env_files: Iterable[Path] = ()
) -> ChainedSecretStore:
    """The environment, then the secrets directories, then the `.env` files unless in
    production; among directories, and among files, the last one wins."""
    stores: list[SecretStore] = [EnvironmentSecretStore()]
    stores += [DirectorySecretStore(directory) for directory in reversed(list(secrets_dirs))]
    if not production:
        stores += [DotEnvSecretStore(path) for path in reversed(list(env_files))]
    return ChainedSecretStore(*stores)
