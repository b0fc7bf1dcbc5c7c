"""Ports: the small, role-named interfaces that components depend on."""

from core.interfaces.cache import Cache, CacheUnavailable, Versioned
from core.interfaces.files import FileMissing, FileStorage
from core.interfaces.message_queue import Handler, Message, MessageQueue
from core.interfaces.notifier import Email, Notifier
from core.interfaces.repository import Repository
from core.interfaces.secrets import SecretStore
from core.interfaces.unit_of_work import UnitOfWork

__all__ = [
    "Cache",
    "CacheUnavailable",
    "Email",
    "FileMissing",
    "FileStorage",
    "Handler",
    "Message",
    "MessageQueue",
    "Notifier",
    "Repository",
    "SecretStore",
    "UnitOfWork",
    "Versioned",
]
