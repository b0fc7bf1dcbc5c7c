"""The items HTTP adapter: thin routes that parse, call one use case and describe the result."""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.

from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Header, Query, Request, Response, Security, status

from api.security import authenticated
from core.etags import etag_for, none_match, versions_from_if_match
from core.injection import Provide
from core.problems import problem_responses
from core.security import Principal
from items import interface
from items.dependencies import ItemsDeps
from items.serializers import ItemCreate, ItemListQuery, ItemPage, ItemRead, ItemUpdate

router = APIRouter(prefix="/items", tags=["items"])

READ, WRITE = "items:read", "items:write"

Deps = Annotated[ItemsDeps, Depends(Provide["items.deps"])]
Reader = Annotated[Principal, Security(authenticated, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticated, scopes=[WRITE])]
IfMatch = Annotated[str | None, Header(description="Apply only at this ETag.")]
IfNoneMatch = Annotated[str | None, Header(description="304 when the ETag still matches.")]


def _tag(response: Response, item: ItemRead) -> ItemRead:
    response.headers["ETag"] = etag_for(item.version)
    return item


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 401, 403, 422)
)
@inject
async def create_item(
    data: ItemCreate, actor: Writer, deps: Deps, request: Request, response: Response
) -> ItemRead:
    item = await interface.create_item(deps, data=data, actor=actor)
    # The new member of the collection the request was posted to: no route lookup.
    response.headers["Location"] = f"{request.scope['path'].rstrip('/')}/{item.id}"
    return _tag(response, item)


@router.get("", response_model=ItemPage, responses=problem_responses(401, 403, 422))
@inject
async def list_items(
    query: Annotated[ItemListQuery, Query()], actor: Reader, deps: Deps
) -> Response:
    # Sent as the use case wrote it: an ItemPage, already JSON (see list_items_json).
    body = await interface.list_items_json(deps, query=query, actor=actor)
    return Response(body, media_type="application/json")


@router.get(
    "/{item_id}",
    response_model=ItemRead,
    responses={304: {}, **problem_responses(401, 403, 404, 422)},
)
@inject
async def get_item(
    item_id: UUID,
    actor: Reader,
    deps: Deps,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> ItemRead | Response:
    item = await interface.get_item(deps, item_id=item_id, actor=actor)
    tag = etag_for(item.version)
    if none_match(if_none_match, tag):
        return _tag(response, item)
    return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})


@router.patch("/{item_id}", responses=problem_responses(400, 401, 403, 404, 409, 412, 422))
@inject
async def update_item(
    item_id: UUID,
    changes: ItemUpdate,
    actor: Writer,
    deps: Deps,
    response: Response,
    if_match: IfMatch = None,
) -> ItemRead:
    expected = versions_from_if_match(if_match)
    item = await interface.update_item(
        deps, item_id=item_id, changes=changes, actor=actor, expected_versions=expected
    )
    return _tag(response, item)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
@inject
async def delete_item(item_id: UUID, actor: Writer, deps: Deps, if_match: IfMatch = None) -> None:
    await interface.delete_item(
        deps, item_id=item_id, actor=actor, expected_versions=versions_from_if_match(if_match)
    )
