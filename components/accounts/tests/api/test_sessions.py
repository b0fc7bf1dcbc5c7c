"""Sign in, the caller's account, refresh rotation with reuse detection, sign out."""

import base64
import json
from typing import Any

import httpx

from accounts.testing import PASSWORD, AccountsApi

ME = "/api/v1/accounts/me"


def segment(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def claims_of(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return segment(header), segment(payload)


async def test_password_grant_returns_an_oauth2_token_response(accounts: AccountsApi) -> None:
    await accounts.sign_up("ada@example.com")

    response = await accounts.token("ADA@example.com")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body.keys() == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "items:read items:write"


async def test_access_token_is_an_asymmetric_jwt_with_the_required_claims(
    accounts: AccountsApi,
) -> None:
    pair = await accounts.sign_in("ada@example.com")
    me = (await accounts.client.get(ME, headers=accounts.bearer(pair))).json()

    header, claims = claims_of(pair["access_token"])

    assert header["alg"] in {"ES256", "RS256"}
    assert header["kid"]
    assert claims.keys() >= {"iss", "aud", "sub", "exp", "iat", "jti", "scope"}
    assert claims["sub"] == me["id"]
    assert 0 < claims["exp"] - claims["iat"] <= 15 * 60


async def test_requested_scope_narrows_the_token(accounts: AccountsApi) -> None:
    pair = await accounts.sign_in("ada@example.com", scope="items:read accounts:admin")

    assert pair["scope"] == "items:read", "a scope the account lacks is never granted"
    _, claims = claims_of(pair["access_token"])
    assert claims["scope"] == "items:read"


async def test_me_returns_the_caller(accounts: AccountsApi) -> None:
    pair = await accounts.sign_in("ada@example.com")

    response = await accounts.client.get(ME, headers=accounts.bearer(pair))

    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"


async def test_wrong_password_and_unknown_email_get_the_same_401(accounts: AccountsApi) -> None:
    await accounts.sign_up("ada@example.com")

    wrong = await accounts.token("ada@example.com", password="not the password")
    unknown = await accounts.token("nobody@example.com")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.headers["content-type"] == "application/problem+json"
    same = {key: value for key, value in wrong.json().items() if key != "instance"}
    assert same == {key: value for key, value in unknown.json().items() if key != "instance"}
    assert wrong.json()["instance"] != unknown.json()["instance"], "each names its own request"


async def test_other_grant_types_are_refused(accounts: AccountsApi) -> None:
    await accounts.sign_up("ada@example.com")

    response = await accounts.client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "username": "ada@example.com",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 422


async def test_refresh_rotates_the_pair(accounts: AccountsApi) -> None:
    first = await accounts.sign_in("ada@example.com")

    response = await accounts.refresh(first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    me = await accounts.client.get(ME, headers=accounts.bearer(second))
    assert me.status_code == 200


async def test_reusing_a_refresh_token_revokes_the_whole_family(accounts: AccountsApi) -> None:
    first = await accounts.sign_in("ada@example.com")
    second = (await accounts.refresh(first["refresh_token"])).json()

    reuse = await accounts.refresh(first["refresh_token"])
    newest = await accounts.refresh(second["refresh_token"])

    assert reuse.status_code == 401
    assert newest.status_code == 401, "the newest token of the family stops working too"


async def test_reuse_revokes_only_its_own_family(accounts: AccountsApi) -> None:
    phone = await accounts.sign_in("ada@example.com")
    laptop = await accounts.sign_in("ada@example.com")
    await accounts.refresh(phone["refresh_token"])

    await accounts.refresh(phone["refresh_token"])

    assert (await accounts.refresh(laptop["refresh_token"])).status_code == 200


async def test_logout_revokes_the_refresh_token(accounts: AccountsApi) -> None:
    pair = await accounts.sign_in("ada@example.com")

    logout = await accounts.client.post(
        "/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}
    )

    assert logout.status_code == 204
    assert (await accounts.refresh(pair["refresh_token"])).status_code == 401


async def test_unknown_refresh_token_is_401(accounts: AccountsApi) -> None:
    assert (await accounts.refresh("never-issued")).status_code == 401


async def test_two_accounts_cannot_see_or_touch_each_others_items(accounts: AccountsApi) -> None:
    ada = accounts.bearer(await accounts.sign_in("ada@example.com"))
    bob = accounts.bearer(await accounts.sign_in("bob@example.com"))
    client: httpx.AsyncClient = accounts.client
    item = (await client.post("/api/v1/items", json={"name": "Ada's"}, headers=ada)).json()

    bob_list = (await client.get("/api/v1/items", headers=bob)).json()
    bob_read = await client.get(f"/api/v1/items/{item['id']}", headers=bob)
    bob_write = await client.patch(f"/api/v1/items/{item['id']}", json={"name": "x"}, headers=bob)
    bob_delete = await client.delete(f"/api/v1/items/{item['id']}", headers=bob)

    assert bob_list["total"] == 0
    assert [bob_read.status_code, bob_write.status_code, bob_delete.status_code] == [404] * 3
    assert (await client.get(f"/api/v1/items/{item['id']}", headers=ada)).json() == item


async def test_forty_wrong_passwords_in_a_row_hit_429_with_retry_after(
    accounts: AccountsApi,
) -> None:
    await accounts.sign_up("ada@example.com")

    statuses = [
        (await accounts.token("ada@example.com", password=f"wrong guess {n}")).status_code
        for n in range(40)
    ]
    refused = await accounts.token("ada@example.com")

    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    assert refused.status_code == 429, "even the right password waits out the limit"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"] == "application/problem+json"
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= refused.headers.keys()
