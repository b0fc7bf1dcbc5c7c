"""The error kinds every layer speaks; components subclass them, the API maps them to statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation; safe to show to the caller."""

    code = "domain_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(DomainError):
    """The caller did not prove who it is: no, bad or expired credentials.

    `reason` names the failure in one word for operators' metrics (`invalid_token`,
    `expired`, `account_disabled`...); the caller sees only the detail.
    """

    code = "unauthenticated"

    def __init__(self, detail: str, *, reason: str = "invalid_token") -> None:
        super().__init__(detail)
        self.reason = reason


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class Conflict(DomainError):
    """The operation clashes with the current state."""

    code = "conflict"


class ConcurrentModification(Conflict):
    """Another writer changed the same row between our read and our write."""

    code = "concurrent_modification"


class ConstraintViolation(Conflict):
    """The database refused the change: a unique key or another constraint."""

    code = "constraint_violation"


class InvalidInput(DomainError):
    """The input is well-formed but breaks a business rule."""

    code = "invalid_input"


class MalformedInput(InvalidInput):
    """The input cannot be read at all, such as a cursor that was altered."""

    code = "malformed_input"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = "permission_denied"


class PreconditionFailed(DomainError):
    """A condition the caller set (such as an expected version) no longer holds."""

    code = "precondition_failed"


class ServiceUnavailable(DomainError):
    """A backing service (database, broker...) cannot be reached right now."""

    code = "service_unavailable"


class PayloadTooLarge(DomainError):
    """The content sent is larger than the operation accepts."""

    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """The content is of a media type the operation does not accept."""

    code = "unsupported_media_type"
