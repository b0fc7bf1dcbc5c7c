"""Sign-up verification and password reset, end to end: a real server with its event
machinery (outbox relay, queue, consumers: the worker's code, in process as `make run`
runs it) mails the links through a real SMTP server on a free port, which keeps them."""

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from accounts.settings import AccountsSettings
from accounts.testing import PASSWORD, AccountsApi, accounts_test_settings
from api.settings import Settings
from api.testing_mail_and_files import SmtpSink, smtp_server
from api.testing_servers import migrated_database, serve_api
from core.adapters.jose_tokens import generate_signing_key_pem
from core.adapters.notifiers import SmtpSecurity
from core.settings import ArmatureSettings, Environment
from core.testing.ports import free_port

ANN = "ann@example.com"
NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"https://app\.example\.com/(verify-email|reset-password)#token=(\S+)")


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def accounts_settings(request: pytest.FixtureRequest) -> AccountsSettings:
    """Links to a front end's pages; parametrized with True, verified emails are required."""
    return accounts_test_settings(
        generate_signing_key_pem(),
        accounts_verify_email_url="https://app.example.com/verify-email#token={token}",
        accounts_password_reset_url="https://app.example.com/reset-password#token={token}",
        accounts_require_verified_email=getattr(request, "param", False),
    )


@pytest.fixture
def base_url(
    database_url: str,
    smtp_port: int,
    tmp_path: Path,
    component_settings: dict[str, ArmatureSettings],
    accounts_settings: AccountsSettings,
) -> Iterator[str]:
    settings = Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=SecretStr(database_url),
        files_dir=tmp_path / "files",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security=SmtpSecurity.NONE,
        mail_from="Armature <noreply@example.com>",
    )
    with serve_api(settings, {**component_settings, "accounts": accounts_settings}) as url:
        yield url


@pytest.fixture
def sink(smtp_port: int) -> Iterator[SmtpSink]:
    with smtp_server(port=smtp_port) as sink:
        yield sink


@pytest.fixture
async def accounts(base_url: str) -> AsyncIterator[AccountsApi]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        yield AccountsApi(client)


async def mails(sink: SmtpSink, count: int) -> list[EmailMessage]:
    return await asyncio.to_thread(sink.wait_for, count, 20.0)


def link_token(mail: EmailMessage, kind: str) -> str:
    found = LINK.search(mail.get_content())
    assert found is not None, mail.get_content()
    assert found.group(1) == kind
    return found.group(2)


@pytest.mark.usefixtures("base_url")
async def test_sign_up_mails_a_link_that_verifies_once_and_never_again(
    accounts: AccountsApi, sink: SmtpSink
) -> None:
    signed_up = await accounts.sign_up(ANN)
    [mail] = await mails(sink, 1)
    token = link_token(mail, "verify-email")

    first = await accounts.client.post("/api/v1/auth/verify-email", json={"token": token})
    again = await accounts.client.post("/api/v1/auth/verify-email", json={"token": token})
    me = await accounts.client.get(
        "/api/v1/accounts/me", headers=AccountsApi.bearer((await accounts.token(ANN)).json())
    )

    assert signed_up.status_code == 201
    assert signed_up.json()["email_verified_at"] is None
    assert (mail["To"], mail["Subject"]) == (ANN, "Confirm your email address")
    assert sink.recipients == [[ANN]]
    assert first.status_code == 204
    assert (again.status_code, again.json()["type"]) == (422, "urn:armature:problem:invalid_link")
    assert me.json()["email_verified_at"] is not None


@pytest.mark.usefixtures("base_url")
async def test_password_reset_sets_the_password_and_revokes_every_refresh_token(
    accounts: AccountsApi, sink: SmtpSink
) -> None:
    pair = await accounts.sign_in(ANN)
    await mails(sink, 1)  # the verification mail

    requested = await accounts.client.post("/api/v1/auth/password-reset", json={"email": ANN})
    token = link_token((await mails(sink, 2))[1], "reset-password")
    reset = await _confirm(accounts, token, NEW_PASSWORD)
    reused = await _confirm(accounts, token, "yet another passphrase")

    assert requested.status_code == 202
    assert reset.status_code == 204
    assert (reused.status_code, reused.json()["type"]) == (422, "urn:armature:problem:invalid_link")
    assert (await accounts.refresh(pair["refresh_token"])).status_code == 401
    assert (await accounts.token(ANN, PASSWORD)).status_code == 401
    assert (await accounts.token(ANN, NEW_PASSWORD)).status_code == 200


@pytest.mark.usefixtures("base_url")
async def test_an_unknown_email_gets_the_same_202_and_no_mail(
    accounts: AccountsApi, sink: SmtpSink
) -> None:
    await accounts.sign_up(ANN)
    await mails(sink, 1)

    unknown = await accounts.client.post(
        "/api/v1/auth/password-reset", json={"email": "nobody@example.com"}
    )
    known = await accounts.client.post("/api/v1/auth/password-reset", json={"email": ANN})
    received = await mails(sink, 2)
    await asyncio.sleep(0.5)

    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert unknown.status_code == 202
    assert [m["To"] for m in sink.messages] == [ANN, ANN]
    assert received[1]["Subject"] == "Reset your password"


@pytest.mark.usefixtures("base_url")
async def test_a_mail_relay_outage_fails_no_request_and_loses_no_mail(
    accounts: AccountsApi, smtp_port: int
) -> None:
    signed_up = await accounts.sign_up(ANN)  # nothing listens on the SMTP port yet
    await asyncio.sleep(1.0)  # the consumer fails and the queue retries with backoff

    with smtp_server(port=smtp_port) as sink:
        [mail] = await mails(sink, 1)

    assert signed_up.status_code == 201
    assert link_token(mail, "verify-email")


@pytest.mark.usefixtures("base_url")
@pytest.mark.parametrize("accounts_settings", [True], indirect=True)
async def test_with_verification_required_tokens_wait_for_the_link(
    accounts: AccountsApi, sink: SmtpSink
) -> None:
    await accounts.sign_up(ANN)
    token = link_token((await mails(sink, 1))[0], "verify-email")

    refused = await accounts.token(ANN)
    wrong_password = await accounts.token(ANN, "not the password at all")
    await accounts.client.post("/api/v1/auth/verify-email", json={"token": token})
    granted = await accounts.token(ANN)

    assert (refused.status_code, refused.json()["type"]) == (
        403,
        "urn:armature:problem:email_not_verified",
    )
    assert wrong_password.status_code == 401, "a wrong password learns nothing about the account"
    assert granted.status_code == 200


async def _confirm(accounts: AccountsApi, token: str, password: str) -> httpx.Response:
    return await accounts.client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": password}
    )
