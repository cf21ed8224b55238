"""Registry operations refuse with typed errors carrying their own words, announce a
withdrawal through a signal, and log one line per state change."""

from __future__ import annotations

import ast
import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import event, select, update

from dankheo.domain.enums import Role, UnitTier
from dankheo.domain.workflow import Action, State
from dankheo.errors import Conflict, InvalidInput, RuleRefused
from dankheo.registry.attachments import add_attachment
from dankheo.registry.models import Exemplar, History
from dankheo.registry.moves import Move, transition_many
from dankheo.registry.operations import (
    submit_exemplar,
    transition,
    update_exemplar,
    withdraw_exemplar,
)
from dankheo.registry.signals import exemplar_withdrawn
from dankheo.registry.uploads import UploadError

FULL = {
    "situation": "Đường thôn hẹp.",
    "goals": "Mở rộng 3 km.",
    "content": "Họp dân, vận động từng hộ.",
    "outputs": "3 km đường.",
}


@pytest.fixture
def draft(make):
    province = make.unit(tier=UnitTier.PROVINCE)
    commune = make.unit(parent=province)
    campaign = make.campaign(unit=province)
    officer = make.user(role=Role.UNIT_OFFICER, unit=commune)
    exemplar = make.exemplar(unit=commune, campaign=campaign, name="Mô hình thử")
    make.db.session.commit()
    return exemplar, officer


def test_stale_and_locked_edits_are_refused_by_kind(draft, db):
    exemplar, officer = draft
    with pytest.raises(Conflict):
        update_exemplar(
            exemplar,
            actor=officer,
            data={"name": "Mới"},
            expected_version=exemplar.version - 1,
        )
    db.session.rollback()
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    submit_exemplar(exemplar, actor=officer)
    db.session.commit()
    with pytest.raises(RuleRefused):
        update_exemplar(
            exemplar,
            actor=officer,
            data={"name": "Mới"},
            expected_version=exemplar.version,
        )


@pytest.mark.parametrize(
    "data, field",
    [({"households": -1}, "households"), ({"state": "commended"}, "state")],
)
def test_bad_data_names_the_field(draft, data, field):
    exemplar, officer = draft
    with pytest.raises(InvalidInput) as caught:
        update_exemplar(exemplar, actor=officer, data=data, expected_version=1)
    assert caught.value.field == field


def test_incomplete_refusal_lists_the_items_in_the_readers_language(app, draft, db):
    exemplar, officer = draft
    with pytest.raises(RuleRefused) as caught:
        submit_exemplar(exemplar, actor=officer)
    exc = caught.value
    assert "2. Thực trạng, lý do xây dựng" in exc.message
    with app.test_request_context("/?lang=en"):
        english = exc.message
    assert english.startswith("The dossier lacks required items:")
    assert "Thực trạng" not in english
    assert db.session.get(Exemplar, exemplar.id).state == State.DRAFT


def test_a_draft_cannot_be_withdrawn(draft):
    exemplar, officer = draft
    with pytest.raises(RuleRefused):
        withdraw_exemplar(exemplar, actor=officer)


def test_withdrawal_is_announced_before_the_state_changes(draft, db):
    exemplar, officer = draft
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    submit_exemplar(exemplar, actor=officer)
    db.session.commit()
    seen = []

    def receiver(sender, *, actor):
        seen.append((sender, actor, sender.state, sender.stage_id))
        return "Đã xử lý phiếu."

    with exemplar_withdrawn.connected_to(receiver):
        withdraw_exemplar(exemplar, actor=officer, note="Bổ sung ảnh")
    db.session.commit()
    ((sender, actor, state, _stage),) = seen
    assert sender is exemplar and actor is officer and state == State.SUBMITTED
    assert exemplar.state == State.DRAFT
    note = db.session.scalar(select(History.note).where(History.action == "withdraw"))
    assert note == "Bổ sung ảnh (Đã xử lý phiếu.)"


def test_a_failing_receiver_refuses_the_withdrawal(draft, db):
    exemplar, officer = draft
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    submit_exemplar(exemplar, actor=officer)
    db.session.commit()

    def receiver(sender, *, actor):
        raise RuleRefused()

    with exemplar_withdrawn.connected_to(receiver), pytest.raises(RuleRefused):
        withdraw_exemplar(exemplar, actor=officer)
    db.session.rollback()
    assert db.session.get(Exemplar, exemplar.id).state == State.SUBMITTED


def test_registry_does_not_import_appraisal_operations():
    """Appraisal reacts to the registry through its signal, not the other way round."""
    package = Path(__file__).parents[2] / "dankheo" / "registry"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert "appraisal.operations" not in (node.module or ""), path.name


