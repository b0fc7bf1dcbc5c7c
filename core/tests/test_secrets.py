"""Secrets come through the SecretStore port: environment, then secrets directory, then `.env`
(never in production), and no repr, str or log line of the settings ever shows one."""

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, SecretStr

from core.adapters.secrets import (
    ChainedSecretStore,
    DirectorySecretStore,
    DotEnvSecretStore,
    EnvironmentSecretStore,
    default_secret_store,
)
from core.settings import ArmatureSettings, ConfigurationError
from core.testing import FakeSecretStore

TOKEN = "ARMATURE_TEST_TOKEN"
KEY = "ARMATURE_TEST_KEY"
REGION = "ARMATURE_TEST_REGION"


class Example(ArmatureSettings):
    armature_test_token: SecretStr = Field(default=SecretStr(""), description="A token.")
    armature_test_key: SecretStr | None = Field(default=None, description="A key.")
    armature_test_region: str = Field(default="nowhere", description="Not a secret.")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (TOKEN, KEY, REGION, "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path / "secrets"))


@pytest.fixture
def secrets_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "secrets"
    directory.mkdir()
    return directory


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    return tmp_path / ".env"


def load(env_file: Path, **overrides: Any) -> Example:
    return Example.load(_env_file=env_file, **overrides)


# The adapters, one by one.


def test_environment_store_finds_a_variable_by_name_in_any_case() -> None:
    store = EnvironmentSecretStore({"TOKEN_SIGNING_KEY": "k9w2"})

    assert store.get("token_signing_key") == SecretStr("k9w2")
    assert store.get("TOKEN_SIGNING_KEY") == SecretStr("k9w2")
    assert store.get("OTHER") is None


def test_directory_store_reads_a_file_named_like_the_secret_without_its_newline(
    secrets_dir: Path,
) -> None:
    (secrets_dir / "token_signing_key").write_text("-----BEGIN-----\nk9w2\n-----END-----\n")
    (secrets_dir / "DATABASE_URL").write_text("postgresql+asyncpg://db\n")
    store = DirectorySecretStore(secrets_dir)

    assert store.get("TOKEN_SIGNING_KEY") == SecretStr("-----BEGIN-----\nk9w2\n-----END-----")
    assert store.get("database_url") == SecretStr("postgresql+asyncpg://db")
    assert store.get("absent") is None


def test_directory_store_follows_kubernetes_symlinks_and_ignores_directories(
    secrets_dir: Path,
) -> None:
    data = secrets_dir / "..2026_01_01"
    data.mkdir()
    (data / "redis_url").write_text("redis://cache:6379/0")
    (secrets_dir / "..data").symlink_to(data.name)
    (secrets_dir / "redis_url").symlink_to("..data/redis_url")
    (secrets_dir / "rabbitmq_url").mkdir()
    store = DirectorySecretStore(secrets_dir)

    assert store.get("REDIS_URL") == SecretStr("redis://cache:6379/0")
    assert store.get("RABBITMQ_URL") is None


def test_directory_store_on_a_missing_directory_holds_nothing(tmp_path: Path) -> None:
    assert DirectorySecretStore(tmp_path / "absent").get("anything") is None


def test_dotenv_store_parses_the_file_as_pydantic_settings_does(env_file: Path) -> None:
    env_file.write_text('# a comment\nexport API_KEY="quoted value"\nPLAIN=k9w2\nEMPTY\n')
    store = DotEnvSecretStore(env_file)

    assert store.get("api_key") == SecretStr("quoted value")
    assert store.get("PLAIN") == SecretStr("k9w2")
    assert store.get("EMPTY") is None
    assert DotEnvSecretStore(env_file.with_name("absent")).get("PLAIN") is None


def test_the_first_store_of_a_chain_that_holds_the_secret_wins() -> None:
    chain = ChainedSecretStore(
        FakeSecretStore({"a": "first"}), FakeSecretStore({"a": "second", "b": "only here"})
    )

    assert chain.get("A") == SecretStr("first")
    assert chain.get("b") == SecretStr("only here")
    assert chain.get("c") is None


def test_the_default_chain_leaves_dotenv_out_in_production(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path
) -> None:
    env_file.write_text(f"{TOKEN}=from-dotenv\n")

    development = default_secret_store(production=False, env_files=[env_file])
    production = default_secret_store(production=True, env_files=[env_file])

    assert development.get(TOKEN) == SecretStr("from-dotenv")
    assert production.get(TOKEN) is None


# Settings read their secret fields through the stores.


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ({"env", "dir", "dotenv"}, "from-env"),
        ({"dir", "dotenv"}, "from-dir"),
        ({"dotenv"}, "from-dotenv"),
        (set(), ""),
    ],
    ids=["environment wins", "then the secrets dir", "then .env", "else the default"],
)
def test_a_secret_comes_from_the_environment_then_the_secrets_dir_then_dotenv(
    monkeypatch: pytest.MonkeyPatch,
    secrets_dir: Path,
    env_file: Path,
    sources: set[str],
    expected: str,
) -> None:
    if "env" in sources:
        monkeypatch.setenv(TOKEN, "from-env")
    if "dir" in sources:
        (secrets_dir / TOKEN.lower()).write_text("from-dir\n")
    if "dotenv" in sources:
        env_file.write_text(f"{TOKEN}=from-dotenv\n")

    assert load(env_file).armature_test_token.get_secret_value() == expected


