"""What a storage key may look like: generated segments, never a client's path."""

from __future__ import annotations

import re

# Lower-case letters, digits, `-` and `_` in `/`-separated segments: no `..`, no leading
# `/`, no backslash, nothing a filesystem or an object store could read as a path trick.
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}(/[a-z0-9][a-z0-9_-]{0,99}){0,7}")


def checked_key(key: str) -> str:
    """The key when it is one the application could have generated; ValueError otherwise."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key
