"""The settings reference: Markdown tables rendered from the settings classes' fields.

Every row comes from a pydantic-settings field (its description, its default, and the
`production` / `shown_default` keys of its `json_schema_extra`), except the few variables read
outside pydantic, listed here. `python -m api.settings_reference` prints the tables; `--write`
puts them into README.md between the markers (`make docs`); `--check` exits 1 when README.md's
copy differs.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic.fields import FieldInfo

from api.settings import Settings
from core.components import discover_components
from core.settings import DEFAULT_SECRETS_DIR, ArmatureSettings, is_secret

START = "<!-- settings:start -->"
END = "<!-- settings:end -->"
NOTICE = "<!-- Rendered by `make docs` from the settings classes: edit their fields, not this. -->"
# Keys of a field's json_schema_extra.
PRODUCTION = "production"
SHOWN_DEFAULT = "shown_default"
# A production note that starts with this word: check() refuses production without the setting.
REQUIRED = "required"
PLACEHOLDER_RULE = "never empty or a placeholder"
HEADER = ("| setting | default | what it does | production |", "|---|---|---|---|")


@dataclass(frozen=True)
class SettingRow:
    """One environment variable, as an operator reads it."""

    name: str
    default: str
    description: str
    production: str = ""

    @property
    def required_in_production(self) -> bool:
        return self.production.startswith(REQUIRED)


@dataclass(frozen=True)
class Section:
    """The settings one class reads, under a line naming the class."""

    title: str
    rows: tuple[SettingRow, ...]


class UndocumentedSetting(ValueError):
    """A field lacks what the reference needs; the message says which and what to add."""


SECRETS_DIR_ROW = SettingRow(
    "SECRETS_DIR",
    f"`{DEFAULT_SECRETS_DIR}`",
    "A directory of secret files, one per setting, named like its field "
    "(`token_signing_key`); used only when it exists. The environment wins over it, and it "
    "over `.env`, which production never reads a secret from.",
    "where the orchestrator mounts the secrets",
)
TRACING_ROWS = (
    SettingRow(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "unset (no traces)",
        "The OTLP/HTTP collector spans go to; setting it (or `..._TRACES_ENDPOINT`) turns "
        "tracing on.",
        "the collector's address, to keep traces",
    ),
    SettingRow(
        "OTEL_TRACES_EXPORTER",
        "unset",
        "`otlp` turns tracing on at the SDK's default address; `none` keeps it off.",
    ),
    SettingRow("OTEL_SDK_DISABLED", "`false`", "`true` keeps tracing off whatever else is set."),
    SettingRow(
        "OTEL_SERVICE_NAME",
        "unset",
        "The service on every span; the SDK reads the other standard variables itself "
        "(`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`...).",
        "one name per process kind (`armature-api`, `armature-worker`)",
    ),
)


def sections() -> list[Section]:
    """The settings of every process, then of the API, then of each installed component."""
    found = [
        Section(
            f"Every process ({_qualified(ArmatureSettings)}, which every settings class extends):",
            (*field_rows(ArmatureSettings), SECRETS_DIR_ROW),
        ),
        Section(
            f"The API and the worker ({_qualified(Settings)}; the OpenTelemetry SDK reads "
            "`OTEL_*` itself):",
            (*field_rows(Settings, base=ArmatureSettings), *TRACING_ROWS),
        ),
    ]
    for component in discover_components():
        if component.settings is not None:
            rows = field_rows(component.settings, base=ArmatureSettings)
            title = f"The `{component.name}` component ({_qualified(component.settings)}):"
            found.append(Section(title, rows))
    return found


def field_rows(
    settings: type[ArmatureSettings], base: type[ArmatureSettings] | None = None
) -> tuple[SettingRow, ...]:
    """A row per field of `settings` in declaration order, but those it inherits from `base`."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    inherited = base.model_fields if base is not None else {}
    return tuple(
        field_row(f"{prefix}{name}".upper(), field)
        for name, field in settings.model_fields.items()
        if name not in inherited
    )


def field_row(name: str, field: FieldInfo) -> SettingRow:
    """The row of one field; a secret's value is never read."""
    if not field.description:
        raise UndocumentedSetting(f"{name} has no description: add Field(description=...)")
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, Mapping) else {}
    if unknown := set(extra) - {PRODUCTION, SHOWN_DEFAULT}:
        raise UndocumentedSetting(f"{name} has unknown json_schema_extra keys: {sorted(unknown)}")
    secret = is_secret(field.annotation)
    production = str(extra.get(PRODUCTION, ""))
    if secret:
        # check() refuses an empty or placeholder secret in production (core.settings).
        production = f"{production}; {PLACEHOLDER_RULE}" if production else PLACEHOLDER_RULE
    if SHOWN_DEFAULT in extra:
        default = str(extra[SHOWN_DEFAULT])
    elif (value := field.get_default(call_default_factory=True)) is None:
        default = "unset"
    elif secret:
        raise UndocumentedSetting(
            f"{name} is a secret with a default: describe it in shown_default"
        )
    else:
        default = operator_value(value)
    return SettingRow(name, _cell(default), _cell(field.description), _cell(production))


def operator_value(value: object) -> str:
    """A default as an operator would type it into the environment."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Mapping | list):
        return f"`{json.dumps(value)}`"
    if isinstance(value, tuple | frozenset | set):
        value = ",".join(sorted(str(part) for part in value))
    return f"`{value}`" if str(value) else "empty"


def render(found: Iterable[Section]) -> str:
    """The block README.md holds, markers included."""
    lines = [START, NOTICE]
    for section in found:
        title = textwrap.fill(section.title, 100, break_long_words=False, break_on_hyphens=False)
        lines += ["", title, "", *HEADER]
        lines += [
            _table_row(f"`{row.name}`", row.default, row.description, row.production)
            for row in section.rows
        ]
    lines += ["", END]
    return "\n".join(lines)


def readme_block(text: str) -> str:
    """The block between the markers of `text`, markers included."""
    start, end = _markers(text)
    return text[start:end]


def with_block(text: str, block: str) -> str:
    """`text` with its block between the markers replaced by `block`."""
    start, end = _markers(text)
    return text[:start] + block + text[end:]


def _markers(text: str) -> tuple[int, int]:
    start = text.find(START)
    end = text.find(END, start)
    if start < 0 or end < 0:
        raise ValueError(f"no {START} ... {END} block to hold the settings reference")
    return start, end + len(END)


def _qualified(cls: type) -> str:
    return f"`{cls.__module__}.{cls.__qualname__}`"


def _table_row(*cells: str) -> str:
    return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the reference, write it into README.md, or check README.md's copy."""
    parser = argparse.ArgumentParser(prog="python -m api.settings_reference", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite README.md's block")
    mode.add_argument("--check", action="store_true", help="exit 1 when README.md's is stale")
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    args = parser.parse_args(argv)
    block = render(sections())
    if not (args.write or args.check):
        print(block)
        return 0
    text = args.readme.read_text(encoding="utf-8")
    updated = with_block(text, block)
    if args.check and updated != text:
        print(f"{args.readme}'s settings table is stale: run `make docs`", file=sys.stderr)
        return 1
    if args.write and updated != text:
        args.readme.write_text(updated, encoding="utf-8")
        print(f"{args.readme}: settings table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
