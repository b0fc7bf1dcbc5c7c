"""Mails printed to the terminal: for development, where a link is read off the console."""

from __future__ import annotations

import sys
from typing import TextIO

from core.interfaces.notifier import Email, Notifier


class ConsoleNotifier(Notifier):
    """Writes each mail to a stream (standard error by default), whole, links included.

    Deliberately not through logging: the log pipeline masks `token=` fragments, which would
    make the links useless, and a mail is not a log line. Production refuses this adapter:
    nobody would ever read those mails.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, message: Email) -> None:
        stream = self._stream or sys.stderr
        rule = "-" * 72
        stream.write(
            f"{rule}\nTo: {message.to}\nSubject: {message.subject}\n\n{message.text}\n{rule}\n"
        )
        stream.flush()
