"""Email verification and password reset: links mailed by the worker, each working once.

A request only records an event (in the unit of work, so in the outbox with the change);
the worker's consumers make the link and hand the mail to the notifier. A mail relay outage
therefore fails no request and loses no mail: the consumer fails, and the queue delivers the
event again later. Neither the link nor its token is ever logged or stored.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from accounts.dependencies import AccountsDeps
from accounts.errors import InvalidLink
from accounts.links import LinkPurpose, password_fingerprint
from accounts.mails import password_reset_mail, verification_mail
from accounts.models import Account
from accounts.repository import AccountsUnitOfWork
from core.interfaces import Email, Message

VERIFICATION_MAILER = "accounts.verification-mail"
PASSWORD_RESET_MAILER = "accounts.password-reset-mail"  # noqa: S105 (a consumer name)


async def request_email_verification(deps: AccountsDeps, *, email: str) -> None:
    """Mail a new verification link when an unverified account has this address; else nothing
    (and the caller cannot tell which)."""
    async with deps.uow() as uow:
        account = await uow.accounts.by_email(email.strip())
        if account is not None and account.request_verification(deps.clock()):
            await uow.commit()


async def verify_email(deps: AccountsDeps, *, token: str) -> None:
    """Mark the linked address verified; InvalidLink when forged, expired or already used."""
    claims = deps.links.claims(token, LinkPurpose.VERIFY_EMAIL)
    async with deps.uow() as uow:
        account = await uow.accounts.get(claims.account_id)
        if account is None or not account.verify_email(claims.binding, deps.clock()):
            raise InvalidLink
        await uow.commit()


async def request_password_reset(deps: AccountsDeps, *, email: str) -> None:
    """Mail a reset link when a live account with a password has this address; else nothing
    (and the caller cannot tell which)."""
    async with deps.uow() as uow:
        account = await uow.accounts.by_email(email.strip())
        if account is not None and account.request_password_reset(deps.clock()):
            await uow.commit()


async def reset_password(deps: AccountsDeps, *, token: str, password: str) -> None:
    """Set a new password and revoke every refresh token of the account; InvalidLink when the
    link is forged, expired or used (any password change spends it)."""
    claims = deps.links.claims(token, LinkPurpose.RESET_PASSWORD)
    password_hash = await deps.passwords.hash(password)
    now = deps.clock()
    async with deps.uow() as uow:
        account = await uow.accounts.get(claims.account_id)
        if account is None or account.disabled or not _bound(account, claims.binding):
            raise InvalidLink
        account.set_password(password_hash, now)
        await uow.refresh_tokens.revoke_account(account.id, now)
        await uow.commit()


async def send_verification_mail(deps: AccountsDeps, message: Message) -> bool:
    """On `account.verification_requested`: mail the link, unless the address is verified or
    changed since; True when a mail went out."""

    def mail(account: Account) -> Email | None:
        if account.email is None or account.email != message.data["email"]:
            return None
        if account.email_verified:
            return None
        link = deps.links.verification_link(account.id, account.email, deps.clock())
        return verification_mail(account.email, link, deps.links.verify_email_ttl)

    return await _send_once(deps, message, VERIFICATION_MAILER, mail)


async def send_password_reset_mail(deps: AccountsDeps, message: Message) -> bool:
    """On `account.password_reset_requested`: mail the link to a live account with a password;
    True when a mail went out."""

    def mail(account: Account) -> Email | None:
        if account.email is None or account.password_hash is None or account.disabled:
            return None
        link = deps.links.password_reset_link(account.id, account.password_hash, deps.clock())
        return password_reset_mail(account.email, link, deps.links.password_reset_ttl)

    return await _send_once(deps, message, PASSWORD_RESET_MAILER, mail)


async def _send_once(
    deps: AccountsDeps,
    message: Message,
    consumer: str,
    compose: Callable[[Account], Email | None],
) -> bool:
    """Compose the mail, send it outside any transaction, then note the message as handled.

    At least once: a crash between the relay's answer and the note mails it again, but no
    transaction waits on the relay, and a failed send notes nothing.
    """
    async with deps.uow() as uow:
        if not await uow.first_delivery(consumer, message.id):
            return False  # the claim is only peeked at: leaving rolls it back
        mail = await _composed(uow, message, compose)
    if mail is not None:
        await deps.notifier.send(mail)
    async with deps.uow() as uow:
        if await uow.first_delivery(consumer, message.id):
            await uow.commit()
    return mail is not None


async def _composed(
    uow: AccountsUnitOfWork, message: Message, compose: Callable[[Account], Email | None]
) -> Email | None:
    account = await uow.accounts.get(UUID(message.data["account_id"]))
    return None if account is None else compose(account)


def _bound(account: Account, binding: str) -> bool:
    return account.password_hash is not None and (
        password_fingerprint(account.password_hash) == binding
    )
