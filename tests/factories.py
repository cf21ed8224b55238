"""Callable factories for tests: real rows built through the real operations."""

from __future__ import annotations

import itertools

from dankheo.auth.operations import create_user
from dankheo.campaigns.operations import create_campaign
from dankheo.domain.enums import (
    CampaignStatus,
    ExemplarKind,
    Role,
    UnitKind,
    UnitTier,
)
from dankheo.registry.operations import create_exemplar
from dankheo.units.models import Unit
from dankheo.units.operations import create_unit

PASSWORD = "mat-khau-thu-nghiem"
_seq = itertools.count(1)


class Factory:
    def __init__(self, db):
        self.db = db

    def unit(self, parent=None, tier=None, kind=UnitKind.PARTY, name=None, code=None):
        n = next(_seq)
        if tier is None:
            tier = UnitTier.PROVINCE if parent is None else UnitTier.COMMUNE
        return create_unit(
            code=code or f"U{n:05d}",
            name=name or f"Đơn vị thử nghiệm {n}",
            tier=tier,
            kind=kind,
            parent=parent,
        )

    def user(
        self, role=Role.UNIT_OFFICER, unit=None, scope=None, name=None, username=None
    ):
        n = next(_seq)
        unit = unit or self.unit()
        roles = [(role, scope or unit)] if role else []
        return create_user(
            username=username or f"user{n}",
            name=name or f"Cán bộ {n}",
            password=PASSWORD,
            email=f"user{n}@example.vn",
            unit=unit,
            roles=roles,
        )

    def campaign(self, unit=None, year=2026, **kw):
        """A campaign taking registrations. Deadlines are checked against the product's
        clock, so the default window has no ends: tests do not expire with the year."""
        unit = unit or self.unit()
        kw.setdefault("status", CampaignStatus.REGISTRATION)
        return create_campaign(
            name=kw.pop("name", f"Dân vận khéo năm {year}"), year=year, unit=unit, **kw
        )

    def exemplar(self, unit=None, campaign=None, actor=None, **data):
        if campaign is None:
            root = self.db.session.get(Unit, unit.ancestor_ids()[0]) if unit else None
            campaign = self.campaign(unit=root)
        unit = unit or self.unit(parent=campaign.unit)
        data.setdefault("name", f"Mô hình thử nghiệm {next(_seq)}")
        data.setdefault("kind", ExemplarKind.MODEL)
        data.setdefault("field_id", campaign.fields[0].id)
        return create_exemplar(campaign=campaign, unit=unit, actor=actor, data=data)
