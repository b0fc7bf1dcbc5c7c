"""`armature accounts ...`: administration from the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import typer

from accounts import interface
from accounts.dependencies import AccountsDeps
from accounts.serializers import (
    AccountAdminUpdate,
    AccountListQuery,
    AccountPage,
    AccountRead,
    SignUp,
)
from api.cli import CliContext, JsonOutput, columns, counted, table
from core.security import ADMIN_SCOPE, Principal

app = typer.Typer(help="Accounts: administrators and scopes.", no_args_is_help=True)

# Whoever runs the command line on the server: an administrator by holding the server's
# credentials, as `create-admin` already assumes. It passes the administrator check of
# `update_account` and nothing else; it owns no record, so no command creates any as it.
OPERATOR = Principal(account_id=UUID(int=0), scopes=frozenset({ADMIN_SCOPE}))

Email = Annotated[str, typer.Argument(help="The account's email.", show_default=False)]
Scopes = Annotated[
    list[str], typer.Argument(metavar="SCOPE...", help="Scopes such as automations:read.")
]


@app.command("create-admin")
def create_admin(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="The administrator's email (their username).")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="ARMATURE_ADMIN_PASSWORD",
            help="Prompted for when not given; or set ARMATURE_ADMIN_PASSWORD.",
        ),
    ],
    full_name: Annotated[str | None, typer.Option(help="Shown in the account.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Create an administrator, or promote an existing account to administrator."""
    cli: CliContext = ctx.obj
    data = SignUp.model_validate({"email": email, "password": password, "full_name": full_name})
    deps = cli.deps("accounts", AccountsDeps)
    account = cli.run(lambda: interface.create_admin(deps, data=data))
    cli.output(account, as_json, lambda a: f"{a.email} is an administrator (account {a.id})")


@app.command("list")
def list_accounts(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="At most this many (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many, oldest first.")] = 0,
    as_json: JsonOutput = False,
) -> None:
    """List the accounts, oldest first."""
    cli: CliContext = ctx.obj
    query = AccountListQuery(limit=limit, offset=offset)
    deps = cli.deps("accounts", AccountsDeps)
    cli.output(cli.run(lambda: interface.list_accounts(deps, query=query)), as_json, _page_text)


@app.command()
def grant(ctx: typer.Context, email: Email, scopes: Scopes, as_json: JsonOutput = False) -> None:
    """Add scopes to an account: its next sign-in may ask for them."""
    AccountAdminUpdate(scopes=scopes)  # refuse a malformed scope before looking anything up
    _change_scopes(ctx.obj, email, lambda held: held | set(scopes), as_json)


@app.command()
def revoke(ctx: typer.Context, email: Email, scopes: Scopes, as_json: JsonOutput = False) -> None:
    """Take scopes from an account: its live tokens lose them at once."""
    _change_scopes(ctx.obj, email, lambda held: held - set(scopes), as_json)


def _change_scopes(
    cli: CliContext, email: str, change: Callable[[set[str]], set[str]], as_json: bool
) -> None:
    deps = cli.deps("accounts", AccountsDeps)

    async def _change() -> AccountRead:
        account = await interface.find_account(deps, email=email)
        changes = AccountAdminUpdate(scopes=sorted(change(set(account.scopes))))
        return await interface.update_account(
            deps, account_id=account.id, changes=changes, actor=OPERATOR
        )

    cli.output(cli.run(_change), as_json, _account_text)


def _account_text(account: AccountRead) -> str:
    return columns(
        [
            ["email", account.email],
            ["id", account.id],
            ["scopes", account.scopes],
            ["disabled", account.disabled],
        ]
    )


def _page_text(page: AccountPage) -> str:
    rows = [
        [account.email, account.scopes, account.disabled, account.created_at, account.id]
        for account in page.items
    ]
    accounts = table(["email", "scopes", "disabled", "created at", "id"], rows)
    return f"{accounts}\n{counted(len(rows), page.total, page.offset)}"
