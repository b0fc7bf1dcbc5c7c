"""A clock for tests: every reading is one second after the one before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SteppingClock:
    """Starts at 2026-01-01 UTC; each call advances it by one second, so order is visible."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