def test_each_state_change_logs_one_line(draft, db, caplog):
    exemplar, officer = draft
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    with caplog.at_level(logging.INFO, logger="dankheo.registry.moves"):
        submit_exemplar(exemplar, actor=officer)
    lines = [r.getMessage() for r in caplog.records if "->" in r.getMessage()]
    assert lines == [f"exemplar {exemplar.id} draft -> submitted by user {officer.id}"]


def test_a_refused_file_says_why_with_the_limit(app, draft):
    exemplar, officer = draft
    app.config["UPLOAD_MAX_BYTES"] = 2 * 1024 * 1024
    try:
        with pytest.raises(UploadError) as caught:
            add_attachment(
                exemplar,
                actor=officer,
                stream=io.BytesIO(b"%PDF-" + b"0" * (2 * 1024 * 1024)),
                filename="lon.pdf",
            )
    finally:
        app.config["UPLOAD_MAX_BYTES"] = 20 * 1024 * 1024
    exc = caught.value
    assert isinstance(exc, InvalidInput) and exc.status_code == 400
    assert exc.message == "Tệp quá lớn (tối đa 2 MB)."


def test_a_batch_move_sees_the_entrys_own_unsaved_change(draft, db):
    """transition_many compares the version the row has: an entry changed in this
    transaction but not yet flushed is moved, not reported as changed elsewhere."""
    exemplar, officer = draft
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    submit_exemplar(exemplar, actor=officer)
    db.session.commit()
    assert exemplar.version  # loaded now: nothing below reads the row again
    exemplar.outputs = "Kết quả sửa trước khi quyết định"  # pending, not flushed
    moved = transition_many(
        [Move(exemplar, Action.RECOMMEND)], actor=None, actor_kind="council"
    )
    assert moved == {exemplar.id: State.RECOMMENDED}
    db.session.commit()
    db.session.refresh(exemplar)
    assert exemplar.state == State.RECOMMENDED.value


def test_a_state_change_shows_on_the_entry_at_once(draft, db):
    exemplar, officer = draft
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    submit_exemplar(exemplar, actor=officer)
    version = exemplar.version
    state = transition(exemplar, Action.RECOMMEND, actor=None, actor_kind="council")
    assert state == State.RECOMMENDED
    # Not committed yet: the caller reads the row as the move left it.
    assert exemplar.state == State.RECOMMENDED.value
    assert exemplar.version == version + 1
    assert exemplar.published_at is not None


def test_a_state_change_on_an_entry_changed_elsewhere_is_a_conflict(draft, db):
    exemplar, officer = draft
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    submit_exemplar(exemplar, actor=officer)
    db.session.commit()
    version = exemplar.version
    # Another save went in since the entry was read; the loaded object does not know.
    db.session.execute(
        update(Exemplar)
        .where(Exemplar.id == exemplar.id)
        .values(version=Exemplar.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Conflict) as refused:
        transition(exemplar, Action.RECOMMEND, actor=None, actor_kind="council")
    assert refused.value.message == "Hồ sơ vừa thay đổi trạng thái; hãy xem lại."
    assert (exemplar.state, exemplar.version) == (State.SUBMITTED.value, version + 1)
    recommended = select(History.id).where(History.action == Action.RECOMMEND)
    assert db.session.scalars(recommended).all() == []


def test_a_batch_move_finds_its_rows_by_primary_key(make, draft, db):
    """The guarded UPDATE names the ids as well as the (id, version) pairs: with the
    pairs alone SQLite read every row in the from-state to find a few. (PostgreSQL's
    planner goes by row estimates, which a few test rows make meaningless.)"""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    exemplar, officer = draft
    other = make.exemplar(unit=exemplar.unit, campaign=exemplar.campaign, **FULL)
    update_exemplar(exemplar, actor=officer, data=FULL, expected_version=1)
    for e in (exemplar, other):
        submit_exemplar(e, actor=officer)
    db.session.commit()
    ran: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if statement.startswith("UPDATE exemplars"):
            ran.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        moved = transition_many(
            [Move(exemplar, Action.RECOMMEND), Move(other, Action.RECOMMEND)],
            actor=None,
            actor_kind="council",
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert moved == {exemplar.id: State.RECOMMENDED, other.id: State.RECOMMENDED}
    db.session.commit()
    ((statement, parameters),) = ran
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = "\n".join(r[-1] for r in rows)
    assert "SEARCH exemplars USING INTEGER PRIMARY KEY" in plan, plan
