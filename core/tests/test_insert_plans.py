"""Which units of work qualify for the one-statement write, and what it writes."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Uuid, event
from sqlalchemy.orm import Session, registry, relationship

from core.adapters.sqlalchemy.inserts import plan_inserts
from core.interfaces.message_queue import Message

tables = MetaData()
mapped = registry(metadata=tables)
lamp_table = Table(
    "lamp",
    tables,
    Column("id", Uuid, primary_key=True),
    Column("label", String(50), key="name"),
    Column("watts", Integer, nullable=True),
)
shade_table = Table(
    "shade",
    tables,
    Column("id", Uuid, primary_key=True),
    Column("lamp_id", Uuid, ForeignKey("lamp.id")),
)
bulb_table = Table(
    "bulb",
    tables,
    Column("id", Uuid, primary_key=True),
    Column("lumens", Integer, server_default="800"),
)


@dataclass
class Lamp:
    id: UUID = field(default_factory=uuid4)
    name: str = "desk"
    watts: int | None = 40


@dataclass
class Shade:
    id: UUID = field(default_factory=uuid4)
    lamp_id: UUID | None = None
    lamp: Lamp | None = None


@dataclass
class Bulb:
    id: UUID = field(default_factory=uuid4)
    lumens: int | None = None


mapped.map_imperatively(Lamp, lamp_table)
mapped.map_imperatively(Bulb, bulb_table)
mapped.map_imperatively(Shade, shade_table, properties={"lamp": relationship(Lamp)})


def an_event() -> Message:
    return Message(type="lamp.created", data={"n": 1}, occurred_at=datetime.now(UTC))


def test_new_plain_rows_and_one_event_become_one_statement_with_every_value() -> None:
    session = Session()
    lamp = Lamp(name="floor", watts=None)
    session.add(lamp)

    planned = plan_inserts(session, [an_event()])

    assert planned is not None
    statement, params = planned.statement()
    assert statement.table is not None
    assert statement.table.name == "outbox_message"
    assert {"r0_id": lamp.id, "r0_name": "floor", "r0_watts": None}.items() <= params.items()
    assert params["e_type"] == "lamp.created"
    assert statement is planned.statement()[0], "one statement per shape, built once"


def test_anything_but_plain_new_rows_goes_through_the_orm() -> None:
    with_relationship = Session()
    with_relationship.add(Shade())
    two_events = Session()
    two_events.add(Lamp())
    unset = Session()
    half_built = Lamp()
    del half_built.__dict__["watts"]
    unset.add(half_built)

    with_a_default = Session()
    with_a_default.add(Bulb())

    assert plan_inserts(with_relationship, []) is None
    assert plan_inserts(with_a_default, []) is None, "None would override the server default"
    assert plan_inserts(two_events, [an_event(), an_event()]) is None
    assert plan_inserts(unset, []) is None
    assert plan_inserts(Session(), []) is None, "nothing to write"


def test_without_an_event_the_last_row_is_the_statement() -> None:
    session = Session()
    first, second = Lamp(), Lamp()
    session.add_all([first, second])

    planned = plan_inserts(session, [])

    assert planned is not None
    statement, params = planned.statement()
    assert statement.table is lamp_table
    assert {params["r0_id"], params["r1_id"]} == {first.id, second.id}


@pytest.mark.parametrize("flush_event", ["before_flush", "after_flush", "after_flush_postexec"])
def test_a_session_with_a_flush_listener_goes_through_the_orm(flush_event: str) -> None:
    """The one statement is no flush: the listener would never hear of the rows."""
    session = Session()
    session.add(Lamp())
    event.listen(session, flush_event, lambda *_: None)

    assert plan_inserts(session, [an_event()]) is None
