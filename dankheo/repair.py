"""``flask --app app repair-data``: mend rows stored before the input gate existed.

Before :mod:`dankheo.inputs`, a form could store what no page can show or no file can
carry: a metric of infinity or 1e308 (the detail and edit pages failed on it), NaN,
control characters (XLSX files and the Atom feed broke on them), bidi overrides (titles
shown reversed), text in another Unicode normal form. This command reads every text
and floating-point column of every table and applies the gate's rules to what is
stored:

- text: :func:`dankheo.inputs.clean_text` (NFC, invisible characters removed, single
  line for bounded ``String`` columns);
- floating point: a value that is not finite or is beyond what a form accepts
  (:data:`dankheo.forms_common.DECIMAL_MAX`) becomes empty (NULL): it was never a
  real figure, and guessing one would be worse.

It is a dry run unless ``--apply`` is given, and prints every change either way. Rows
are rewritten with plain UPDATEs, by primary key, in one transaction: no history
entry, no version bump (the content did not change, its encoding did).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import click
from sqlalchemy import Float, String, Table, Text, select, update

from .extensions import db
from .forms_common import DECIMAL_MAX
from .inputs import clean_text


@dataclass
class Change:
    table: str
    key: Any
    column: str
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.table} #{self.key} {self.column}: {show(self.old)} → {show(self.new)}"


def show(value: Any, limit: int = 60) -> str:
    """A stored value made readable: invisible characters written as ``\\u....``."""
    if value is None:
        return "(trống)"
    if not isinstance(value, str):
        return repr(value)
    text = value if len(value) <= limit else value[:limit] + "…"
    return (
        '"'
        + "".join(
            c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text
        )
        + '"'
    )


def _fixer(column) -> Callable[[Any], Any] | None:
    """How to mend a value of ``column`` (returns it unchanged when it is fine)."""
    if isinstance(column.type, String):
        multiline = isinstance(column.type, Text) or column.type.length is None

        def text(value: Any) -> Any:
            return (
                clean_text(value, multiline=multiline)
                if isinstance(value, str)
                else value
            )

        return text
    if isinstance(column.type, Float):
        empty = None if column.nullable else 0.0

        def number(value: Any) -> Any:
            if value is None:
                return None
            value = float(value)
            ok = math.isfinite(value) and abs(value) <= DECIMAL_MAX
            return value if ok else empty

        return number
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def table_changes(table: Table) -> Iterator[Change]:
    """The changes the rules make to ``table``, row by row."""
    keys = list(table.primary_key.columns)
    fixers = {
        c.name: f for c in table.columns if not c.primary_key and (f := _fixer(c))
    }
    if len(keys) != 1 or not fixers:
        return
    key = keys[0]
    stmt = select(key, *(table.c[name] for name in fixers)).execution_options(
        yield_per=1000
    )
    for row in db.session.execute(stmt):
        for name, fix in fixers.items():
            old = row._mapping[name]
            new = fix(old)
            if not _same(old, new):
                yield Change(table.name, row[0], name, old, new)


def find_changes() -> list[Change]:
    return [
        change for table in db.metadata.sorted_tables for change in table_changes(table)
    ]


def apply_changes(changes: list[Change]) -> None:
    """Write ``changes`` (one UPDATE per row), without committing."""
    tables = {t.name: t for t in db.metadata.sorted_tables}
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for c in changes:
        rows.setdefault((c.table, c.key), {})[c.column] = c.new
    for (name, key), values in rows.items():
        table = tables[name]
        pk = next(iter(table.primary_key.columns))
        db.session.execute(update(table).where(pk == key).values(**values))


@click.command("repair-data")
@click.option(
    "--apply", "write", is_flag=True, help="Ghi các thay đổi (mặc định: chạy thử)."
)
def repair_data(write: bool) -> None:
    """Mend stored values the input gate would refuse (infinite numbers, control and
    bidi characters); a dry run unless --apply."""
    changes = find_changes()
    for change in changes:
        click.echo(change.describe())
    if not changes:
        click.echo("Không có giá trị nào cần sửa.")
        return
    if not write:
        db.session.rollback()
        click.echo(
            f"Chạy thử: {len(changes)} giá trị cần sửa, chưa ghi gì. "
            "Thêm --apply để sửa."
        )
        return
    apply_changes(changes)
    db.session.commit()
    click.echo(f"Đã sửa {len(changes)} giá trị.")
