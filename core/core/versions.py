"""Optimistic concurrency for use cases: the versions a caller expects (If-Match) and commits."""

from __future__ import annotations

from core.errors import ConcurrentModification, DomainError
from core.interfaces import UnitOfWork

# The versions the caller accepts (from If-Match), or None when it named none.
Versions = frozenset[int] | None


def check_version(current: int, expected: Versions, mismatch: DomainError) -> None:
    """Raise `mismatch` when the caller named versions and `current` is not among them."""
    if expected is not None and current not in expected:
        raise mismatch


async def commit_expecting(uow: UnitOfWork, expected: Versions, mismatch: DomainError) -> None:
    """Commit; a writer that raced us becomes `mismatch` when the caller named versions.

    Without If-Match the race stays a ConcurrentModification (409).
    """
    try:
        await uow.commit()
    except ConcurrentModification:
        if expected is None:
            raise
        raise mismatch from None
