"""Swagger UI and ReDoc served from packaged assets: no CDN, works offline."""

from __future__ import annotations

from html import escape
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs/assets"
OWN_ASSETS_URL = "/docs/static"
SWAGGER_REDIRECT_URL = "/docs/oauth2-redirect"
DOCS_PATHS = frozenset({"/docs", "/redoc", SWAGGER_REDIRECT_URL})

_SWAGGER_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}" data-oauth2-redirect-url="{redirect}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{own}/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve /docs and /redoc with every script and stylesheet from this app.

    Swagger UI starts from a script file, not an inline one, so the docs need no
    'unsafe-inline' script source in their Content-Security-Policy.
    """
    assets = str(files("fastapi_offline") / "static")
    app.mount(ASSETS_URL, StaticFiles(directory=assets), name="docs-assets")
    own = str(files("api") / "static")
    app.mount(OWN_ASSETS_URL, StaticFiles(directory=own), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", ""))
        return HTMLResponse(
            _SWAGGER_PAGE.format(
                title=escape(f"{app.title} - Swagger UI"),
                assets=f"{root}{ASSETS_URL}",
                own=f"{root}{OWN_ASSETS_URL}",
                openapi=f"{root}{openapi_url}",
                redirect=f"{root}{SWAGGER_REDIRECT_URL}",
            )
        )

    @app.get(SWAGGER_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
