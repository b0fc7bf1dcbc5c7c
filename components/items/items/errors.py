"""What can go wrong with items, in the core error kinds."""

from __future__ import annotations

from uuid import UUID

from core.errors import (
    MalformedInput,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)


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


class InvalidCursor(MalformedInput):
    code = "invalid_cursor"

    def __init__(
        self, detail: str = "The cursor is not one this API issued, or was altered."
    ) -> None:
        super().__init__(detail)


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"

    def __init__(self, attachment_id: UUID) -> None:
        super().__init__(f"Attachment {attachment_id} does not exist.")


class AttachmentTooLarge(PayloadTooLarge):
    code = "attachment_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The file exceeds the limit of {max_bytes} bytes; nothing was kept.")


class AttachmentTypeRefused(UnsupportedMediaType):
    code = "attachment_type_refused"

    def __init__(self, content_type: str, accepted: frozenset[str]) -> None:
        super().__init__(
            f"Files of type {content_type or '(none)'} are not accepted; send one of: "
            f"{', '.join(sorted(accepted))}."
        )
