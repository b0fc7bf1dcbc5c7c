"""Test doubles built on the core ports: whole use cases run in memory."""

from core.testing.fakes import InMemoryRepository, InMemoryUnitOfWork

__all__ = ["InMemoryRepository", "InMemoryUnitOfWork"]
