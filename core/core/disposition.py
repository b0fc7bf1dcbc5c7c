"""Content-Disposition for downloads: the client's file name, never trusted as markup."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str) -> str:
    """`attachment` with the name in RFC 6266 form: an ASCII fallback and the UTF-8 original."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
