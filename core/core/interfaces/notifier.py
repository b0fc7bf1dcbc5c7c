"""The notifier port: messages to people, such as the mails of sign-up and password reset."""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class Email:
    """A plain-text mail to one recipient."""

    to: str
    subject: str
    text: str


class Notifier(abc.ABC):
    """Hands messages over for delivery.

    Raises core.errors.ServiceUnavailable when the relay cannot take the message now: the
    caller (a consumer) fails, and the queue delivers the event again later.
    """

    @abc.abstractmethod
    async def send(self, message: Email) -> None:
        """Hand the message to the relay; returns once the relay accepted it."""

    async def close(self) -> None:  # noqa: B027 (a hook: only pooled adapters need it)
        """Release connections."""
