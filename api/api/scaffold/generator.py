"""A business component with the whole contract, rendered from templates.

Everything is rendered in memory first, then written; when any step fails (a write, the
relock), every file written is removed and pyproject.toml restored, so a refused or failed
run leaves the repository as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from api.scaffold.migration import next_revision
from api.scaffold.names import ComponentNames, component_names
from api.scaffold.workspace import format_python, register_member, relock
from core.components import ENTRY_POINT_GROUP

TEMPLATES = Environment(
    loader=PackageLoader("api.scaffold"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701 (Python source, not HTML)
)
TEMPLATES.filters["pyrepr"] = repr


def generate_component(root: Path, name: str) -> list[Path]:
    """Create components/<name> in the repository at `root`; the paths written, in order."""
    components = root / "components"
    taken = {path.name for path in components.iterdir()} | {
        point.name for point in entry_points(group=ENTRY_POINT_GROUP)
    }
    names = component_names(name, taken)
    files = _render(root, names)
    pyproject = root / "pyproject.toml"
    original = pyproject.read_text()
    registered = register_member(original, names.package, names.distribution)
    written: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
        pyproject.write_text(registered)
        format_python(root, [path for path in written if path.suffix == ".py"])
        relock(root)
    except BaseException:
        # The member's folder is new (its name was free), so all of it goes.
        shutil.rmtree(components / names.package, ignore_errors=True)
        for path in written:
            path.unlink(missing_ok=True)
        pyproject.write_text(original)
        raise
    return [*written, pyproject]


def _render(root: Path, names: ComponentNames) -> dict[Path, str]:
    values = names.template_values()
    member = root / "components" / names.package
    files: dict[Path, str] = {member / "pyproject.toml": _text("pyproject.toml.jinja", values)}
    for template in TEMPLATES.list_templates(filter_func=lambda t: t.startswith("component/")):
        relative = template.removeprefix("component/").removesuffix(".jinja")
        folder = "" if relative.startswith("tests/") else f"{names.package}/"
        files[member / folder / relative] = _text(template, values)
    files[member / names.package / "py.typed"] = ""
    revision, down_revision = next_revision(root)
    now = datetime.now(UTC)
    migration = root / "alembic" / "versions" / f"{now:%Y%m%d}_{revision}_create_{names.table}.py"
    files[migration] = _text(
        "migration.py.jinja",
        {**values, "revision": revision, "down_revision": down_revision, "created_at": now},
    )
    return files


def _text(template: str, values: Mapping[str, object]) -> str:
    return TEMPLATES.get_template(template).render(values)
