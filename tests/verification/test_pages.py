"""The secretariat's verification pages: scoped, read-only, exportable."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import inspect, select, text

from dankheo.appraisal.snapshots import RuleSnapshot
from dankheo.verification import fairness, recorded


def _dump(db):
    """Every row of every table, to prove a page changed nothing."""
    out = {}
    for table in sorted(inspect(db.engine).get_table_names()):
        if table.startswith(("exemplars_fts", "alembic")):
            continue
        out[table] = sorted(
            map(repr, db.session.execute(text(f'SELECT * FROM "{table}"')).all())
        )
    return out


def test_fairness_flags_the_harsh_member_and_measures_agreement(world, db):
    rounds = recorded.load(recorded.closed_rounds_of_council(world.council.id))
    f = fairness.council_fairness(world.council, rounds)
    assert [m.name for m in f.outliers] == ["Người Chấm Chặt"]
    harsh = f.outliers[0]
    assert harsh.severity < -30 and harsh.scored == 6
    assert f.alpha is not None and f.alpha < 0.667  # the harsh member drags it down
    assert f.scored_exemplars == 6
    # every entry is a wide split (the harsh member's totals lie far below)
    assert {s.name for s in f.splits} >= {"Mô hình A", "Mô hình D"}


def test_pages_are_for_the_secretariat_over_the_council_only(world, client, login_as):
    urls = [
        f"/verification/campaigns/{world.campaign.id}",
        f"/verification/councils/{world.council.id}",
        f"/verification/rounds/{world.round.id}/what-if",
        f"/verification/campaigns/{world.campaign.id}/fairness.xlsx",
    ]
    for url in urls:
        assert client.get(url).status_code in (302, 401)
    login_as(world.outsider)
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.get("/auth/logout")
    login_as(world.secretariat)
    page = client.get(urls[0]).get_data(as_text=True)
    assert "Hội đồng thẩm định tỉnh" in page
    council = client.get(urls[1]).get_data(as_text=True)
    assert "Người Chấm Chặt" in council and "Chấm lệch" in council
    assert "Krippendorff" in council


def test_what_if_shows_changes_side_by_side_and_changes_nothing(
    world, client, login_as, db
):
    login_as(world.secretariat)
    url = f"/verification/rounds/{world.round.id}/what-if"
    before = _dump(db)
    same = client.get(url)
    assert same.status_code == 200
    assert "Không hồ sơ nào có kết quả khác." in same.get_data(as_text=True)
    # a quota of 4: "Mô hình C" would have passed
    resp = client.get(
        url,
        query_string={
            "threshold": "1/2/s",
            "base": "all",
            "quorum_percent": "50",
            "min_average_score": "60",
            "quota": "4",
            "tie_rule": "most_approvals",
        },
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Mô hình C" in page and "Mô hình D" not in page
    # no minimum score and no quota: D passes too; C passes
    page = client.get(
        url,
        query_string={
            "threshold": "1/2/s",
            "base": "all",
            "quorum_percent": "50",
            "min_average_score": "",
            "quota": "",
            "tie_rule": "most_approvals",
        },
    ).get_data(as_text=True)
    assert "Mô hình C" in page and "Mô hình D" in page
    bad = client.get(url, query_string={"threshold": "1/1/x", "quorum_percent": "900"})
    assert bad.status_code == 400
    db.session.rollback()
    assert _dump(db) == before


def test_the_export_is_an_xlsx_of_severity_and_agreement(world, client, login_as):
    login_as(world.secretariat)
    resp = client.get(f"/verification/campaigns/{world.campaign.id}/fairness.xlsx")
    assert resp.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)
    cells = {
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    }
    assert book.sheetnames == ["Độ đồng thuận", "Mức nghiêm khắc"]
    assert "Người Chấm Chặt" in cells and "Hệ số alpha Krippendorff" in cells


def test_empty_states(make, db, client, login_as):
    from dankheo.domain.enums import Role

    province = make.unit(name="Tỉnh Trống")
    campaign = make.campaign(unit=province)
    user = make.user(role=Role.SECRETARIAT, unit=province)
    db.session.commit()
    login_as(user)
    page = client.get(f"/verification/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Chưa có phiên thẩm định nào kết thúc" in page
    assert "Kiểm tra công bằng" in client.get("/verification/").get_data(as_text=True)


def test_backfilled_snapshots_say_so_on_the_public_record(world, db, client):
    snap = db.session.scalar(
        select(RuleSnapshot).where(RuleSnapshot.round_id == world.round.id)
    )
    snap.backfilled = True
    db.session.commit()
    a = world.entries["Mô hình A"]
    page = client.get(f"/showcase/{a.id}-{a.slug}").get_data(as_text=True)
    assert "quy tắc ghi bổ sung theo cấu hình hiện tại của vòng" in page
