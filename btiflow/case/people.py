"""Who acts on a case (``Actor``) and who is named in it (``Person``)."""

from __future__ import annotations

from typing import Literal

import attrs

Role = Literal["employee", "leader", "guardian", "child", "admin", "coordinator"]
ROLES: tuple[Role, ...] = ("employee", "leader", "guardian", "child", "admin", "coordinator")
STAFF_ROLES: tuple[Role, ...] = ("employee", "leader", "admin", "coordinator")


def storable(value: object) -> bool:
    """A text the log can hold and give back: a ``str`` that encodes as UTF-8 (no lone
    surrogates, which SQLite and JSON cannot store)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_role(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or value not in ROLES:
        # the value is not quoted back: it may be anything the caller had at hand
        raise ValueError(f"role must be one of {', '.join(ROLES)}")


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not storable(value) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty text")


def _text(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    # a number here was stored as JSON 42 and read back as "42": verify then saw a changed hash
    if not storable(value):
        raise ValueError(f"{attribute.name} must be a text (may be empty)")


def _email(instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not storable(value):
        raise ValueError(f"{attribute.name} must be a text or None")


@attrs.frozen
class Actor:
    """The person doing something, as the embedding app authenticated them.

    ``role`` is one of employee, leader (line manager), guardian, child (the young person the
    case is about), admin, coordinator (the municipality's BTI coordinator); ``unit`` is the
    service they work in (empty for family members).
    """

    id: str = attrs.field(validator=_non_empty)
    role: str = attrs.field(default="employee", validator=_check_role)
    unit: str = attrs.field(default="", validator=_text)
    name: str = attrs.field(default="", validator=_text)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def as_person(self) -> Person:
        return Person(self.id, self.name, self.unit)


@attrs.frozen
class Person:
    """A person named in a case: a contact person, a baton holder, an invitee, a professional."""

    id: str = attrs.field(validator=_non_empty)
    name: str = attrs.field(default="", validator=_text)
    unit: str = attrs.field(default="", validator=_text)
    email: str | None = attrs.field(default=None, validator=_email)

    def label(self) -> str:
        """Name and unit for a timeline, e.g. 'Kari Lærer (Olderdalen skole)'."""
        who = self.name or self.id
        return f"{who} ({self.unit})" if self.unit else who
