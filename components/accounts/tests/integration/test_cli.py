"""`armature accounts ...`: the same use cases as the API; errors are messages."""

import sqlite3

import pytest

from accounts import interface
from accounts.serializers import SignUp
from accounts.testing import PASSWORD
from api.testing_cli import armature, cli_env, container_on, on_both_databases
from core.settings import ArmatureSettings

ANN = "ann@example.com"


@pytest.fixture
def env(database: str) -> dict[str, str]:
    return cli_env(
        database,
        PASSWORD_HASH_TIME_COST="1",
        PASSWORD_HASH_MEMORY_KIB="1024",
        ARMATURE_ADMIN_PASSWORD="long enough secret",
    )


@pytest.fixture
async def ann(database: str, component_settings: dict[str, ArmatureSettings]) -> None:
    """An account with the default scopes (items:read items:write in tests)."""
    async with container_on(database, component_settings) as container:
        data = SignUp.model_validate({"email": ANN, "password": PASSWORD})
        await interface.sign_up(container.accounts.deps(), data=data)


def accounts(env: dict[str, str]) -> list[tuple[str, str]]:
    path = env["DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute("select email, scopes from account").fetchall()


async def test_create_admin_creates_an_administrator(env: dict[str, str]) -> None:
    result = await armature(env, "accounts", "create-admin", "--email", "Ops@Example.com")

    assert "ops@example.com is an administrator" in result.text()
    assert accounts(env) == [("ops@example.com", "accounts:admin items:read items:write")]


async def test_create_admin_refuses_a_short_password_without_a_traceback(
    env: dict[str, str],
) -> None:
    env = {**env, "ARMATURE_ADMIN_PASSWORD": "tiny-secret"}

    result = await armature(env, "accounts", "create-admin", "--email", "ops@example.com")

    message = result.error()
    assert "error: invalid input: password: " in message
    assert "tiny-secret" not in message
    assert accounts(env) == []


@on_both_databases
@pytest.mark.usefixtures("ann")
async def test_grant_adds_scopes_that_the_account_list_then_holds(env: dict[str, str]) -> None:
    granted = await armature(env, "accounts", "grant", ANN, "automations:read", "items:read")
    listed = await armature(env, "accounts", "list", "--json")

    assert "scopes    automations:read items:read items:write\n" in granted.text()
    page = listed.json()
    assert (page["total"], page["limit"], page["offset"]) == (1, 20, 0)
    assert [(a["email"], a["scopes"]) for a in page["items"]] == [
        (ANN, ["automations:read", "items:read", "items:write"])
    ]


@pytest.mark.usefixtures("ann")
async def test_revoke_takes_scopes_back_and_refuses_an_unknown_account(
    env: dict[str, str],
) -> None:
    revoked = await armature(env, "accounts", "revoke", ANN, "items:write", "--json")
    unknown = await armature(env, "accounts", "revoke", "ghost@example.com", "items:read")

    account = revoked.json()
    assert (account["email"], account["scopes"]) == (ANN, ["items:read"])
    assert "error: Account ghost@example.com does not exist.\n" in unknown.error()
    assert accounts(env) == [(ANN, "items:read")]
