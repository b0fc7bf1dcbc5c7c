"""How the containers see the accounts component."""

from __future__ import annotations

from accounts import interface
from accounts.dependencies import AccountsContainer
from accounts.models import PASSWORD_RESET_REQUESTED, VERIFICATION_REQUESTED
from accounts.settings import AccountsSettings
from accounts.tables import start_mappers
from core.adapters.sqlalchemy import metadata
from core.components import Component, Consumer
from core.security import ADMIN_SCOPE

component = Component(
    name="accounts",
    container=AccountsContainer,
    metadata=metadata,
    start_mappers=start_mappers,
    routers=("accounts.http:router", "accounts.http_links:router"),
    root_routers=("accounts.http:well_known",),
    settings=AccountsSettings,
    scopes={ADMIN_SCOPE: "Manage every account and see every record."},
    exports=("authenticator", "principals"),
    commands="accounts.cli:app",
    # Mails leave from the worker: a relay outage never fails a request, nor loses a mail.
    consumers=(
        Consumer(
            interface.VERIFICATION_MAILER, VERIFICATION_REQUESTED, interface.send_verification_mail
        ),
        Consumer(
            interface.PASSWORD_RESET_MAILER,
            PASSWORD_RESET_REQUESTED,
            interface.send_password_reset_mail,
        ),
    ),
)
