"""What the accounts use cases need, and the container that provides it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import async_sessionmaker

from accounts.access import AccessMemo
from accounts.links import MailedLinks
from accounts.passwords import Passwords
from accounts.repository import AccountsUnitOfWork, SqlAccountsUnitOfWork
from accounts.settings import AccountsSettings
from accounts.tokens import TokenService
from core.adapters.jose_tokens import JoseTokenCodec, generate_signing_key_pem
from core.adapters.oidc import OidcTokenVerifier, TrustedIssuer
from core.clock import Clock, utc_now
from core.interfaces import Cache, Notifier

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountsDeps:
    uow: Callable[[], AccountsUnitOfWork]
    passwords: Passwords
    tokens: TokenService
    default_scopes: frozenset[str]
    notifier: Notifier
    links: MailedLinks
    require_verified_email: bool = False
    clock: Clock = utc_now
    read_uow: Callable[[], AccountsUnitOfWork] | None = None
    # Off unless built with a lifetime: use cases built by hand (tests) read every time.
    access: AccessMemo = field(default_factory=lambda: AccessMemo(0))

    def reader(self) -> AccountsUnitOfWork:
        """A unit for use cases that only read (see SqlAlchemyUnitOfWork); else a plain one."""
        return (self.read_uow or self.uow)()


def build_codec(settings: AccountsSettings) -> JoseTokenCodec:
    """The codec from the configured key; outside production, an ephemeral key if none is set."""
    if settings.token_signing_key is None:
        logger.warning("TOKEN_SIGNING_KEY is unset: signing with an ephemeral development key")
        pem = generate_signing_key_pem()
    else:
        pem = settings.token_signing_key.get_secret_value()
    return JoseTokenCodec(
        pem,
        algorithms=settings.algorithms,
        previous_public_pems=settings.previous_public_pems(),
    )


def build_token_service(settings: AccountsSettings, codec: JoseTokenCodec) -> TokenService:
    return TokenService(
        codec=codec,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
    )


def build_links(settings: AccountsSettings, codec: JoseTokenCodec) -> MailedLinks:
    return MailedLinks(
        codec=codec,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        verify_email_url=settings.accounts_verify_email_url,
        password_reset_url=settings.accounts_password_reset_url,
        verify_email_ttl=timedelta(seconds=settings.accounts_verify_email_ttl_seconds),
        password_reset_ttl=timedelta(seconds=settings.accounts_password_reset_ttl_seconds),
    )


def build_passwords(settings: AccountsSettings) -> Passwords:
    return Passwords(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )


def build_federation(
    settings: AccountsSettings, http_client: httpx.AsyncClient, cache: Cache
) -> OidcTokenVerifier:
    """The verifier of the configured external OIDC issuers' tokens (none: it trusts nobody)."""
    issuers = [
        TrustedIssuer(issuer.issuer, issuer.audience, frozenset(issuer.algorithms))
        for issuer in settings.oidc_issuers
    ]
    return OidcTokenVerifier(
        http_client,
        issuers,
        cache=cache,
        cache_ttl_seconds=settings.oidc_cache_ttl_seconds,
        refetch_cooldown_seconds=settings.oidc_refetch_cooldown_seconds,
    )


def default_scopes(settings: AccountsSettings) -> frozenset[str]:
    return settings.default_scopes


class AccountsContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=AccountsSettings)
    session_factory = providers.Dependency(instance_of=async_sessionmaker)
    # The root container's shared client: one connection pool for every outbound call.
    http_client = providers.Dependency(instance_of=httpx.AsyncClient)
    # The root container's cache: providers' discovery and keys, shared by every worker.
    cache = providers.Dependency(instance_of=Cache)  # type: ignore[type-abstract]
    # The root container's notifier: SMTP, or the console in development.
    notifier = providers.Dependency(instance_of=Notifier)  # type: ignore[type-abstract]
    clock = providers.Object(utc_now)

    codec = providers.Singleton(build_codec, settings)
    tokens = providers.Singleton(build_token_service, settings, codec)
    links = providers.Singleton(build_links, settings, codec)
    federation = providers.Singleton(build_federation, settings, http_client, cache)
    passwords = providers.Singleton(build_passwords, settings)
    access_memo = providers.Singleton(
        lambda settings: AccessMemo(settings.accounts_access_recheck_seconds), settings
    )
    unit_of_work = providers.Factory(SqlAccountsUnitOfWork, session_factory=session_factory)
    read_unit_of_work = providers.Factory(
        SqlAccountsUnitOfWork, session_factory=session_factory, read_only=True
    )
    deps = providers.Singleton(
        AccountsDeps,
        uow=unit_of_work.provider,
        read_uow=read_unit_of_work.provider,
        passwords=passwords,
        tokens=tokens,
        default_scopes=providers.Callable(default_scopes, settings),
        notifier=notifier,
        links=links,
        require_verified_email=providers.Callable(
            lambda settings: settings.accounts_require_verified_email, settings
        ),
        clock=clock,
        access=access_memo,
    )
    # By import path: the authenticator calls the use cases, which import this module.
    authenticator: providers.Singleton[Any] = providers.Singleton(
        "accounts.authenticator.AccountsAuthenticator", deps, federation
    )
    principals: providers.Singleton[Any] = providers.Singleton(
        "accounts.authenticator.AccountsPrincipals", deps
    )
