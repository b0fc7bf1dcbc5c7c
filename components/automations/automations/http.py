"""The automations HTTP adapter: thin routes that parse, call one use case and describe it."""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.

from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Header, Query, Request, Response, Security, status

from api.security import authenticated
from automations import interface
from automations.dependencies import AutomationsDeps
from automations.serializers import (
    AutomationCreate,
    AutomationList,
    AutomationRead,
    AutomationUpdate,
    RunListQuery,
    RunPage,
    RunRead,
)
from core.etags import etag_for, versions_from_if_match
from core.injection import Provide
from core.problems import problem_responses
from core.security import Principal

router = APIRouter(tags=["automations"])

READ, WRITE = "automations:read", "automations:write"

Deps = Annotated[AutomationsDeps, Depends(Provide["automations.deps"])]
Reader = Annotated[Principal, Security(authenticated, scopes=[READ])]
Writer = Annotated[Principal, Security(authenticated, scopes=[WRITE])]
IfMatch = Annotated[str | None, Header(description="Apply only at this ETag.")]


def _tag(response: Response, automation: AutomationRead) -> AutomationRead:
    response.headers["ETag"] = etag_for(automation.version)
    return automation


@router.post(
    "/items/{item_id}/automations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 422),
)
@inject
async def create_automation(
    item_id: UUID, data: AutomationCreate, actor: Writer, deps: Deps, request: Request,
    response: Response,
) -> AutomationRead:  # fmt: skip
    automation = await interface.create_automation(deps, item_id=item_id, data=data, actor=actor)
    response.headers["Location"] = request.app.url_path_for(
        "get_automation", automation_id=str(automation.id)
    )
    return _tag(response, automation)


@router.get("/items/{item_id}/automations", responses=problem_responses(401, 403, 404, 422))
@inject
async def list_automations(item_id: UUID, actor: Reader, deps: Deps) -> AutomationList:
    found = await interface.list_automations(deps, item_id=item_id, actor=actor)
    return AutomationList(items=found)


@router.get("/automations/{automation_id}", responses=problem_responses(401, 403, 404, 422))
@inject
async def get_automation(
    automation_id: UUID, actor: Reader, deps: Deps, response: Response
) -> AutomationRead:
    automation = await interface.get_automation(deps, automation_id=automation_id, actor=actor)
    return _tag(response, automation)


@router.patch(
    "/automations/{automation_id}", responses=problem_responses(400, 401, 403, 404, 409, 412, 422)
)
@inject
async def update_automation(
    automation_id: UUID, changes: AutomationUpdate, actor: Writer, deps: Deps,
    response: Response, if_match: IfMatch = None,
) -> AutomationRead:  # fmt: skip
    automation = await interface.update_automation(
        deps, automation_id=automation_id, changes=changes, actor=actor,
        expected_versions=versions_from_if_match(if_match),
    )  # fmt: skip
    return _tag(response, automation)


@router.delete(
    "/automations/{automation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
@inject
async def delete_automation(
    automation_id: UUID, actor: Writer, deps: Deps, if_match: IfMatch = None
) -> None:
    await interface.delete_automation(
        deps, automation_id=automation_id, actor=actor,
        expected_versions=versions_from_if_match(if_match),
    )  # fmt: skip


@router.post(
    "/automations/{automation_id}/runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 404, 422),
)
@inject
async def start_run(
    automation_id: UUID, actor: Writer, deps: Deps, request: Request, response: Response
) -> RunRead:
    run = await interface.start_run(deps, automation_id=automation_id, actor=actor)
    response.headers["Location"] = request.app.url_path_for(
        "get_run", automation_id=str(automation_id), run_id=str(run.id)
    )
    return run


@router.get("/automations/{automation_id}/runs", responses=problem_responses(401, 403, 404, 422))
@inject
async def list_runs(
    automation_id: UUID, query: Annotated[RunListQuery, Query()], actor: Reader, deps: Deps
) -> RunPage:
    return await interface.list_runs(deps, automation_id=automation_id, query=query, actor=actor)


@router.get(
    "/automations/{automation_id}/runs/{run_id}", responses=problem_responses(401, 403, 404, 422)
)
@inject
async def get_run(automation_id: UUID, run_id: UUID, actor: Reader, deps: Deps) -> RunRead:
    return await interface.get_run(deps, automation_id=automation_id, run_id=run_id, actor=actor)
