"""The hash chains: every history and audit record is chained; editing, deleting or
reordering rows behind the application's back (raw SQL) is found by verify-history,
which names the table and the record; the chains survive backup and restore."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from dankheo.audit import chain
from dankheo.audit.models import AuditRecord, ChainHead
from dankheo.audit.verify import verify_all
from dankheo.extensions import db as _db
from dankheo.registry.models import AppendOnlyError, History

from .helpers import audit_rows, some_history


def _verify():
    _db.session.commit()
    return {r.chain: r for r in verify_all(_db.engine)}


def _raw(sql: str, **params) -> None:
    _db.session.commit()
    with _db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["verify-history", *args])


def test_the_documented_hash_input_is_stable():
    """The exact bytes and hash of a record: a change here breaks every stored chain."""
    record = {
        "id": 7,
        "exemplar_id": 3,
        "actor_id": None,
        "at": datetime(2026, 11, 18, 1, 2, 3, 4567, tzinfo=UTC),
        "action": "submit",
        "from_state": "draft",
        "to_state": "submitted",
        "stage_id": 2,
        "note": "Đạt — “Dân vận khéo”",
    }
    raw = chain.canonical_bytes(chain.HISTORY, 5, "ab" * 32, record)
    assert (
        raw
        == (
            '{"chain":"history","prev":"' + "ab" * 32 + '","record":{"action":"submit",'
            '"actor_id":null,"at":"2026-11-18T01:02:03.004567Z","exemplar_id":3,'
            '"from_state":"draft","id":7,"note":"Đạt — “Dân vận khéo”","stage_id":2,'
            '"to_state":"submitted"},"seq":5,"v":1}'
        ).encode()
    )
    digest = hashlib.sha256(raw).hexdigest()
    assert chain.record_hash(chain.HISTORY, 5, "ab" * 32, record) == digest
    assert digest == "12ad9ce0b72b0c9772fef1c89ac702b621de41f54049d6652d59ef98bcaff295"


def test_history_and_audit_records_are_chained_and_verify(app, make, db):
    some_history(make, 3)
    rows = list(db.session.scalars(select(History).order_by(History.chain_seq)))
    assert [r.chain_seq for r in rows] == list(range(1, 7))
    assert rows[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert audit_rows(), "creating units and campaigns is audited"
    reports = _verify()
    assert reports["history"].intact and reports["history"].length == 6
    assert reports["audit"].intact and reports["audit"].length == len(audit_rows())
    result = _cli(app)
    assert result.exit_code == 0, result.output
    assert "history" in result.output and "6 bản ghi" in result.output


def _history_ids():
    return list(_db.session.scalars(select(History.id).order_by(History.chain_seq)))


@pytest.mark.parametrize(
    ("tamper", "expected_message"),
    [
        ("edit", "đã bị sửa"),
        ("edit_time", "đã bị sửa"),
        ("delete_middle", "thiếu bản ghi"),
        ("delete_last", "bản ghi mới nhất đã bị xóa"),
        ("reorder", "liên kết"),
        ("swap_ids", "đã bị sửa"),
        ("forge_link", "liên kết"),
    ],
)
def test_tampering_with_the_history_is_found(app, make, db, tamper, expected_message):
    some_history(make, 3)
    ids = _history_ids()
    second, third = ids[1], ids[2]
    if tamper == "edit":
        _raw("UPDATE history SET note = 'Đã sửa' WHERE id = :id", id=second)
    elif tamper == "edit_time":
        _raw("UPDATE history SET at = :at WHERE id = :id", id=second, at="2020-01-01")
    elif tamper == "delete_middle":
        _raw("DELETE FROM history WHERE id = :id", id=second)
    elif tamper == "delete_last":
        _raw("DELETE FROM history WHERE id = :id", id=ids[-1])
    elif tamper == "reorder":
        _raw("UPDATE history SET chain_seq = -1 WHERE id = :id", id=second)
        _raw("UPDATE history SET chain_seq = 2 WHERE id = :id", id=third)
        _raw("UPDATE history SET chain_seq = 3 WHERE id = :id", id=second)
    elif tamper == "swap_ids":
        # Exchange the positions of two records in every per-exemplar timeline.
        _raw("UPDATE history SET id = -1 WHERE id = :id", id=second)
        _raw("UPDATE history SET id = :a WHERE id = :b", a=second, b=third)
        _raw("UPDATE history SET id = :b WHERE id = -1", b=third)
    elif tamper == "forge_link":
        # A rewritten record with a self-consistent hash still does not link.
        _raw("UPDATE history SET prev_hash = :p WHERE id = :id", p="f" * 64, id=second)
    report = _verify()["history"]
    assert not report.intact
    broken = report.broken
    assert broken.table == "history"
    assert expected_message in broken.describe()
    if tamper not in ("delete_last", "delete_middle"):
        assert broken.record_id in (second, third)
        assert f"mã {broken.record_id}" in broken.describe()
    if tamper == "delete_middle":
        assert broken.record_id == third
    result = _cli(app)
    assert result.exit_code == 1
    assert "history" in result.output and expected_message in result.output
    assert _verify()["audit"].intact


def test_tampering_with_the_audit_log_is_found(app, make, db):
    some_history(make, 1)
    records = audit_rows()
    target = records[len(records) // 2]
    _raw("UPDATE audit_log SET actor_label = 'Người khác' WHERE id = :id", id=target.id)
    report = _verify()["audit"]
    assert not report.intact
    assert report.broken.table == "audit_log"
    assert report.broken.record_id == target.id
    assert report.length == target.id - 1


def test_deleting_the_whole_tail_and_the_head_together_is_not_hidden(app, make, db):
    """Rewinding the head row too leaves the removed records' successors unlinked;
    only a consistent rewrite of everything after a point (re-hashing) goes unseen,
    which is why the command prints the last hash to be kept elsewhere."""
    some_history(make, 2)
    ids = _history_ids()
    _raw("DELETE FROM history WHERE id = :id", id=ids[1])
    _raw("UPDATE chain_heads SET length = length - 1 WHERE name = 'history'")
    assert not _verify()["history"].intact


def test_the_orm_refuses_to_change_or_delete_records(make, db):
    some_history(make, 1)
    record = db.session.scalars(select(AuditRecord)).first()
    record.action = "deleted"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditRecord)).first())
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_an_empty_database_verifies(app, db):
    reports = _verify()
    assert all(r.intact and r.length == 0 for r in reports.values())
    assert _cli(app).exit_code == 0


def test_heads_match_the_chains(make, db):
    some_history(make, 2)
    heads = {h.name: h for h in db.session.scalars(select(ChainHead))}
    assert heads["history"].length == db.session.scalar(select(func.count(History.id)))
    last = db.session.scalar(select(History).order_by(History.chain_seq.desc()))
    assert heads["history"].hash == last.hash
