"""Administrators list accounts, change scopes and disable accounts; nobody else may."""

import dataclasses
from uuid import UUID, uuid4

import pytest
from dependency_injector import providers

from accounts.access import AccessMemo
from accounts.dependencies import AccountsDeps
from accounts.interface import create_admin, update_account
from accounts.serializers import AccountAdminUpdate, SignUp
from accounts.testing import PASSWORD, AccountsApi
from api.bootstrap import ApplicationContainer
from core.security import ADMIN_SCOPE, Principal

ACCOUNTS = "/api/v1/accounts"


@pytest.fixture
async def admin(accounts: AccountsApi, container: ApplicationContainer) -> dict[str, str]:
    deps: AccountsDeps = container.accounts.deps()  # type: ignore[attr-defined]
    await create_admin(
        deps, data=SignUp.model_validate({"email": "root@example.com", "password": PASSWORD})
    )
    return accounts.bearer(await accounts.sign_in("root@example.com"))


async def test_only_admins_list_accounts(accounts: AccountsApi, admin: dict[str, str]) -> None:
    user = accounts.bearer(await accounts.sign_in("ada@example.com"))

    as_user = await accounts.client.get(ACCOUNTS, headers=user)
    as_admin = await accounts.client.get(ACCOUNTS, headers=admin)

    assert as_user.status_code == 403
    assert as_user.headers["content-type"] == "application/problem+json"
    assert as_admin.status_code == 200
    assert {a["email"] for a in as_admin.json()["items"]} == {"root@example.com", "ada@example.com"}


async def test_disabling_an_account_stops_its_sign_in_tokens_and_refresh(
    accounts: AccountsApi, admin: dict[str, str]
) -> None:
    pair = await accounts.sign_in("ada@example.com")
    me = (await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))).json()

    disabled = await accounts.client.patch(
        f"{ACCOUNTS}/{me['id']}", json={"disabled": True}, headers=admin
    )

    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    live_token = await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))
    assert live_token.status_code == 401
    assert (await accounts.refresh(pair["refresh_token"])).status_code == 401
    assert (await accounts.token("ada@example.com")).status_code == 401


async def test_removing_a_scope_takes_effect_on_live_tokens(
    accounts: AccountsApi, admin: dict[str, str]
) -> None:
    pair = await accounts.sign_in("ada@example.com")
    me = (await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))).json()

    await accounts.client.patch(
        f"{ACCOUNTS}/{me['id']}", json={"scopes": ["items:read"]}, headers=admin
    )
    write = await accounts.client.post(
        "/api/v1/items", json={"name": "A"}, headers=accounts.bearer(pair)
    )

    assert write.status_code == 403


async def test_users_cannot_change_accounts(accounts: AccountsApi) -> None:
    pair = await accounts.sign_in("ada@example.com")
    me = (await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))).json()

    response = await accounts.client.patch(
        f"{ACCOUNTS}/{me['id']}", json={"scopes": ["accounts:admin"]}, headers=accounts.bearer(pair)
    )

    assert response.status_code == 403


async def test_create_admin_promotes_an_existing_account(
    accounts: AccountsApi, container: ApplicationContainer
) -> None:
    await accounts.sign_up("ada@example.com")
    deps: AccountsDeps = container.accounts.deps()  # type: ignore[attr-defined]

    promoted = await create_admin(
        deps,
        data=SignUp.model_validate(
            {"email": "ADA@example.com", "password": "another long password"}
        ),
    )

    assert "accounts:admin" in promoted.scopes
    assert (await accounts.token("ada@example.com")).status_code == 200, "password kept"


class RecheckClock:
    """The monotonic clock of the API's access memo, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def recheck_clock(container: ApplicationContainer) -> RecheckClock:
    """Requested before the app is built, so the accounts' deps take this memo."""
    clock = RecheckClock()
    memo = AccessMemo(5, timer=clock)
    container.accounts.access_memo.override(providers.Object(memo))  # type: ignore[attr-defined]
    return clock


async def test_a_change_made_elsewhere_reaches_live_tokens_within_the_recheck_time(
    recheck_clock: RecheckClock, accounts: AccountsApi, container: ApplicationContainer
) -> None:
    pair = await accounts.sign_in("ada@example.com")
    me = await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))
    deps: AccountsDeps = container.accounts.deps()  # type: ignore[attr-defined]
    # Another process (a second worker, the command line) remembers nothing of this one's.
    elsewhere = dataclasses.replace(deps, access=AccessMemo(0))
    admin = Principal(account_id=uuid4(), scopes=frozenset({ADMIN_SCOPE}))
    await update_account(
        elsewhere,
        account_id=UUID(me.json()["id"]),
        changes=AccountAdminUpdate(disabled=True),
        actor=admin,
    )

    recheck_clock.now += 4.9
    remembered = await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))
    recheck_clock.now += 0.2
    rechecked = await accounts.client.get(f"{ACCOUNTS}/me", headers=accounts.bearer(pair))

    assert me.status_code == 200
    assert remembered.status_code == 200
    assert rechecked.status_code == 401
