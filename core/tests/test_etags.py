"""Entity tags from versions, and the If-Match / If-None-Match comparisons."""

import pytest

from core.etags import etag_for, none_match, versions_from_if_match


def test_etag_is_the_quoted_version() -> None:
    assert etag_for(7) == '"7"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, True),
        ('"7"', False),
        ('W/"7"', False),
        ('"1", "7"', False),
        ("*", False),
        ('"8"', True),
    ],
)
def test_none_match_uses_weak_comparison(header: str | None, expected: bool) -> None:
    assert none_match(header, '"7"') is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("*", None),
        ('"3"', frozenset({3})),
        ('"3", "4"', frozenset({3, 4})),
        ('W/"3"', frozenset()),
        ("garbage", frozenset()),
        ('""', frozenset()),
    ],
)
def test_if_match_accepts_strong_version_tags_only(
    header: str | None, expected: frozenset[int] | None
) -> None:
    assert versions_from_if_match(header) == expected
