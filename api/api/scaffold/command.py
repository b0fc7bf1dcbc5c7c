"""`armature new-component NAME`: the generator on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def new_component(
    name: Annotated[
        str, typer.Argument(help="A plural noun in snake_case: orders, purchase_orders...")
    ],
    root: Annotated[
        Path, typer.Option(help="The repository to add it to.", file_okay=False, exists=True)
    ] = Path(),
) -> None:
    """Generate components/NAME with the whole component contract, registered and relocked."""
    # The templating and inflection libraries load only for this command.
    from api.scaffold.generator import generate_component  # noqa: PLC0415

    written = generate_component(root.resolve(), name)
    for path in written:
        typer.echo(f"wrote {path.relative_to(root.resolve())}")
    typer.echo(
        f"\n{name} is a workspace member. Next: `make migrate` creates its table, "
        f"`make test` runs its tests; grant `{name}:read {name}:write` to the accounts that "
        "use it (ACCOUNTS_DEFAULT_SCOPES, or `armature accounts grant`)."
    )
