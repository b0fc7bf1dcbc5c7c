"""`armature items ...`: the items use cases from the command line, acting as an account."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import AsAccount, CliContext, JsonOutput, columns, counted, table
from items import interface
from items.dependencies import ItemsDeps
from items.serializers import ItemCreate, ItemListQuery, ItemPage, ItemRead

app = typer.Typer(help="Items: list and create, as an account.", no_args_is_help=True)

READ, WRITE = "items:read", "items:write"


@app.command("list")
def list_items(
    ctx: typer.Context,
    *,
    as_account: AsAccount,
    limit: Annotated[int, typer.Option(help="At most this many (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    q: Annotated[str | None, typer.Option(help="Names containing this, in any case.")] = None,
    sort: Annotated[
        str, typer.Option(help="name, created_at or price; a leading - sorts descending.")
    ] = "-created_at",
    as_json: JsonOutput = False,
) -> None:
    """List the account's items (everyone's for an administrator)."""
    cli: CliContext = ctx.obj
    query = ItemListQuery.model_validate({"limit": limit, "offset": offset, "q": q, "sort": sort})
    deps = cli.deps("items", ItemsDeps)
    page = cli.run_as(
        as_account, [READ], lambda actor: interface.list_items(deps, query=query, actor=actor)
    )
    cli.output(page, as_json, _page_text)


@app.command()
def create(
    ctx: typer.Context,
    *,
    as_account: AsAccount,
    name: Annotated[str, typer.Option(help="The item's name.", show_default=False)],
    description: Annotated[str | None, typer.Option(help="Free text.")] = None,
    price: Annotated[str | None, typer.Option(help="A decimal such as 9.99.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Create an item owned by the account."""
    cli: CliContext = ctx.obj
    data = ItemCreate.model_validate({"name": name, "description": description, "price": price})
    deps = cli.deps("items", ItemsDeps)
    item = cli.run_as(
        as_account, [WRITE], lambda actor: interface.create_item(deps, data=data, actor=actor)
    )
    cli.output(item, as_json, _item_text)


def _item_text(item: ItemRead) -> str:
    return columns(
        [
            ["id", item.id],
            ["name", item.name],
            ["description", item.description],
            ["price", item.price],
            ["version", item.version],
            ["created at", item.created_at],
        ]
    )


def _page_text(page: ItemPage) -> str:
    rows = [[item.name, item.price, item.version, item.updated_at, item.id] for item in page.items]
    items = table(["name", "price", "version", "updated at", "id"], rows)
    return f"{items}\n{counted(len(rows), page.total, page.offset)}"
