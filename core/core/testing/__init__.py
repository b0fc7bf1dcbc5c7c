"""Test doubles built on the core ports: whole use cases run in memory."""

from core.testing.cache import FakeCache
from core.testing.clock import SteppingClock
from core.testing.fakes import InMemoryRepository, InMemoryUnitOfWork
from core.testing.files import FakeNotifier, InMemoryFileStorage
from core.testing.messages import RecordingHandler
from core.testing.secrets import FakeSecretStore
from core.testing.security import FakeAuthenticator
from core.testing.tcp_proxy import TcpProxy

__all__ = [
    "FakeAuthenticator",
    "FakeCache",
    "FakeNotifier",
    "FakeSecretStore",
    "InMemoryFileStorage",
    "InMemoryRepository",
    "InMemoryUnitOfWork",
    "RecordingHandler",
    "SteppingClock",
    "TcpProxy",
]
