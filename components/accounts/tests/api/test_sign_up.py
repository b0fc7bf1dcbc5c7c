"""Sign-up: 201 without secrets, 409 on a duplicate email, 422 on bad input."""

import httpx
import pytest

from accounts.testing import PASSWORD, AccountsApi

ACCOUNTS = "/api/v1/accounts"


async def test_sign_up_returns_201_and_never_a_password_or_hash(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ACCOUNTS, json={"email": "Ada@Example.com", "password": PASSWORD, "full_name": "Ada"}
    )

    assert response.status_code == 201
    account = response.json()
    assert account["email"] == "ada@example.com"
    assert account["full_name"] == "Ada"
    assert account["scopes"] == ["items:read", "items:write"]
    assert account["disabled"] is False
    assert PASSWORD not in response.text
    assert "argon2" not in response.text
    assert not {"password", "password_hash"} & account.keys()


async def test_duplicate_email_in_any_case_is_409(accounts: AccountsApi) -> None:
    await accounts.sign_up("ada@example.com")

    response = await accounts.sign_up("ADA@example.COM")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:armature:problem:email_taken"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "ada@example.com", "password": "elevenchars"},
        {"email": "ada@example.com"},
        {"email": "ada@example.com", "password": PASSWORD, "scopes": ["accounts:admin"]},
    ],
    ids=["bad email", "short password", "no password", "self-granted scope"],
)
async def test_bad_sign_up_is_422_and_creates_nothing(
    client: httpx.AsyncClient, accounts: AccountsApi, body: dict[str, object]
) -> None:
    response = await client.post(ACCOUNTS, json=body)

    assert response.status_code == 422
    assert PASSWORD not in response.text, "a rejected password is never echoed"
    retry = await accounts.sign_up("ada@example.com")
    assert retry.status_code == 201
