"""CSV and XLSX downloads of the showcase, through the product's one writer
(:mod:`dankheo.spreadsheets`): formulas neutralised, characters XML cannot carry
dropped, numbers finite, memory flat whatever the size."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response

from .. import spreadsheets

CSV_MIMETYPE = spreadsheets.CSV_MIMETYPE
XLSX_MIMETYPE = spreadsheets.XLSX_MIMETYPE


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> Response:
    """A streamed CSV download. ``rows`` must not need the request context: it is
    iterated after the view returns."""
    return spreadsheets.csv_response(filename, header, rows)


def xlsx_response(
    filename: str, sheets: Iterable[tuple[str, list[str], Iterable[Iterable]]]
) -> Response:
    """An XLSX download with one sheet per (title, header, rows)."""
    return spreadsheets.xlsx_response(
        filename,
        (
            spreadsheets.Sheet(title, rows, header=header)
            for title, header, rows in sheets
        ),
    )
