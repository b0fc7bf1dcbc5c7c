"""How the containers see the items component."""

from __future__ import annotations

from core.adapters.sqlalchemy import metadata
from core.components import Component
from items.dependencies import ItemsContainer
from items.tables import start_mappers

component = Component(
    name="items",
    container=ItemsContainer,
    metadata=metadata,
    start_mappers=start_mappers,
    routers=("items.http:router",),
    scopes={
        "items:read": "Read your items.",
        "items:write": "Create, change and delete your items.",
    },
)
