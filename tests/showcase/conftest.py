"""Helpers of the showcase tests: public entries made through the real operations."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from dankheo.appraisal.commendations import mark_replicated, record_commendation
from dankheo.db import utcnow
from dankheo.domain.workflow import Action
from dankheo.registry.attachments import add_attachment
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import submit_exemplar, transition

STORY = {
    "situation": "Thực trạng",
    "goals": "Mục tiêu",
    "content": "Nội dung",
    "outputs": "Kết quả",
}


class Publisher:
    """Builds entries in a given state: submitted through the unit's operation, then
    recommended, commended and replicated through the council's and secretariat's."""

    def __init__(self, make, db):
        self.make = make
        self.db = db
        self.province = None
        self.campaign = None
        self.commune = None

    def setup(self, year=2026):
        if self.province is None:
            self.province = self.make.unit(name="Tỉnh Thử Nghiệm")
            self.commune = self.make.unit(parent=self.province, name="Xã Thử Nghiệm")
        self.campaign = self.make.campaign(unit=self.province, year=year)
        return self.campaign

    def __call__(
        self,
        state="recommended",
        *,
        campaign=None,
        unit=None,
        published_at=None,
        form=0,
        files=(),
        **data,
    ):
        if self.campaign is None:
            self.setup()
        campaign = campaign or self.campaign
        for key, value in STORY.items():
            data.setdefault(key, value)
        e = self.make.exemplar(campaign=campaign, unit=unit or self.commune, **data)
        for filename, content, kind, public in files:
            add_attachment(
                e,
                actor=None,
                stream=io.BytesIO(content),
                filename=filename,
                kind=kind,
                is_public=public,
            )
        if state == "draft":
            return e
        submit_exemplar(e, actor=None)
        if state == "submitted":
            return e
        if state in ("rejected", "returned"):
            action = (
                Action.REJECT if state == "rejected" else Action.RETURN_FOR_SUPPLEMENT
            )
            transition(e, action, actor=None, actor_kind="council")
            return e
        transition(e, Action.RECOMMEND, actor=None, actor_kind="council")
        if state in ("commended", "replicated"):
            f = campaign.commendation_forms[form]
            record_commendation(
                e,
                form=f,
                issuing_body=f.issuing_body,
                decision_number=f"{e.id}/QĐ-UBND",
                decision_date=date(campaign.year, 11, 18),
                actor=None,
            )
        if state == "replicated":
            mark_replicated(e, note="Nhân rộng ra toàn tỉnh", actor=None)
        if published_at is not None:
            self.db.session.execute(
                update(Exemplar)
                .where(Exemplar.id == e.id)
                .values(published_at=published_at)
            )
        self.db.session.flush()
        self.db.session.refresh(e)
        return e


@pytest.fixture
def publish(make, db):
    return Publisher(make, db)


def days_ago(n: int):
    return utcnow() - timedelta(days=n)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
