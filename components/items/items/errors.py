"""What can go wrong with items, in the core error kinds."""

from __future__ import annotations

from uuid import UUID

from core.errors import NotFound, PreconditionFailed


class ItemNotFound(NotFound):
    code = "item_not_found"

    def __init__(self, item_id: UUID) -> None:
        super().__init__(f"Item {item_id} does not exist.")


class ItemVersionMismatch(PreconditionFailed):
    code = "item_version_mismatch"

    def __init__(self, item_id: UUID) -> None:
        super().__init__(
            f"Item {item_id} is no longer at the version If-Match names; "
            "fetch it again before changing it."
        )
