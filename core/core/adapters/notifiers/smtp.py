"""Mails through an SMTP relay with aiosmtplib: implicit TLS, STARTTLS or (locally) plain."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum

import aiosmtplib

from core.errors import ServiceUnavailable
from core.interfaces.notifier import Email, Notifier


class SmtpSecurity(StrEnum):
    """`tls`: TLS from the first byte (port 465); `starttls`: upgraded before anything is
    said (port 587), refused when the server cannot; `none`: plain, for a local relay only."""

    TLS = "tls"
    STARTTLS = "starttls"
    NONE = "none"


class SmtpNotifier(Notifier):
    """One connection per mail: mails are rare, and a relay drops idle connections anyway."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        security: SmtpSecurity = SmtpSecurity.STARTTLS,
        username: str | None = None,
        password: str | None = None,
        timeout_seconds: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout_seconds
        self._tls_context = tls_context

    async def send(self, message: Email) -> None:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2].strip("> ") or None)
        mail.set_content(message.text)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security is SmtpSecurity.TLS,
                start_tls=self._security is SmtpSecurity.STARTTLS,
                tls_context=self._tls_context,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ServiceUnavailable(
                f"The mail relay {self._host}:{self._port} did not take the mail: "
                f"{type(exc).__name__}."
            ) from exc
