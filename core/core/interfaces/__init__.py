"""Ports: the small, role-named interfaces that components depend on."""

from core.interfaces.cache import Cache, CacheUnavailable
from core.interfaces.message_queue import Handler, Message, MessageQueue
from core.interfaces.repository import Repository
from core.interfaces.unit_of_work import UnitOfWork

__all__ = [
    "Cache",
    "CacheUnavailable",
    "Handler",
    "Message",
    "MessageQueue",
    "Repository",
    "UnitOfWork",
]
