"""The SMTP notifier hands real mails to a real SMTP server (aiosmtpd, on a free local port):
plain, and STARTTLS with a login; an unreachable or refusing relay is ServiceUnavailable."""

import io

import pytest

from api.testing_mail_and_files import smtp_server
from core.adapters.notifiers import ConsoleNotifier, SmtpNotifier, SmtpSecurity
from core.errors import ServiceUnavailable
from core.interfaces.notifier import Email
from core.testing import FakeNotifier
from core.testing.ports import free_port

MAIL = Email(
    to="ann@example.com",
    subject="Vérifiez votre adresse",
    text="Open https://app.example.com/verify#token=abc to verify.\n",
)


async def test_smtp_delivers_the_mail_with_its_headers_and_text() -> None:
    with smtp_server() as sink:
        notifier = SmtpNotifier(
            sink.host,
            sink.port,
            sender="Armature <noreply@example.com>",
            security=SmtpSecurity.NONE,
        )

        await notifier.send(MAIL)

        [received] = sink.wait_for(1)
    assert sink.recipients == [["ann@example.com"]]
    assert received["From"] == "Armature <noreply@example.com>"
    assert received["To"] == "ann@example.com"
    assert received["Subject"] == "Vérifiez votre adresse"
    assert received["Message-ID"].endswith("@example.com>")
    assert received.get_content().replace("\r\n", "\n") == MAIL.text


async def test_smtp_upgrades_with_starttls_and_logs_in() -> None:
    with smtp_server(starttls=True, credentials=("mailer", "s3cret-k9w2")) as sink:
        notifier = SmtpNotifier(
            sink.host,
            sink.port,
            sender="noreply@example.com",
            security=SmtpSecurity.STARTTLS,
            username="mailer",
            password="s3cret-k9w2",
            tls_context=sink.tls_context,
        )

        await notifier.send(MAIL)

        [received] = sink.wait_for(1)
    assert sink.logins == ["mailer"]
    assert received.get_content().replace("\r\n", "\n") == MAIL.text


async def test_smtp_with_a_wrong_password_is_service_unavailable_and_delivers_nothing() -> None:
    with smtp_server(starttls=True, credentials=("mailer", "s3cret-k9w2")) as sink:
        notifier = SmtpNotifier(
            sink.host,
            sink.port,
            sender="noreply@example.com",
            username="mailer",
            password="wrong",
            tls_context=sink.tls_context,
        )

        with pytest.raises(ServiceUnavailable):
            await notifier.send(MAIL)

    assert sink.messages == []


async def test_smtp_refuses_to_send_in_clear_when_starttls_is_asked_but_not_offered() -> None:
    with smtp_server() as sink:
        notifier = SmtpNotifier(sink.host, sink.port, sender="noreply@example.com")

        with pytest.raises(ServiceUnavailable):
            await notifier.send(MAIL)

    assert sink.messages == []


async def test_smtp_unreachable_is_service_unavailable() -> None:
    notifier = SmtpNotifier(
        "127.0.0.1", free_port(), sender="noreply@example.com", timeout_seconds=2
    )

    with pytest.raises(ServiceUnavailable, match="did not take the mail"):
        await notifier.send(MAIL)


async def test_console_writes_the_whole_mail_link_included() -> None:
    output = io.StringIO()

    await ConsoleNotifier(output).send(MAIL)

    text = output.getvalue()
    assert "To: ann@example.com\nSubject: Vérifiez votre adresse\n" in text
    assert "https://app.example.com/verify#token=abc" in text


async def test_fake_keeps_accepted_mails_and_refuses_them_while_unavailable() -> None:
    notifier = FakeNotifier()

    await notifier.send(MAIL)
    notifier.available = False
    with pytest.raises(ServiceUnavailable):
        await notifier.send(MAIL)

    assert notifier.sent == [MAIL]
