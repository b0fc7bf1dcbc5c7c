"""What a new component is called: its package, its entity, its table and its route."""

from __future__ import annotations

import builtins
import keyword
import re
import sys
from collections.abc import Collection
from dataclasses import dataclass
from importlib.util import find_spec

import inflect

from api.scaffold.errors import InvalidComponentName

# Folders and packages of this repository, and words the tooling gives a meaning of its own.
RESERVED = frozenset(
    {"alembic", "api", "armature", "components", "conftest", "core", "docs", "test", "tests"}
)
# Names the generated code gives its own variables and modules; an entity may not shadow them.
TEMPLATE_NAMES = frozenset(
    {
        "actor", "change", "component", "data", "dep", "deps", "each", "found", "interface",
        "location", "mismatch", "query", "request", "response", "router", "status", "tag",
        "total", "uow",
    }
)  # fmt: skip
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# PostgreSQL cuts identifiers at 63 bytes; the longest index name adds 23 to the table's.
MAX_LENGTH = 40


@dataclass(frozen=True)
class ComponentNames:
    """purchase_orders: entity purchase_order, class PurchaseOrder, route purchase-orders."""

    package: str
    entity: str

    @property
    def distribution(self) -> str:
        return self.package.replace("_", "-")

    @property
    def route(self) -> str:
        return self.distribution

    @property
    def table(self) -> str:
        return self.entity

    def template_values(self) -> dict[str, str]:
        words, entity_words = self.package.replace("_", " "), self.entity.replace("_", " ")
        return {
            "package": self.package,
            "entity": self.entity,
            "distribution": self.distribution,
            "route": self.route,
            "table": self.table,
            "Entity": _camel(self.entity),
            "Plural": _camel(self.package),
            "entity_words": entity_words,
            "Entity_words": entity_words.capitalize(),
            "plural_words": words,
            "Plural_words": words.capitalize(),
        }


def component_names(name: str, taken: Collection[str]) -> ComponentNames:
    """The names for a component called `name`, or InvalidComponentName saying what is wrong.

    `taken` holds the names already in use: components, packages, folders.
    """
    if not SNAKE_CASE.fullmatch(name) or len(name) > MAX_LENGTH:
        raise InvalidComponentName(
            f"{name!r} is not a component name: use lower-case snake_case, letters and digits, "
            f"starting with a letter, at most {MAX_LENGTH} characters (e.g. orders, "
            "purchase_orders)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        raise InvalidComponentName(f"{name!r} is a reserved word; choose another name")
    if name in taken or name in sys.stdlib_module_names or find_spec(name) is not None:
        raise InvalidComponentName(
            f"{name!r} is taken: a component, a package or a module of that name already exists"
        )
    return ComponentNames(package=name, entity=_singular(name))


def _singular(name: str) -> str:
    singular = inflect.engine().singular_noun(name)
    if not singular or singular == name:
        raise InvalidComponentName(
            f"{name!r} must be a plural noun whose singular differs (orders, not order), "
            "so that the package and its entity have different names"
        )
    if keyword.iskeyword(singular) or keyword.issoftkeyword(singular):
        raise InvalidComponentName(
            f"{name!r} would name its entity {singular!r}, a reserved word; choose another noun"
        )
    if singular in TEMPLATE_NAMES or hasattr(builtins, singular):
        raise InvalidComponentName(
            f"{name!r} would name its entity {singular!r}, a name the generated code already "
            "uses; choose another noun"
        )
    return str(singular)


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))
