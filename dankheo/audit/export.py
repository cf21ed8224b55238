"""The audit log as XLSX: the filtered records, one row each, written by the product's
one writer (:mod:`dankheo.spreadsheets`: formulas neutralised, characters XML cannot
carry dropped, rows streamed in write-only mode)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..spreadsheets import Sheet, cell, xlsx_chunks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """A cell that is shown, never computed; a before/after diff is written as JSON."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return cell(value)


def write_xlsx(
    title: str, header: list[str], rows: Iterable[list[Any]]
) -> Iterator[bytes]:
    """Stream a one-sheet workbook."""
    return xlsx_chunks(
        [Sheet(title, ([safe_cell(v) for v in row] for row in rows), header=header)]
    )
