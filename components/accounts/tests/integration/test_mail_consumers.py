"""The mail consumers on a real database, with the fake notifier: a relay outage loses no
mail, a redelivery sends none twice, the outbox never holds a secret, and a link does one
job only."""

from typing import Any

import pytest
from dependency_injector import providers
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts import interface
from accounts.dependencies import AccountsDeps
from accounts.errors import InvalidLink
from accounts.models import PASSWORD_RESET_REQUESTED, VERIFICATION_REQUESTED
from accounts.serializers import SignUp
from accounts.testing import PASSWORD
from api.bootstrap import ApplicationContainer
from core.adapters.sqlalchemy.outbox import message_from_row, outbox_table
from core.errors import ServiceUnavailable, Unauthenticated
from core.interfaces import Message
from core.testing import FakeNotifier

ANN = "ann@example.com"


@pytest.fixture
def notifier(container: ApplicationContainer) -> FakeNotifier:
    fake = FakeNotifier()
    container.notifier.override(providers.Object(fake))
    return fake


@pytest.fixture
def deps(container: ApplicationContainer, notifier: FakeNotifier) -> AccountsDeps:
    accounts: Any = container.accounts
    found: AccountsDeps = accounts.deps()
    return found


async def events(session_factory: async_sessionmaker[AsyncSession], kind: str) -> list[Message]:
    async with session_factory() as session:
        rows = (
            await session.execute(select(outbox_table).where(outbox_table.c.type == kind))
        ).all()
    return [message_from_row(row) for row in rows]


def token_of(text: str) -> str:
    return text.split("#token=", 1)[1].split(maxsplit=1)[0]


async def test_sign_up_records_who_to_mail_and_no_secret(
    deps: AccountsDeps, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    account = await interface.sign_up(deps, data=SignUp(email=ANN, password=SecretStr(PASSWORD)))

    [event] = await events(session_factory, VERIFICATION_REQUESTED)
    assert dict(event.data) == {"account_id": str(account.id), "email": ANN}


async def test_a_mail_refused_by_the_relay_is_sent_on_redelivery_and_only_once(
    deps: AccountsDeps, notifier: FakeNotifier, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await interface.sign_up(deps, data=SignUp(email=ANN, password=SecretStr(PASSWORD)))
    [event] = await events(session_factory, VERIFICATION_REQUESTED)

    notifier.available = False
    with pytest.raises(ServiceUnavailable):
        await interface.send_verification_mail(deps, event)
    notifier.available = True
    sent = await interface.send_verification_mail(deps, event)
    again = await interface.send_verification_mail(deps, event)

    assert (sent, again) == (True, False)
    assert [(mail.to, mail.subject) for mail in notifier.sent] == [
        (ANN, "Confirm your email address")
    ]


async def test_no_reset_mail_for_an_unknown_address_nor_a_second_one_per_request(
    deps: AccountsDeps, notifier: FakeNotifier, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await interface.sign_up(deps, data=SignUp(email=ANN, password=SecretStr(PASSWORD)))

    await interface.request_password_reset(deps, email="nobody@example.com")
    await interface.request_password_reset(deps, email=" Ann@Example.com ")
    [event] = await events(session_factory, PASSWORD_RESET_REQUESTED)
    await interface.send_password_reset_mail(deps, event)
    await interface.send_password_reset_mail(deps, event)

    assert [(mail.to, mail.subject) for mail in notifier.sent] == [(ANN, "Reset your password")]


async def test_a_link_does_its_own_job_only(
    deps: AccountsDeps, notifier: FakeNotifier, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await interface.sign_up(deps, data=SignUp(email=ANN, password=SecretStr(PASSWORD)))
    await interface.request_password_reset(deps, email=ANN)
    for kind, send in (
        (VERIFICATION_REQUESTED, interface.send_verification_mail),
        (PASSWORD_RESET_REQUESTED, interface.send_password_reset_mail),
    ):
        [event] = await events(session_factory, kind)
        await send(deps, event)
    verify, reset = (token_of(mail.text) for mail in notifier.sent)

    with pytest.raises(InvalidLink):
        await interface.reset_password(deps, token=verify, password="another long passphrase")
    with pytest.raises(InvalidLink):
        await interface.verify_email(deps, token=reset)
    with pytest.raises(Unauthenticated):
        await interface.authenticate(deps, access_token=verify)
    with pytest.raises(InvalidLink):
        await interface.verify_email(deps, token=verify[:-4] + "AAAA")
    await interface.verify_email(deps, token=verify)
    await interface.reset_password(deps, token=reset, password="another long passphrase")
