"""SIGTERM while work is in hand: the worker finishes its run, gunicorn drains behind nginx."""

import asyncio
import os
import signal
import time
from collections import Counter
from pathlib import Path

import httpx

from accounts.testing import AccountsApi
from api.testing_servers import eventually
from api.testing_stack import E2E_SCOPES, Stack
from automations.testing import item_with_automation

SLOW_SNIPPET = "import time\ntime.sleep(2)\nprint('done')"


def exited(pid: int) -> bool:
    """Gone, or a zombie nobody reaped yet (its parent, the serve script, has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return True


async def until_exited(pid: int, within: float) -> float:
    started = time.monotonic()
    await eventually(lambda: _exited_or_none(pid), within=within, interval=0.1)
    return time.monotonic() - started


async def _exited_or_none(pid: int) -> bool | None:
    return True if exited(pid) else None


async def test_the_worker_finishes_its_run_before_it_exits(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    accounts = AccountsApi(http)
    auth = accounts.bearer(await accounts.sign_in("drain@example.com", scope=E2E_SCOPES))
    _, automation = await item_with_automation(http, auth, SLOW_SNIPPET, item_name="Slow")
    run_url = (
        await http.post(f"/api/v1/automations/{automation['id']}/runs", headers=auth)
    ).headers["location"]

    async def running() -> bool | None:
        status = (await http.get(run_url, headers=auth)).json()["status"]
        return True if status == "running" else None

    await eventually(running, within=20)
    os.kill(stack.pid("worker"), signal.SIGTERM)
    waited = await until_exited(stack.pid("worker"), within=30)
    run = (await http.get(run_url, headers=auth)).json()

    assert (run["status"], run["stdout"]) == ("succeeded", "done\n")
    assert waited > 0.5, "the worker waited for the run rather than dropping it"


async def test_sigterm_turns_ready_503_first_and_no_client_sees_an_error(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    accounts = AccountsApi(http)
    auth = accounts.bearer(await accounts.sign_in("load@example.com", scope=E2E_SCOPES))
    outcomes: Counter[str] = Counter()
    routed = asyncio.Event()  # set when readiness fails: the balancer stops routing here

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=stack.url, timeout=15) as own:
            while not routed.is_set():
                try:
                    listed = await own.get("/api/v1/items?limit=5", headers=auth)
                    made = await own.post(
                        "/api/v1/items", json={"name": f"n{number}"}, headers=auth
                    )
                    outcomes.update([str(listed.status_code), str(made.status_code)])
                except httpx.TransportError as exc:
                    outcomes.update([type(exc).__name__])

    async def unready() -> bool | None:
        return True if (await http.get("/ready")).status_code != 200 else None

    async def balancer() -> float:
        await eventually(unready, within=30, interval=0.05)
        routed.set()
        return time.monotonic()

    load = [asyncio.create_task(client(number)) for number in range(6)]
    watching = asyncio.create_task(balancer())
    await asyncio.sleep(1.5)
    master = stack.pid("gunicorn")
    signalled = time.monotonic()
    os.kill(master, signal.SIGTERM)
    unready_at = await asyncio.wait_for(watching, timeout=10)
    await asyncio.gather(*load)
    await until_exited(master, within=40)

    assert set(outcomes) == {"200", "201"}, outcomes
    assert sum(outcomes.values()) > 50
    assert unready_at - signalled < 1.0, "readiness failed at once"
