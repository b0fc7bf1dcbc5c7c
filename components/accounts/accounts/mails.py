"""The texts of the mails accounts send: plain, short, and honest about what the link does."""

from __future__ import annotations

from datetime import timedelta

from core.interfaces.notifier import Email


def verification_mail(to: str, link: str, valid_for: timedelta) -> Email:
    return Email(
        to=to,
        subject="Confirm your email address",
        text=(
            "Someone (hopefully you) signed up with this address.\n\n"
            f"Confirm it by opening this link within {_duration(valid_for)}:\n\n{link}\n\n"
            "It works once. If you did not sign up, ignore this mail.\n"
        ),
    )


def password_reset_mail(to: str, link: str, valid_for: timedelta) -> Email:
    return Email(
        to=to,
        subject="Reset your password",
        text=(
            "Someone (hopefully you) asked to reset the password of your account.\n\n"
            f"Choose a new one by opening this link within {_duration(valid_for)}:\n\n{link}\n\n"
            "It works once, and setting a new password signs out every session. If you did "
            "not ask, ignore this mail: your password stays as it is.\n"
        ),
    )


def _duration(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    if hours >= 48 and hours % 24 == 0:  # noqa: PLR2004 (two days)
        return f"{hours // 24} days"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{int(span.total_seconds() // 60)} minutes"
