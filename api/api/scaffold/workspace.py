"""The root pyproject.toml learns of a new workspace member: dependency, source, tool settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Array, Table

from api.scaffold.errors import WorkspaceError

# Lists of an import-linter contract that name the components, one entry each.
CONTRACT_LISTS = ("source_modules", "forbidden_modules", "modules", "containers")
LONGEST_INLINE_ARRAY = 80
# The only modules of a component that may import the web framework and the api layer.
ADAPTER_IMPORTS = ("{package}.http -> fastapi", "{package}.http -> api.security")


def register_member(pyproject: str, package: str, distribution: str) -> str:
    """The root pyproject.toml text with `package` added wherever the components are named.

    The text keeps its comments and layout: tomlkit edits the document in place.
    """
    document = tomlkit.parse(pyproject)
    tool: Any = document["tool"]
    project: Any = document["project"]
    _append(project["dependencies"], f"armature-{distribution}")
    sources: Table = tool["uv"]["sources"]
    sources[f"armature-{distribution}"] = tomlkit.parse("source = { workspace = true }")["source"]
    _append(tool["mypy"]["mypy_path"], f"components/{package}")
    _append(tool["ruff"]["lint"]["isort"]["known-first-party"], package)
    _register_contracts(tool["importlinter"], package)
    return tomlkit.dumps(document)


def _register_contracts(importlinter: Any, package: str) -> None:
    components = set(importlinter["root_packages"]) - {"core", "api"}
    _append(importlinter["root_packages"], package)
    for contract in importlinter["contracts"]:
        for key in CONTRACT_LISTS:
            if key in contract and components & set(contract[key]):
                _append(contract[key], package)
        if "source_modules" in contract and components & set(contract["source_modules"]):
            for line in ADAPTER_IMPORTS:
                _append(
                    contract.setdefault("ignore_imports", tomlkit.array()),
                    line.format(package=package),
                )


def _append(array: Array, value: str) -> None:
    if value in array:
        raise WorkspaceError(f"pyproject.toml already names {value!r}")
    array.append(value)
    if len(array.as_string()) > LONGEST_INLINE_ARRAY:
        array.multiline(True)


def relock(root: Path) -> None:
    """Update uv.lock for the new member, or WorkspaceError with uv's own message."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        raise WorkspaceError("uv is not installed: run `make uv`, then try again")
    result = subprocess.run(  # noqa: S603
        [uv, "lock", "--quiet"], cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise WorkspaceError(f"uv lock failed: {result.stderr.strip() or result.stdout.strip()}")


def format_python(root: Path, files: list[Path]) -> None:
    """Let ruff fold the lines that long names made too long, as alembic's hook does."""
    beside = Path(sys.executable).with_name("ruff")
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    if ruff is None or not files:
        return
    quiet = ("--quiet", "--no-cache")
    for arguments in (["format", *quiet], ["check", "--fix", "--exit-zero", *quiet]):
        result = subprocess.run(  # noqa: S603
            [ruff, *arguments, *map(str, files)],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise WorkspaceError(f"ruff could not read the generated code: {result.stderr}")
