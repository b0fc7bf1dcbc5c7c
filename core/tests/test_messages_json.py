from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from core.adapters.messages_json import MessageFormatError, decode_message, encode_message
from core.interfaces.message_queue import Message


def a_message(**overrides: object) -> Message:
    fields: dict[str, object] = {
        "type": "item.updated",
        "data": {
            "name": "Zoë's ☂",
            "count": 3,
            "ratio": 0.25,
            "flags": [True, False, None],
            "nested": {"list": [1, "two", {"three": 3.0}], "empty": {}},
        },
        "id": UUID("0b9e3f1e-6a55-4c1e-9d0a-3c1f2a4b5c6d"),
        "occurred_at": datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=UTC),
        "audience": "account-42",
        "headers": {"traceparent": "00-abc-def-01"},
    }
    fields.update(overrides)
    return Message(**fields)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field_exactly() -> None:
    message = a_message()

    decoded = decode_message(encode_message(message))

    assert decoded == message
    assert decoded.id == message.id
    assert decoded.occurred_at == message.occurred_at
    assert decoded.occurred_at.utcoffset() == timedelta(0)
    assert decoded.data == message.data


def test_round_trip_keeps_a_non_utc_offset_and_microseconds() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))

    decoded = decode_message(encode_message(a_message(occurred_at=moment)))

    assert decoded.occurred_at == moment
    assert decoded.occurred_at.utcoffset() == moment.utcoffset()


def test_round_trip_with_defaults_and_no_audience() -> None:
    message = Message(type="account.created", data={})

    assert decode_message(encode_message(message)) == message


def test_encodes_compact_utf8_json_with_a_string_id() -> None:
    message = a_message()

    document = json.loads(encode_message(message).decode("utf-8"))

    assert document["id"] == str(message.id)
    assert document["occurred_at"] == "2026-11-22T09:30:15.123456+00:00"
    assert "Zoë's ☂" in encode_message(message).decode("utf-8")


@pytest.mark.parametrize(
    "data",
    [{"when": datetime.now(UTC)}, {"id": uuid4()}, {"ratio": float("nan")}, {"big": float("inf")}],
)
def test_encoding_refuses_data_that_is_not_json(data: dict[str, object]) -> None:
    with pytest.raises(MessageFormatError, match="not JSON-serializable"):
        encode_message(a_message(data=data))


def valid_document() -> dict[str, object]:
    return json.loads(encode_message(a_message()))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"id": "not-a-uuid"}, "'id' is not a UUID"),
        ({"id": None}, "'id' must be a non-empty string"),
        ({"type": ""}, "'type' must be a non-empty string"),
        ({"type": 7}, "'type' must be a non-empty string"),
        ({"data": [1, 2]}, "'data' must be an object"),
        ({"occurred_at": "yesterday"}, "'occurred_at' is not ISO 8601"),
        ({"audience": 42}, "'audience' must be a string or null"),
        ({"headers": {"traceparent": 1}}, "'headers' must map strings to strings"),
        ({"headers": ["a"]}, "'headers' must map strings to strings"),
    ],
)
def test_decoding_names_the_bad_field(change: dict[str, object], complaint: str) -> None:
    document = valid_document() | change

    with pytest.raises(MessageFormatError, match=complaint):
        decode_message(json.dumps(document).encode())


def test_decoding_refuses_a_missing_field() -> None:
    document = valid_document()
    del document["occurred_at"]

    with pytest.raises(MessageFormatError, match="occurred_at"):
        decode_message(json.dumps(document).encode())


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (b"{not json", "not UTF-8 JSON"),
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b"", "not UTF-8 JSON"),
    ],
)
def test_decoding_refuses_what_is_not_a_json_object(payload: bytes, complaint: str) -> None:
    with pytest.raises(MessageFormatError, match=complaint):
        decode_message(payload)


def test_format_error_is_a_value_error() -> None:
    assert issubclass(MessageFormatError, ValueError)
