"""Who acts on a case (``Actor``) and who is named in it (``Person``)."""

from __future__ import annotations

from typing import Literal

import attrs

Role = Literal["employee", "leader", "guardian", "child", "admin"]
ROLES: tuple[Role, ...] = ("employee", "leader", "guardian", "child", "admin")
STAFF_ROLES: tuple[Role, ...] = ("employee", "leader", "admin")


def _check_role(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ROLES:
        raise ValueError(f"unknown role {value!r}; roles are {', '.join(ROLES)}")


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty text")


@attrs.frozen
class Actor:
    """The person doing something, as the embedding app authenticated them.

    ``role`` is one of employee, leader (line manager), guardian, child (the young person the
    case is about), admin; ``unit`` is the service they work in (empty for family members).
    """

    id: str = attrs.field(validator=_non_empty)
    role: str = attrs.field(default="employee", validator=_check_role)
    unit: str = ""
    name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def as_person(self) -> Person:
        return Person(self.id, self.name, self.unit)


@attrs.frozen
class Person:
    """A person named in a case: a contact person, a baton holder, an invitee, a professional."""

    id: str = attrs.field(validator=_non_empty)
    name: str = ""
    unit: str = ""
    email: str | None = None

    def label(self) -> str:
        """Name and unit for a timeline, e.g. 'Kari Lærer (Olderdalen skole)'."""
        who = self.name or self.id
        return f"{who} ({self.unit})" if self.unit else who
