"""Downloads that never break: the filtered list streams whole with bounded memory,
and the full open-data files, once built off the request path, are served from disk
with validators (see dankheo.showcase.opendata)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import insert

from dankheo.db import utcnow
from dankheo.registry.models import Exemplar
from dankheo.showcase.listing import Filters, count_public

ROWS = 20_000


def _many(publish, db, n: int, start: int = 0) -> None:
    campaign = publish.setup()
    now = utcnow()
    db.session.execute(
        insert(Exemplar),
        [
            {
                "campaign_id": campaign.id,
                "unit_id": publish.commune.id,
                "name": f"Mô hình số {i}",
                "slug": f"mo-hinh-so-{i}",
                "search_text": f"mo hinh so {i}",
                "state": "recommended",
                "kind": "model",
                "published_at": now,
            }
            for i in range(start, start + n)
        ],
    )
    db.session.commit()


def test_a_large_export_streams_whole(client, publish, db):
    _many(publish, db, ROWS)
    # Filtered (every row matches): the streamed path, never a prebuilt file.
    resp = client.get("/showcase/export.csv?kind=model", buffered=False)
    assert resp.status_code == 200
    assert resp.is_streamed
    chunks = list(resp.response)
    # Sent in many chunks, not buffered into one body.
    assert len(chunks) > 10
    resp.close()
    body = b"".join(chunks).decode("utf-8-sig")
    assert body.count("\n") == ROWS + 1 == count_public(Filters()) + 1
    # Every line whole, the last one too: all the columns, ending in its link.
    table = list(csv.reader(io.StringIO(body)))
    assert {len(r) for r in table} == {len(table[0])}
    assert body.endswith("\r\n") and "-mo-hinh-so-" in table[-1][-1]


@pytest.fixture(params=["local", "database"])
def file_store(request, app, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORE", request.param)
    return request.param


def _build(app):
    result = app.test_cli_runner().invoke(args=["build-open-data"])
    assert result.exit_code == 0, result.output
    return result


def test_prebuilt_open_data_files_are_served_with_validators(
    app, client, publish, db, file_store
):
    _many(publish, db, 30)
    assert "30 dòng" in _build(app).output
    resp = client.get("/showcase/export.csv")
    assert resp.status_code == 200
    assert resp.headers["ETag"] and resp.headers["Last-Modified"]
    assert resp.headers["Content-Type"].startswith("text/csv")
    body = resp.get_data().decode("utf-8-sig")
    assert body.count("\n") == 31 and body.endswith("\r\n")
    for validator in (
        {"If-None-Match": resp.headers["ETag"]},
        {"If-Modified-Since": resp.headers["Last-Modified"]},
    ):
        again = client.get("/showcase/export.csv", headers=validator)
        assert again.status_code == 304 and not again.data
    xlsx = client.get("/showcase/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert xlsx.headers["ETag"]
    # A filtered download is never the prebuilt file.
    filtered = client.get("/showcase/export.csv?kind=individual", buffered=False)
    assert filtered.is_streamed and "ETag" not in filtered.headers
    filtered.close()
    # The page says when the files were built.
    page = client.get("/showcase/open-data").get_data(as_text=True)
    assert "Tạo lúc" in page and "gồm 30 dòng" in page
    assert "mo-hinh-dien-hinh.xlsx" in page


def test_before_the_first_build_the_list_streams_and_a_build_is_queued(
    app, client, publish, db, file_store
):
    _many(publish, db, 12)
    page = client.get("/showcase/open-data")
    assert page.status_code == 200
    assert "đang được tạo lần đầu" in page.get_data(as_text=True)
    first = client.get("/showcase/export.csv", buffered=False)
    assert first.status_code == 200 and first.is_streamed
    assert "ETag" not in first.headers
    assert b"".join(first.response).decode("utf-8-sig").count("\n") == 13
    first.close()
    # The queue (immediate in tests) built the files meanwhile: now they are served.
    second = client.get("/showcase/export.csv")
    assert second.status_code == 200 and second.headers["ETag"]
    assert second.get_data().decode("utf-8-sig").count("\n") == 13


def test_a_change_to_published_data_rebuilds_once_the_debounce_has_passed(
    app, client, publish, db, file_store, monkeypatch
):
    from dankheo.showcase import opendata

    _many(publish, db, 5)
    _build(app)
    with app.test_request_context():
        built = opendata.read_state()
        assert built is not None and built.rows == 5
        assert opendata.build_if_due(app) is None  # nothing changed
    _many(publish, db, 3, start=100)
    with app.test_request_context():
        db.session.rollback()
        assert opendata.is_stale(opendata.read_state())
        # Within the debounce period the change waits for the next check.
        monkeypatch.setitem(app.config, "OPEN_DATA_DEBOUNCE_SECONDS", 3600)
        assert opendata.build_if_due(app) is None
        monkeypatch.setitem(app.config, "OPEN_DATA_DEBOUNCE_SECONDS", 0)
        rebuilt = opendata.build_if_due(app)
        assert rebuilt is not None and rebuilt.rows == 8
        db.session.rollback()
        assert not opendata.is_stale(opendata.read_state())
    resp = client.get("/showcase/export.csv")
    assert resp.get_data().decode("utf-8-sig").count("\n") == 9


def test_a_build_holds_no_write_lock_while_it_writes_the_files(
    app, publish, db, file_store, monkeypatch
):
    """Another writer can take SQLite's write lock while the files are written."""
    import sqlite3

    from dankheo import spreadsheets
    from dankheo.showcase import opendata

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    _many(publish, db, 5)
    db.session.rollback()
    real = spreadsheets.xlsx_file
    took: list[bool] = []

    def writer_waits_not(sheets):
        other = sqlite3.connect(db.engine.url.database, timeout=0.2)
        try:
            other.isolation_level = None
            other.execute("BEGIN IMMEDIATE")  # "database is locked" before the fix
            other.execute("ROLLBACK")
            took.append(True)
        finally:
            other.close()
        return real(sheets)

    monkeypatch.setattr(spreadsheets, "xlsx_file", writer_waits_not)
    state = opendata.build_if_due(app, force=True)
    assert took == [True]
    assert state is not None and state.rows == 5
    with app.test_request_context():
        assert opendata.read_state() == state
