"""Swagger UI through nginx in headless Chromium: authorize with a password, list items, see 200.

The page, its assets, the token request and the call all stay on 127.0.0.1.
"""

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Locator, Page, async_playwright

from accounts.testing import PASSWORD, AccountsApi
from api.testing_stack import Stack

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
EMAIL = "browser@example.com"


async def authorize(page: Page) -> None:
    await page.click("button.authorize")
    await page.fill("#oauth_username", EMAIL)
    await page.fill("#oauth_password", PASSWORD)
    await page.click(".auth-btn-wrapper button.authorize")
    await page.wait_for_selector('.auth-btn-wrapper button:has-text("Logout")')
    await page.click(".auth-btn-wrapper button.btn-done")


def list_items_operation(page: Page) -> Locator:
    return page.locator(".opblock-get", has=page.locator('[data-path="/api/v1/items"]'))


async def list_items(page: Page) -> str:
    operation = list_items_operation(page)
    await operation.locator(".opblock-summary").first.click()
    await operation.locator("button.try-out__btn").click()
    await operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    await status.wait_for()
    return (await status.inner_text()).strip()


async def test_docs_authorize_and_list_items_in_a_real_browser(
    http: httpx.AsyncClient, stack: Stack, artifacts: Path
) -> None:
    if not CHROMIUM.exists():  # noqa: ASYNC240 (one stat before the browser starts)
        pytest.fail("chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    await AccountsApi(http).sign_up(EMAIL)
    hosts: set[str] = set()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 1400})
        page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
        await page.goto(f"{stack.url}/docs")
        await page.wait_for_selector(".opblock")
        await authorize(page)
        status = await list_items(page)
        shot = artifacts / "docs-list-items.png"
        await list_items_operation(page).screenshot(path=shot)
        await browser.close()

    assert status == "200"
    assert hosts == {"127.0.0.1"}
    assert shot.stat().st_size > 20_000
