"""The load: `SeedUser` (the original workload) and `JourneyUser` (a realistic user).

Both use locust's FastHttpUser: the generator shares the machine with the server, so it must
be cheap. `bench` passes everything through the environment:

- BENCH_ACCOUNTS: a JSON file of the seeded accounts, `[{"email", "password", "token"}]`;
  `token` is a bearer token (for the bare reference: the account id itself).
- BENCH_RATE and BENCH_USERS: when set, the users together send BENCH_RATE requests/s as
  independent arrivals (a Poisson process) instead of as many as the server answers.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from locust import FastHttpUser, between, task

ITEMS = "/api/v1/items"
AUTOMATION_CODE = "print(event['item']['name'])"
LOGIN_ATTEMPTS = 5


def _accounts() -> list[dict[str, str]]:
    with open(os.environ["BENCH_ACCOUNTS"], encoding="utf-8") as file:
        accounts: list[dict[str, str]] = json.load(file)
    return accounts


def _pacing() -> Callable[[Any], float]:
    rate = os.environ.get("BENCH_RATE")
    if not rate:
        return between(0, 0)
    return poisson_arrivals(float(rate) / int(os.environ.get("BENCH_USERS", "1")))


def poisson_arrivals(rate_per_user: float) -> Callable[[Any], float]:
    """Each user starts its requests at the times of its own Poisson process.

    locust's `constant_throughput` keeps users that started together in step: they all fire
    in the same instant, and the server sees bursts of every user at once, which measures
    the queue of a burst rather than latency at the rate. Exponential gaps, drawn from each
    user's schedule (not from when its last answer came), keep the rate and break the step.
    """

    def wait_time(user: Any) -> float:
        now = time.monotonic()
        scheduled = getattr(user, "next_arrival", now) + random.expovariate(rate_per_user)
        user.next_arrival = scheduled
        # Behind its schedule (a slow answer), a user starts at once and catches up.
        return max(scheduled - now, 0.0)

    return wait_time


ACCOUNTS = _accounts() if "BENCH_ACCOUNTS" in os.environ else []
_NEXT_ACCOUNT = itertools.count()


def _new_item(tag: str) -> dict[str, str]:
    price = Decimal(random.randint(0, 100_000)) / 100
    return {"name": f"{tag} {random.getrandbits(40):x}", "description": "load", "price": str(price)}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class SeedUser(FastHttpUser):
    """50 % filter (one account's items, ~100 rows, the account drawn at random), 50 % create."""

    wait_time = _pacing()

    @task
    def filter(self) -> None:
        account = random.choice(ACCOUNTS)
        self.client.get(f"{ITEMS}?limit=100", headers=_bearer(account["token"]), name="filter")

    @task
    def create(self) -> None:
        account = random.choice(ACCOUNTS)
        headers = _bearer(account["token"])
        self.client.post(ITEMS, json=_new_item("seed"), headers=headers, name="create")


class JourneyUser(FastHttpUser):
    """Logs in once, then lists, reads (conditionally), creates, updates, deletes its items."""

    wait_time = _pacing()

    def on_start(self) -> None:
        account = ACCOUNTS[next(_NEXT_ACCOUNT) % len(ACCOUNTS)]
        self.headers = _bearer(self._login(account))
        self.tags: dict[str, str] = {}
        for _ in range(3):
            self.create()
        watched = next(iter(self.tags))
        automation = {"name": "journey", "code": AUTOMATION_CODE, "timeout_seconds": 5}
        self.client.post(
            f"{ITEMS}/{watched}/automations",
            json=automation,
            headers=self.headers,
            name="add automation",
        )
        self.watched = watched

    def _login(self, account: dict[str, str]) -> str:
        """The password grant. A refusal (in a storm of logins, every user starting at once)
        counts as a failure and is tried again a moment later, as a person would."""
        form = {"grant_type": "password", "username": account["email"]}
        for _ in range(LOGIN_ATTEMPTS):
            response = self.client.post(
                "/api/v1/auth/token", data={**form, "password": account["password"]}, name="login"
            )
            if response.status_code == 200:  # noqa: PLR2004
                token: str = response.json()["access_token"]
                return token
            time.sleep(1)  # gevent's, under locust
        raise RuntimeError(f"{account['email']} could not log in")

    @task(8)
    def list(self) -> None:
        self.client.get(f"{ITEMS}?limit=20", headers=self.headers, name="list")

    @task(8)
    def get(self) -> None:
        item_id, tag = random.choice(list(self.tags.items()))
        headers = {**self.headers, "If-None-Match": tag}
        self.client.get(f"{ITEMS}/{item_id}", headers=headers, name="get (conditional)")

    @task(3)
    def create(self) -> None:
        response = self.client.post(
            ITEMS, json=_new_item("journey"), headers=self.headers, name="create"
        )
        self.tags[response.json()["id"]] = response.headers["ETag"]

    @task(3)
    def update(self) -> None:
        candidates = [item for item in self.tags if item != self.watched]
        if candidates:
            self._update(random.choice(candidates), "update (If-Match)")

    @task(2)
    def delete(self) -> None:
        candidates = [item for item in self.tags if item != self.watched]
        if len(candidates) > 1:
            item_id = random.choice(candidates)
            headers = {**self.headers, "If-Match": self.tags.pop(item_id)}
            self.client.delete(f"{ITEMS}/{item_id}", headers=headers, name="delete (If-Match)")

    @task(1)
    def trigger_automation(self) -> None:
        self._update(self.watched, "update (runs an automation)")

    def _update(self, item_id: str, name: str) -> None:
        headers = {**self.headers, "If-Match": self.tags[item_id]}
        change = {"name": _new_item("renamed")["name"]}
        response = self.client.patch(f"{ITEMS}/{item_id}", json=change, headers=headers, name=name)
        if response.status_code == 200:  # noqa: PLR2004
            self.tags[item_id] = response.headers["ETag"]
