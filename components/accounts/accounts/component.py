"""How the containers see the accounts component."""

from __future__ import annotations

from accounts.dependencies import AccountsContainer
from accounts.settings import AccountsSettings
from accounts.tables import start_mappers
from core.adapters.sqlalchemy import metadata
from core.components import Component
from core.security import ADMIN_SCOPE

component = Component(
    name="accounts",
    container=AccountsContainer,
    metadata=metadata,
    start_mappers=start_mappers,
    routers=("accounts.http:router",),
    root_routers=("accounts.http:well_known",),
    settings=AccountsSettings,
    scopes={ADMIN_SCOPE: "Manage every account and see every record."},
    exports=("authenticator",),
    commands="accounts.cli:app",
)
