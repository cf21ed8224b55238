"""``flask import-exemplars`` and ``flask import-units``: exit codes, errors with row
numbers, nothing imported from a bad file."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from dankheo.registry.models import Exemplar
from dankheo.units.models import Unit

from .bulk_helpers import csv_bytes, row, tree, xlsx


def _count(db, model=Exemplar):
    db.session.rollback()
    return db.session.scalar(select(func.count(model.id)))


def test_import_exemplars_cli(app, make, db, tmp_path):
    _p, _c, _o, officer, campaign = tree(make)
    runner = app.test_cli_runner()
    good = tmp_path / "tot.csv"
    good.write_bytes(csv_bytes([row("Một"), row("Hai", unit="QN-TY")]))
    result = runner.invoke(
        args=["import-exemplars", str(good), "--campaign", str(campaign.id)]
    )
    assert result.exit_code == 0, result.output
    assert "Đã nhập 2 hồ sơ" in result.output
    assert _count(db) == 2

    # As the officer, a unit outside their subtree is refused: nothing is imported.
    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(xlsx([row("Ba"), row("Bốn", unit="QN-TY")], title="Danh sách"))
    result = runner.invoke(
        args=[
            "import-exemplars",
            str(bad),
            "--campaign",
            str(campaign.id),
            "--as",
            officer.username,
        ]
    )
    assert result.exit_code == 1
    assert "Dòng 4, cột “Mã đơn vị”: Đơn vị “QN-TY” nằm ngoài phạm vi của bạn." in (
        result.output
    )
    assert _count(db) == 2

    # Unknown campaign, unknown account: refused with a message, non-zero.
    assert (
        runner.invoke(
            args=["import-exemplars", str(good), "--campaign", "999"]
        ).exit_code
        == 1
    )
    result = runner.invoke(
        args=[
            "import-exemplars",
            str(good),
            "--campaign",
            str(campaign.id),
            "--as",
            "ai",
        ]
    )
    assert result.exit_code == 1 and "Không có tài khoản" in result.output


def test_import_units_cli(app, make, db, tmp_path):
    tree(make)
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Tên đơn vị", "Cấp", "Loại đơn vị", "Mã đơn vị cấp trên"])
    ws.append(["QN-HG-K1", "Chi bộ khu 1", "Cơ sở", "Cấp ủy Đảng", "QN-HG"])
    buffer = io.BytesIO()
    wb.save(buffer)
    path = tmp_path / "don-vi.xlsx"
    path.write_bytes(buffer.getvalue())
    before = _count(db, Unit)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert _count(db, Unit) == before + 1
    result = runner.invoke(args=["import-units", str(path)])  # the codes exist now
    assert result.exit_code == 1 and "Dòng 2" in result.output
    assert _count(db, Unit) == before + 1


def test_an_import_is_in_the_audit_log_with_who_ran_it(app, make, db, tmp_path):
    """Core inserts fire no ORM events: the import itself is recorded, once, on the
    campaign, naming the account the command acted for."""
    from sqlalchemy import select

    from dankheo.audit.models import AuditRecord

    _p, _c, _o, officer, campaign = tree(make)
    good = tmp_path / "tot.csv"
    good.write_bytes(csv_bytes([row("Một"), row("Hai")]))
    result = app.test_cli_runner().invoke(
        args=[
            "import-exemplars",
            str(good),
            "--campaign",
            str(campaign.id),
            "--as",
            officer.username,
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.rollback()
    records = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "imported")
    ).all()
    assert [(r.object_type, r.object_id, r.actor_id) for r in records] == [
        ("campaign", campaign.id, officer.id)
    ]
    assert records[0].changes == {"exemplars": [None, 2]}
