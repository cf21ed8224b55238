"""Small helpers shared by the model modules."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def check_in(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """CHECK that ``column`` holds one of ``values`` (enums are stored as strings)."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)
