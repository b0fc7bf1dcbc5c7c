"""Which route answered: the full path template, for rate limits, logs and metrics."""

from __future__ import annotations

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.applications import Starlette
from starlette.routing import Match
from starlette.types import Scope

_Templates = dict[int, list[RouteContext]]


def route_template(scope: Scope) -> str:
    """The matched route's full template ("/api/v1/items/{item_id}"); empty outside a route.

    FastAPI no longer copies an included router's routes: `scope["route"]` is the router's own
    APIRoute, whose `path` lacks the prefixes it was included under. The app's route contexts
    know the full path; a route included twice is told apart by the path it matched.
    """
    route = scope.get("route")
    if route is None:
        return ""
    candidates = _templates(scope["app"]).get(id(route), [])
    if len(candidates) > 1:
        candidates = [c for c in candidates if c.matches(scope)[0] is not Match.NONE]
    return candidates[0].path if candidates and candidates[0].path else ""


def _templates(app: Starlette) -> _Templates:
    # Built on first use, once every router is included; no await, so no request sees it half.
    templates: _Templates | None = getattr(app.state, "route_templates", None)
    if templates is None:
        templates = {}
        for context in iter_route_contexts(app.routes):
            templates.setdefault(id(context.original_route), []).append(context)
        app.state.route_templates = templates
    return templates
