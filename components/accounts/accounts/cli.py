"""`armature accounts ...`: administration from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from accounts import interface
from accounts.dependencies import AccountsDeps
from accounts.serializers import SignUp
from api.cli import CliContext

app = typer.Typer(help="Accounts: administrators and scopes.", no_args_is_help=True)


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
) -> None:
    """Create an administrator, or promote an existing account to administrator."""
    cli: CliContext = ctx.obj
    try:
        data = SignUp.model_validate({"email": email, "password": password, "full_name": full_name})
    except ValidationError as exc:
        messages = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(messages) from None
    deps = cli.deps("accounts", AccountsDeps)
    account = cli.run(lambda: interface.create_admin(deps, data=data))
    typer.echo(f"{account.email} is an administrator (account {account.id})")
