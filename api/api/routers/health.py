"""Liveness and readiness probes."""

# No `from __future__ import annotations`: dependency-injector reads the Provide markers
# from evaluated signatures.

from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from api.errors import problem
from api.server import DRAINING
from core.adapters.sqlalchemy import ping
from core.injection import Provide
from core.problems import problem_responses

router = APIRouter(tags=["health"])

Engine = Annotated[AsyncEngine, Depends(Provide["engine"])]


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process serves requests. No I/O, so a slow database never restarts it."""
    return {"status": "ok"}


@router.get("/ready", responses=problem_responses(503))
@inject
async def ready(request: Request, engine: Engine) -> JSONResponse:
    """Readiness: not draining for a shutdown, and the database answers."""
    if DRAINING.is_set():
        return problem(request, 503, "The server is shutting down.")
    if await ping(engine):
        return JSONResponse({"status": "ready"})
    return problem(request, 503, "The database does not answer.")
