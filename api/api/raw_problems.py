"""Problems answered over raw ASGI, by middleware that runs outside FastAPI's handlers.

Kept free of the metrics and the app so that settings and guards can import it anywhere,
the gunicorn master included.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.types import Scope, Send

from core.problems import PROBLEM_MEDIA_TYPE, Problem


def request_id_of(scope: Scope) -> str | None:
    """The id the middleware gave this request, when it ran."""
    state: dict[str, Any] = scope.get("state") or {}
    request_id = state.get("request_id")
    return request_id if isinstance(request_id, str) else None


def problem_instance(request_id: str) -> str:
    """A problem's `instance`: a URN of the request id, which every log line of it carries."""
    return f"urn:armature:request:{request_id}"


async def send_problem(send: Send, status: int, detail: str, request_id: str | None) -> None:
    """A whole problem+json response over raw ASGI, for middleware that answers by itself."""
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=problem_instance(request_id) if request_id else None,
    ).model_dump(mode="json", exclude_none=True)
    encoded = json.dumps(body, separators=(",", ":")).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(encoded)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": encoded})
