"""The one door importers read workbooks through refuses oversized ones before a row is
parsed: a small archive that unzips huge, a sheet declaring a million rows, and a
sheet holding a million empty rows without declaring any."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from dankheo import workbooks
from dankheo.units import imports
from dankheo.workbooks import WorkbookRefused, check_workbook

MILLION = 1_000_000


def _xlsx(sheet_xml: bytes | None = None) -> bytes:
    """A real workbook with the unit import's header, its sheet optionally replaced."""
    wb = Workbook()
    wb.active.append([str(c) for c in imports.COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    if sheet_xml is None:
        return buffer.getvalue()
    src, out = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            dst.writestr(item.filename, data)
    return out.getvalue()


def _empty_rows(n: int, *, dimension: bool) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}">'
    if dimension:
        head += f'<dimension ref="A1:E{n}"/>'
    rows = "".join(f'<row r="{i}"/>' for i in range(1, n + 1))
    return f"{head}<sheetData>{rows}</sheetData></worksheet>".encode()


@pytest.fixture
def rows_never_parsed(monkeypatch):
    """Fail the test if openpyxl is asked to open the workbook at all."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(workbooks, "load_workbook", refuse)


def _unit_import_refusal(body: bytes) -> str:
    rows, errors = imports.read_rows(io.BytesIO(body))
    assert rows == [] and len(errors) == 1 and errors[0].row == 0
    return errors[0].message % errors[0].params


def test_a_small_archive_that_unzips_huge_is_refused(app, rows_never_parsed):
    huge = b" " * ((imports.MAX_UNZIPPED_MB + 1) * workbooks.MB)
    body = _xlsx(_empty_rows(1, dimension=True)[:-12] + huge + b"</worksheet>")
    assert len(body) < workbooks.MB // 4
    message = _unit_import_refusal(body)
    assert f"lớn hơn {imports.MAX_UNZIPPED_MB} MB" in message


def test_a_sheet_declaring_a_million_rows_is_refused(app, rows_never_parsed):
    message = _unit_import_refusal(_xlsx(_empty_rows(MILLION, dimension=True)))
    assert f"khai báo {MILLION} dòng" in message
    assert f"giới hạn là {imports.MAX_ROWS + 1} dòng" in message


def test_a_million_empty_rows_without_a_dimension_are_refused(app, rows_never_parsed):
    message = _unit_import_refusal(_xlsx(_empty_rows(MILLION, dimension=False)))
    assert f"hơn {imports.MAX_ROWS + 1} dòng" in message


def test_rows_are_counted_across_chunks(monkeypatch):
    monkeypatch.setattr(workbooks, "CHUNK_BYTES", 7)  # tags cut at every chunk's end
    body = _xlsx(_empty_rows(50, dimension=False))
    check_workbook(io.BytesIO(body), max_rows=50, max_cols=5, max_unzipped_mb=1)
    with pytest.raises(WorkbookRefused):
        check_workbook(io.BytesIO(body), max_rows=49, max_cols=5, max_unzipped_mb=1)


def test_too_many_declared_columns_and_damaged_files(app):
    wide = _xlsx(_empty_rows(3, dimension=True).replace(b"A1:E3", b"A1:ZZ3"))
    with pytest.raises(WorkbookRefused) as refused:
        check_workbook(io.BytesIO(wide), max_rows=10, max_cols=50, max_unzipped_mb=1)
    assert refused.value.values["cols"] == 702
    for damaged in (b"PK\x03\x04 not a zip", _xlsx()[:200]):
        with pytest.raises(WorkbookRefused) as refused:
            check_workbook(
                io.BytesIO(damaged), max_rows=10, max_cols=5, max_unzipped_mb=1
            )
        assert refused.value.template == workbooks.UNREADABLE


def test_a_workbook_within_the_limits_opens_from_the_start_of_its_stream(app):
    stream = io.BytesIO(_xlsx())
    wb = workbooks.open_workbook(stream, max_rows=10, max_cols=5, max_unzipped_mb=1)
    assert next(wb.worksheets[0].iter_rows(values_only=True))[0] == "Mã đơn vị"
    wb.close()