def test_ordinary_settings_follow_the_same_order(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path
) -> None:
    env_file.write_text(f"{REGION}=from-dotenv\n")
    assert load(env_file).armature_test_region == "from-dotenv"

    (secrets_dir / REGION.lower()).write_text("from-dir")
    assert load(env_file).armature_test_region == "from-dir"

    monkeypatch.setenv(REGION, "from-env")
    assert load(env_file).armature_test_region == "from-env"


def test_arguments_win_over_every_store(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path
) -> None:
    monkeypatch.setenv(TOKEN, "from-env")

    settings = load(env_file, armature_test_token=SecretStr("from-code"))

    assert settings.armature_test_token.get_secret_value() == "from-code"


@pytest.mark.parametrize("declared_in", ["environment", "dotenv"])
def test_production_never_takes_a_secret_from_dotenv(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path, declared_in: str
) -> None:
    lines = [f"{TOKEN}=k9w2-from-a-developers-file", f"{REGION}=from-dotenv"]
    if declared_in == "environment":
        monkeypatch.setenv("ENVIRONMENT", "production")
    else:
        lines.append("ENVIRONMENT=production")
    env_file.write_text("\n".join(lines) + "\n")

    with pytest.raises(ConfigurationError, match="ARMATURE_TEST_TOKEN") as refused:
        load(env_file)

    assert "k9w2" not in str(refused.value)
    settings = Example(_env_file=env_file)
    assert settings.armature_test_token.get_secret_value() == ""
    assert settings.armature_test_region == "from-dotenv", "only secrets are kept from .env"


def test_production_takes_secrets_from_the_environment_and_the_secrets_dir(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv(KEY, "k9w2-key")
    (secrets_dir / TOKEN.lower()).write_text("k9w2-token\n")

    settings = load(env_file)

    assert settings.armature_test_token.get_secret_value() == "k9w2-token"
    assert settings.armature_test_key == SecretStr("k9w2-key")


@pytest.mark.parametrize("value", ["", "change-me", "postgres://u:CHANGEME@db"])
def test_production_refuses_a_placeholder_secret_file_naming_it_not_its_value(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path, value: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    (secrets_dir / TOKEN.lower()).write_text(value)

    with pytest.raises(ConfigurationError) as refused:
        load(env_file)

    message = str(refused.value)
    assert message == (
        "ENVIRONMENT=production refuses empty or placeholder secrets: ARMATURE_TEST_TOKEN"
    )


def test_a_given_store_replaces_every_other_source_of_secrets(
    monkeypatch: pytest.MonkeyPatch, secrets_dir: Path, env_file: Path
) -> None:
    monkeypatch.setenv(TOKEN, "from-env")
    (secrets_dir / KEY.lower()).write_text("from-dir")

    settings = Example.load(
        _env_file=env_file, secret_store=FakeSecretStore({TOKEN: "from-the-fake"})
    )

    assert settings.armature_test_token.get_secret_value() == "from-the-fake"
    assert settings.armature_test_key is None
    assert load(env_file).armature_test_token.get_secret_value() == "from-env", "only that once"


def test_no_repr_str_dump_or_log_line_of_the_settings_shows_a_secret(
    monkeypatch: pytest.MonkeyPatch,
    secrets_dir: Path,
    env_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(TOKEN, "k9w2-token-value")
    (secrets_dir / KEY.lower()).write_text("k9w2-key-value")
    settings = load(env_file)
    store = default_secret_store(production=False, secrets_dirs=[secrets_dir])

    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings %s %r", settings, settings)
    shown = [
        repr(settings),
        str(settings),
        f"{settings}",
        settings.model_dump_json(),
        str(settings.model_dump()),
        caplog.text,
        repr(store.get(TOKEN)),
        str(store.get(KEY)),
    ]

    assert settings.armature_test_token.get_secret_value() == "k9w2-token-value"
    assert all("k9w2" not in text for text in shown), shown
