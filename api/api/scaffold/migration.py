"""Where a new component's migration goes in the project's own alembic chain."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import rev_id

from api.scaffold.errors import WorkspaceError


def next_revision(root: Path) -> tuple[str, str | None]:
    """The new revision's id and the head it follows (the project's chain only).

    The chain numbers its revisions 0001, 0002...; the new one takes the next number.
    """
    script = ScriptDirectory.from_config(Config(toml_file=root / "pyproject.toml"))
    heads = script.get_heads()
    if len(heads) > 1:
        raise WorkspaceError(
            f"alembic/versions has several heads ({', '.join(heads)}); merge them first "
            "(alembic merge heads)"
        )
    head = heads[0] if heads else None
    if head is None:
        return "0001", None
    return (f"{int(head) + 1:04d}" if head.isdigit() else rev_id()), head
