"""Shared settings: placeholder detection and the optional secrets directory."""

from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from core.settings import ArmatureSettings, placeholder_secrets


class Secrets(BaseModel):
    empty: SecretStr = SecretStr("")
    marked: SecretStr = SecretStr("postgres://u:CHANGE-ME@db")
    real: SecretStr = SecretStr("k9w2-Qx7")
    plain: str = "change-me"


def test_placeholder_secrets_names_empty_and_marked_secret_fields_only() -> None:
    assert placeholder_secrets(Secrets()) == ["empty", "marked"]


class WithSecret(ArmatureSettings):
    api_token: SecretStr = SecretStr("")


def test_secret_files_are_read_when_the_directory_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "api_token").write_text("from-a-file")
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    assert WithSecret.load(_env_file=None).api_token.get_secret_value() == "from-a-file"


def test_a_missing_secrets_directory_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path / "absent"))

    assert WithSecret.load(_env_file=None).api_token.get_secret_value() == ""
