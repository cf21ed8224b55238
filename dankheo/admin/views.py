"""The secretariat's pages: the blueprint, its shared helpers and the dashboard.
Campaigns, units, accounts and spreadsheets: :mod:`.campaign_views`,
:mod:`.unit_views`, :mod:`.account_views` and :mod:`.import_views`, which add their
routes here. Stages, councils and commendations live in the appraisal blueprint."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.workflow import State
from ..extensions import db
from ..units.models import Unit
from ..units.queries import unit_in_scopes, unit_suggestions
from . import queries
from .permissions import can_manage_unit, secretariat_scopes

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _require_secretariat():
    if not secretariat_scopes(current_user):
        abort(403)


def scopes() -> list[str]:
    return secretariat_scopes(current_user)


def managed_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_manage_unit(current_user, unit):
        abort(404)
    return unit


def unit_picker(field, *, default: Unit | None = None) -> None:
    field.suggestions = unit_suggestions(scopes())
    if default is not None and not field.data:
        field.data = default.code


def picked_unit(field) -> Unit | None:
    """The unit the picker names, inside the scope; otherwise a message on the field."""
    unit = unit_in_scopes(field.data, scopes())
    if unit is None:
        field.errors.append(
            _(
                "Không có đơn vị mã “%(code)s” trong phạm vi của bạn.",
                code=field.data or "",
            )
        )
    return unit


@bp.get("/")
def index():
    campaigns = queries.campaigns_in(scopes())
    counts = queries.state_counts_by_campaign([c.id for c in campaigns])
    return render_template(
        "admin/index.html", campaigns=campaigns, counts=counts, states=list(State)
    )


from . import (  # noqa: E402,F401
    account_import_views,
    account_views,
    campaign_views,
    import_views,
    unit_views,
)
