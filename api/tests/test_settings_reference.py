"""README's settings table and .env.example say what the settings classes say."""

import re
from pathlib import Path

import pytest
from pydantic import Field, SecretStr

from api.settings import Settings
from api.settings_reference import (
    END,
    START,
    Section,
    UndocumentedSetting,
    field_rows,
    main,
    readme_block,
    render,
    sections,
)
from api.testing import PROJECT_ROOT
from core.components import discover_components
from core.settings import ArmatureSettings, ConfigurationError

# What a production deployment sets, and nothing more: check() must accept exactly this.
PRODUCTION_VALUES = {
    "DATABASE_URL": "postgresql+asyncpg://armature:k9w2-Qx7@db:5432/armature",
    "REDIS_URL": "redis://redis:6379/0",
    "RABBITMQ_URL": "amqp://armature:k9w2-Qx7@broker:5672/",
    "TRUSTED_HOSTS": "api.example.com",
    "TOKEN_ISSUER": "https://api.example.com",
    "TOKEN_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\nk9w2-Qx7\n-----END PRIVATE KEY-----\n",
    "SMTP_HOST": "smtp.example.com",
}


def documented_names() -> list[str]:
    return [row.name for section in sections() for row in section.rows]


def settings_classes() -> list[type[ArmatureSettings]]:
    return [Settings, *(c.settings for c in discover_components() if c.settings is not None)]


def check_production(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name in documented_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for settings_class in settings_classes():
        settings_class(_env_file=None).check()


def test_readme_settings_table_is_the_one_the_settings_classes_render() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")

    assert readme_block(readme) == render(sections()), (
        "README.md's settings table differs from the settings classes: run `make docs`"
    )


def test_env_example_assigns_every_setting_of_the_reference() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    assigned = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))

    missing = [name for name in documented_names() if name not in assigned]

    assert missing == [], "add them to .env.example, with their default, as NAME=value"


def test_production_notes_mark_required_exactly_what_production_sets() -> None:
    required = {
        row.name for section in sections() for row in section.rows if row.required_in_production
    }

    assert required == set(PRODUCTION_VALUES)


def test_production_starts_with_the_required_settings_and_nothing_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_production(monkeypatch, PRODUCTION_VALUES)


@pytest.mark.parametrize("name", sorted(PRODUCTION_VALUES))
def test_production_refuses_to_start_without_a_required_setting_and_names_it(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    without = {other: value for other, value in PRODUCTION_VALUES.items() if other != name}

    with pytest.raises(ConfigurationError, match=name):
        check_production(monkeypatch, without)


class Example(ArmatureSettings):
    api_key: SecretStr | None = Field(default=None, description="A key.")
    password: SecretStr = Field(
        default=SecretStr("hunter2-k9w2"),
        description="A password.",
        json_schema_extra={"shown_default": "a generated one", "production": "required"},
    )
    names: tuple[str, ...] = Field(default=("b", "a"), description="Names.")


def test_a_secret_shows_its_described_default_never_its_value() -> None:
    rows = {row.name: row for row in field_rows(Example, base=ArmatureSettings)}

    assert "hunter2" not in render([Section("Example:", tuple(rows.values()))])
    assert rows["PASSWORD"].default == "a generated one"
    assert rows["PASSWORD"].production == "required; never empty or a placeholder"
    assert rows["API_KEY"].default == "unset"
    assert rows["NAMES"].default == "`a,b`"


def test_a_secret_with_an_undescribed_default_is_refused() -> None:
    class Leaky(ArmatureSettings):
        token: SecretStr = Field(default=SecretStr("k9w2"), description="A token.")

    with pytest.raises(UndocumentedSetting, match="TOKEN is a secret"):
        field_rows(Leaky)


def test_a_field_without_a_description_is_refused() -> None:
    class Terse(ArmatureSettings):
        retries: int = 3

    with pytest.raises(UndocumentedSetting, match="RETRIES has no description"):
        field_rows(Terse)


def test_check_fails_on_a_stale_readme_and_write_fixes_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{START}\nold\n{END}\n\nMore.\n", encoding="utf-8")

    assert main(["--check", "--readme", str(readme)]) == 1
    assert main(["--write", "--readme", str(readme)]) == 0
    assert main(["--check", "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\n<!-- settings:start -->")
    assert text.endswith("<!-- settings:end -->\n\nMore.\n")
