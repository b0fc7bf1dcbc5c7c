"""Column types behave alike on PostgreSQL and SQLite."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from core.adapters.sqlalchemy import Money, UTCDateTime

SQLITE, POSTGRES = sqlite.dialect(), postgresql.dialect()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("amount", ["0.10", "9999999999.99", "0.01", "12"])
def test_money_round_trips_exactly_through_sqlite_cents(amount: str) -> None:
    money = Money()
    stored = money.process_bind_param(Decimal(amount), SQLITE)

    assert isinstance(stored, int)
    assert money.process_result_value(stored, SQLITE) == Decimal(amount)


def test_utc_datetime_refuses_naive_values() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), POSTGRES)


def test_utc_datetime_stores_utc_and_returns_aware() -> None:
    paris = datetime(2026, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))
    column = UTCDateTime()

    stored = column.process_bind_param(paris, SQLITE)
    loaded = column.process_result_value(stored, SQLITE)

    assert stored == datetime(2026, 1, 1, 12)
    assert loaded == paris
    assert loaded is not None
    assert loaded.tzinfo == UTC
