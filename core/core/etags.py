"""Entity tags derived from an aggregate's version (RFC 9110 section 8.8.3)."""

from __future__ import annotations


def etag_for(version: int) -> str:
    """The strong entity tag for a representation at `version`."""
    return f'"{version}"'


def _tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(header: str | None, current: str) -> bool:
    """True when an If-None-Match header does NOT match the current tag (weak comparison)."""
    if header is None:
        return True
    tags = [tag.removeprefix("W/") for tag in _tags(header)]
    return "*" not in tags and current not in tags


def versions_from_if_match(header: str | None) -> frozenset[int] | None:
    """The versions an If-Match header accepts; None when it sets no condition.

    If-Match uses strong comparison, so weak or foreign tags match nothing: a header made
    only of those yields an empty set, which no version satisfies.
    """
    if header is None or header.strip() == "*":
        return None
    return frozenset(
        int(tag[1:-1])
        for tag in _tags(header)
        if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit()  # noqa: PLR2004
    )
