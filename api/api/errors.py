"""One mapping of errors to RFC 9457 problem+json responses."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.raw_problems import problem_instance, request_id_of
from api.request_id import UNEXPECTED_ERROR_DETAIL
from core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    MalformedInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    ServiceUnavailable,
    Unauthenticated,
    UnsupportedMediaType,
)
from core.problems import PROBLEM_MEDIA_TYPE, FieldProblem, Problem

logger = logging.getLogger(__name__)

STATUS_BY_KIND: dict[type[DomainError], int] = {
    Unauthenticated: 401,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    MalformedInput: 400,
    PermissionDenied: 403,
    PreconditionFailed: 412,
    ServiceUnavailable: 503,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
}
RETRY_AFTER_SECONDS = "5"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_DOMAIN_ERROR_HEADERS = {
    401: {"WWW-Authenticate": "Bearer"},
    503: {"Retry-After": RETRY_AFTER_SECONDS},
}


def problem(
    request: Request,
    status: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response; `type` defaults to about:blank, `title` to the status phrase."""
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance_of(request),
        **extensions,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def instance_of(request: Request) -> str:
    """The problem's `instance`: this request's id, which every log line of it carries."""
    request_id = request_id_of(request.scope)
    return problem_instance(request_id) if request_id else request.url.path


async def _on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
    status = next(STATUS_BY_KIND[kind] for kind in type(exc).__mro__ if kind in STATUS_BY_KIND)
    headers = _DOMAIN_ERROR_HEADERS.get(status)
    return problem(
        request, status, exc.detail, headers=headers, type=f"urn:armature:problem:{exc.code}"
    )


async def _on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    headers = dict(exc.headers or {})
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed_methods(request)
    return problem(request, exc.status_code, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the path accepts; Starlette's own Allow names only the first route's."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        FieldProblem(location=list(error["loc"]), message=error["msg"], type=error["type"])
        for error in exc.errors()
    ]
    if any(error.type == "json_invalid" for error in errors):
        return problem(request, 400, "The request body is not valid JSON.")
    return problem(request, 422, "The request has invalid fields; see `errors`.", errors=errors)


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Reached only from outside RequestContext, which answers (and logs) the app's own errors.
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, UNEXPECTED_ERROR_DETAIL)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    app.exception_handler(DomainError)(_on_domain_error)
    app.exception_handler(HTTPException)(_on_http_error)
    app.exception_handler(RequestValidationError)(_on_validation_error)
    app.exception_handler(Exception)(_on_unexpected_error)
