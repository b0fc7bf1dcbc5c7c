"""Ports: the small, role-named interfaces that components depend on."""

from core.interfaces.repository import Repository
from core.interfaces.unit_of_work import UnitOfWork

__all__ = ["Repository", "UnitOfWork"]
