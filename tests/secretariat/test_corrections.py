"""Corrections with a trail: annul or correct a commendation, delete a draft never
submitted, return a wrongly passed exemplar; and the coverage page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dankheo.appraisal import closing
from dankheo.appraisal.commendations import record_commendation
from dankheo.domain.enums import UnitTier
from dankheo.domain.workflow import Action, State
from dankheo.errors import InvalidInput, RuleRefused
from dankheo.registry.models import Exemplar, History
from dankheo.secretariat.corrections import (
    annul_commendation,
    correct_pass,
    delete_draft,
)

from ..appraisal.scenario import build, submitted, vote_all


@pytest.fixture
def sc(make, db):
    s = build(make)
    db.session.commit()
    return s


def _commended(sc, make, db):
    e = submitted(make, sc, sc.department, name="Điển hình khen nhầm")
    vote_all(sc.province_council, sc, e, "aaa")
    closing.close_round(sc.province_council.open_round, actor=None)
    c = record_commendation(
        e,
        form=sc.campaign.commendation_forms[0],
        issuing_body="UBND tỉnh",
        decision_number="1034/QĐ-UBND",
        decision_date=date(2026, 11, 18),
        actor=None,
    )
    db.session.commit()
    return e, c


def test_annul_needs_a_reason_and_shows_on_the_public_page(sc, make, db, client):
    e, c = _commended(sc, make, db)
    with pytest.raises(InvalidInput):
        annul_commendation(c, reason="  ", actor=None)
    annul_commendation(c, reason="Trùng quyết định 1020", actor=sc.secretariat)
    db.session.commit()
    assert db.session.get(Exemplar, e.id).state == State.RECOMMENDED
    last = db.session.scalars(
        select(History).where(History.exemplar_id == e.id).order_by(History.id)
    ).all()[-1]
    assert (last.action, last.note) == (Action.CORRECT, "Trùng quyết định 1020")
    page = client.get(f"/showcase/{e.id}-{e.slug}", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Đã hủy" in html and "Trùng quyết định 1020" in html


def test_correct_pass_returns_to_the_stage_it_passed(sc, make, db):
    e = submitted(make, sc, sc.hamlets[0], name="Qua vòng nhầm")
    council = sc.commune_councils[0]
    vote_all(council, sc, e, "aaa")
    closing.close_round(council.open_round, actor=None)
    db.session.commit()
    assert e.stage_id == sc.stage2.id
    correct_pass(e, reason="Kiểm phiếu sai", actor=sc.secretariat)
    db.session.commit()
    e = db.session.get(Exemplar, e.id)
    assert (e.state, e.stage_id) == (State.SUBMITTED, sc.stage1.id)
    # Only the latest step can be undone: the correction is not a pass.
    with pytest.raises(RuleRefused):
        correct_pass(e, reason="lần nữa", actor=None)


def test_delete_draft_only_if_never_submitted(sc, make, db):
    draft = make.exemplar(unit=sc.hamlets[0], campaign=sc.campaign)
    sent = submitted(make, sc, sc.hamlets[0])
    with pytest.raises(RuleRefused):
        delete_draft(sent, actor=None)
    delete_draft(draft, actor=None)
    db.session.commit()
    assert db.session.get(Exemplar, draft.id) is None


def test_corrections_page_and_coverage(sc, make, db, login_as):
    e, _c = _commended(sc, make, db)
    client = login_as(sc.secretariat)
    assert client.get(f"/admin/exemplars/{e.id}/corrections").status_code == 200
    resp = client.post(
        f"/admin/exemplars/{e.id}/commendation/annul", data={"annul-reason": ""}
    )
    assert resp.status_code == 400
    make.exemplar(unit=sc.communes[0], campaign=sc.campaign)  # a draft only
    db.session.commit()
    resp = client.post(
        f"/admin/campaigns/{sc.campaign.id}/coverage/expectations",
        data={"tier": UnitTier.COMMUNE, "kind": "", "minimum": "1", "maximum": "3"},
    )
    assert resp.status_code == 302
    page = client.get(f"/admin/campaigns/{sc.campaign.id}/coverage?missing=1")
    html = page.get_data(as_text=True)
    assert "Xã Thử 1" in html and "Xã Thử 2" in html and "1–3" in html
    xlsx = client.get(f"/admin/campaigns/{sc.campaign.id}/coverage.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
