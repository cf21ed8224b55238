"""The unit form applies the tier rule the spreadsheet import applies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dankheo.domain.enums import Role, UnitTier
from dankheo.errors import InvalidInput
from dankheo.units.models import Unit
from dankheo.units.operations import create_unit, tier_fits_under


@pytest.mark.parametrize(
    "tier, parent, ok",
    [
        (UnitTier.CENTRAL, UnitTier.COMMUNE, False),
        (UnitTier.PROVINCE, UnitTier.COMMUNE, False),
        (UnitTier.COMMUNE, UnitTier.COMMUNE, True),
        (UnitTier.GRASSROOTS, UnitTier.COMMUNE, True),
        (UnitTier.COMMUNE, UnitTier.PROVINCE, True),
    ],
)
def test_tier_rule(tier, parent, ok):
    assert tier_fits_under(tier, parent) is ok


def test_unit_form_refuses_a_central_unit_under_a_commune(make, db, login_as):
    province = make.unit()
    commune = make.unit(parent=province, tier=UnitTier.COMMUNE)
    sec = make.user(role=Role.SECRETARIAT, unit=province)
    db.session.commit()
    client = login_as(sec)
    resp = client.post(
        f"/admin/units/{commune.id}/new",
        data={
            "name": "Ban Trung ương",
            "code": "TW-SAI",
            "tier": "central",
            "kind": "party",
        },
    )
    assert resp.status_code == 400
    assert "Cấp của đơn vị không được cao hơn cấp của đơn vị cấp trên." in (
        resp.get_data(as_text=True)
    )
    db.session.rollback()
    assert db.session.scalar(select(Unit).where(Unit.code == "TW-SAI")) is None
    with pytest.raises(InvalidInput) as refused:
        create_unit(
            code="TW-SAI", name="X", tier="central", kind="party", parent=commune
        )
    assert refused.value.field == "tier"
