"""Test doubles built on the core ports: whole use cases run in memory."""

from core.testing.fakes import InMemoryRepository, InMemoryUnitOfWork
from core.testing.security import FakeAuthenticator

__all__ = ["FakeAuthenticator", "InMemoryRepository", "InMemoryUnitOfWork"]
