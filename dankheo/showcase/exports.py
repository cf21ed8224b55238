"""CSV and XLSX downloads of the showcase, through the product's one writer
(:mod:`dankheo.spreadsheets`): formulas neutralised, characters XML cannot carry
dropped, numbers finite, memory flat whatever the size."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from flask import Response, current_app, send_file

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
    filename: str, sheets: Iterable[tuple[str, list[str], Iterable[Sequence[Any]]]]
) -> Response:
    """An XLSX download with one sheet per (title, header, rows)."""
    return spreadsheets.xlsx_response(
        filename,
        (
            spreadsheets.Sheet(title, rows, header=header)
            for title, header, rows in sheets
        ),
    )


# -- the full open-data files ------------------------------------------------------

CSV_NAME = "mo-hinh-dien-hinh.csv"
XLSX_NAME = "mo-hinh-dien-hinh.xlsx"

#: (header, rows) of the whole public list; the views supply it (labels, links).
Table = tuple[list[str], Iterable[Sequence[Any]]]


def open_data_folder() -> Path:
    return Path(current_app.instance_path) / "open-data"


def build_open_data_files(dest: Path, table: Callable[[], Table]) -> list[Path]:
    """Write the full CSV and XLSX of the public list into ``dest`` (for a job off
    the request path). Each file is written beside its final name and renamed over
    it, so a download never sees half a file; ``table()`` is called once per file
    (the rows are a stream that can be read only once)."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    header, rows = table()
    tmp = dest / f".{CSV_NAME}.tmp"
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        for chunk in spreadsheets.csv_chunks(header, rows):
            fh.write(chunk)
    os.replace(tmp, dest / CSV_NAME)
    written.append(dest / CSV_NAME)
    header, rows = table()
    tmp = dest / f".{XLSX_NAME}.tmp"
    with (
        spreadsheets.xlsx_file(
            [spreadsheets.Sheet("Mô hình, điển hình", rows, header=header)]
        ) as src,
        tmp.open("wb") as out,
    ):
        shutil.copyfileobj(src, out)
    os.replace(tmp, dest / XLSX_NAME)
    written.append(dest / XLSX_NAME)
    return written


def prebuilt(name: str) -> Response | None:
    """The prebuilt file ``name`` with ETag and Last-Modified (a 304 when unchanged),
    or None when no job has written it yet."""
    path = open_data_folder() / name
    if not path.is_file():
        return None
    resp = send_file(
        path,
        mimetype=XLSX_MIMETYPE if name.endswith(".xlsx") else None,
        as_attachment=True,
        download_name=name,
        conditional=True,
    )
    if name.endswith(".csv"):
        resp.headers["Content-Type"] = CSV_MIMETYPE
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
