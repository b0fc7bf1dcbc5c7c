"""The items HTTP adapter, version 2: keyset pages (`/api/v2/items`).

Version 1 (items.http) keeps serving its clients unchanged; this router adds what v2 changes.
"""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.

from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query, Security

from api.security import authenticated
from core.injection import Provide
from core.problems import problem_responses
from core.security import Principal
from items import interface
from items.dependencies import ItemsDeps
from items.serializers import ItemCursorPage, ItemCursorQuery

router = APIRouter(prefix="/items", tags=["items"])

Deps = Annotated[ItemsDeps, Depends(Provide["items.deps"])]
Reader = Annotated[Principal, Security(authenticated, scopes=["items:read"])]


@router.get("", name="list_items_v2", responses=problem_responses(400, 401, 403, 422))
@inject
async def list_items(
    query: Annotated[ItemCursorQuery, Query()], actor: Reader, deps: Deps
) -> ItemCursorPage:
    """A page in a stable order (ties broken by id); pass `next_cursor` back for the next."""
    return await interface.list_items_after(deps, query=query, actor=actor)
