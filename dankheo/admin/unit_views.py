"""The secretariat's unit pages: browse the tree in scope, add and edit units."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms_common import int_arg, options, page_arg
from ..lifecycle import on_error
from ..units.models import Unit
from ..units.operations import create_unit, update_unit
from . import queries
from .forms import UnitForm
from .permissions import can_manage_unit
from .views import bp, managed_unit, scopes


@bp.get("/units")
def units():
    parent_id = request.args.get("parent", "")
    parent = managed_unit(pid) if (pid := int_arg(parent_id)) else None
    q = request.args.get("q", "")[:100]
    page = db.paginate(
        queries.units_page(scopes(), q, parent),
        page=page_arg(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "admin/units.html",
        page=page,
        parent=parent,
        q=q,
        children=queries.child_counts([u.id for u in page.items]),
        ancestors=_ancestors(parent) if parent else [],
    )


def _ancestors(unit: Unit) -> list[Unit]:
    ids = unit.ancestor_ids()
    found = {
        u.id: u for u in db.session.scalars(db.select(Unit).where(Unit.id.in_(ids)))
    }
    return [
        found[i] for i in ids if i in found and can_manage_unit(current_user, found[i])
    ]


@bp.route("/units/<int:parent_id>/new", methods=["GET", "POST"])
def unit_new(parent_id: int):
    parent = managed_unit(parent_id)
    form = UnitForm()
    if form.validate_on_submit():
        on_error("admin/unit_form.html", form=form, parent=parent, unit=None)
        unit = create_unit(
            code=form.code.data.strip(),
            name=form.name.data.strip(),
            tier=form.tier.data,
            kind=form.kind.data,
            parent=parent,
            actor=current_user,
        )
        flash(_("Đã thêm đơn vị “%(name)s”.", name=unit.name), "success")
        return redirect(url_for(".units", parent=parent.id))
    return render_template(
        "admin/unit_form.html", form=form, parent=parent, unit=None
    ), 400 if form.errors else 200


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = managed_unit(unit_id)
    form = UnitForm(obj=unit)
    form.tier.choices = options([(unit.tier, _(unit.tier_label))])
    if form.validate_on_submit():
        on_error("admin/unit_form.html", form=form, parent=unit.parent, unit=unit)
        update_unit(
            unit,
            name=form.name.data.strip(),
            code=form.code.data.strip(),
            kind=form.kind.data,
            active=form.active.data,
            actor=current_user,
        )
        flash(_("Đã lưu đơn vị."), "success")
        return redirect(
            url_for(".units", parent=unit.parent_id)
            if unit.parent_id
            else url_for(".units")
        )
    return render_template(
        "admin/unit_form.html", form=form, parent=unit.parent, unit=unit
    ), 400 if form.errors else 200
