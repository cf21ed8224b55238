"""The content of a list as it is hashed (see :mod:`dankheo.domain.proof`), the list
computed again from an issued list's recorded filters, and an issued list's document.

The content holds the values a list prints, not the words of one language: kinds as
codes, dates as ISO days, numbers as decimal strings. So the digest does not depend on
who looks at the list, in which language or format.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import select

from ..campaigns.models import Campaign, CommendationForm, Stage
from ..domain.metrics import METRIC_KEYS
from ..domain.proof import CONTENT_VERSION, decimal_text, short_digest
from ..extensions import db
from ..units.models import Unit
from .document import Header, ListDocument
from .models import IssuedList
from .queries import Group, GroupBy, ListFilters, ListType, Plan, Row, fetch_rows


@dataclass(frozen=True)
class Proof:
    """What a document of an issued list prints to be checked: the digest and the
    public page that checks it (absolute, for the QR code)."""

    digest: str
    url: str

    @property
    def short(self) -> str:
        return short_digest(self.digest)


def verification_url(digest: str) -> str:
    return url_for("verify.show", digest=digest, _external=True)


# --- the content ---------------------------------------------------------------------


def _first_line(outputs: str) -> str:
    return next(
        (ln.strip(" -•\t") for ln in outputs.splitlines() if ln.strip(" -•\t")), ""
    )


def row_content(row: Row) -> dict[str, Any]:
    """One entry as hashed: what its printed line shows (the achievements' summary is
    made from the metrics, or from the first line of the outputs when none is set)."""
    metrics = {
        k: text for k, v in row.metrics.items() if (text := decimal_text(v)) is not None
    }
    return {
        "n": row.number,
        "group": row.group,
        "id": row.exemplar_id,
        "name": row.name,
        "kind": row.kind,
        "lead_name": row.lead_name,
        "lead_position": row.lead_position,
        "unit": row.unit,
        "field": row.field,
        "achievements": {
            "metrics": metrics,
            "text": "" if metrics else _first_line(row.outputs),
        },
        "score": decimal_text(round(row.score, 2)) if row.score is not None else None,
        "form": row.form,
        "decision_number": row.decision_number,
        "decision_date": row.decision_date.isoformat() if row.decision_date else None,
    }


def header_content(doc: ListDocument) -> dict[str, Any]:
    h = doc.header
    return {
        "issuing_body": doc.issuing_lines,
        "doc_number": h.doc_number,
        "doc_date": h.doc_date.isoformat() if h.doc_date else None,
        "place": h.place,
        "list_date": h.list_date.isoformat() if h.list_date else None,
        "signer_title": doc.signer_lines,
        "signer_name": doc.signer_name,
    }


def title_content(f: ListFilters) -> dict[str, Any]:
    return {
        "campaign": f.campaign.name,
        "year": f.campaign.year,
        "type": str(f.list_type),
        "stage": f.stage.name if f.stage is not None else None,
        "pass_label": f.stage.pass_label if f.stage is not None else None,
        "outcome": f.outcome,
    }


def content_of(doc: ListDocument) -> dict[str, Any]:
    """The content of a list as it would be issued now (every row is read)."""
    return {
        "v": CONTENT_VERSION,
        "title": title_content(doc.plan.filters),
        "header": header_content(doc),
        "groups": [g.title for g in doc.plan.groups],
        "rows": [row_content(r) for r in fetch_rows(doc.plan)],
    }


# --- the recorded filters ---------------------------------------------------------------


def recorded_filters(f: ListFilters, scopes: list[str]) -> dict[str, Any]:
    """The choices a list was computed with, as ids, and the issuer's scope."""
    return {
        "list_type": str(f.list_type),
        "stage_id": f.stage.id if f.stage is not None else None,
        "outcome": f.outcome,
        "form_id": f.form.id if f.form is not None else None,
        "default_form_id": f.default_form.id if f.default_form is not None else None,
        "unit_id": f.unit.id if f.unit is not None else None,
        "kind": f.kind,
        "group_by": str(f.group_by),
        "scopes": list(scopes),
    }


def filters_of(issued: IssuedList) -> ListFilters | None:
    """The issued list's filters with today's objects; None when one of them no longer
    exists (a unit merged away, a form removed), so the list cannot be computed again."""
    rec = issued.filters
    campaign = db.session.get(Campaign, issued.campaign_id)

    def load(model: type, key: str) -> Any:
        ident = rec.get(key)
        return db.session.get(model, ident) if ident is not None else None

    objects = {
        "stage_id": load(Stage, "stage_id"),
        "form_id": load(CommendationForm, "form_id"),
        "default_form_id": load(CommendationForm, "default_form_id"),
        "unit_id": load(Unit, "unit_id"),
    }
    missing = [k for k, v in objects.items() if rec.get(k) is not None and v is None]
    if campaign is None or missing:
        return None
    return ListFilters(
        campaign=campaign,
        list_type=ListType(rec["list_type"]),
        stage=objects["stage_id"],
        outcome=rec.get("outcome"),
        form=objects["form_id"],
        default_form=objects["default_form_id"],
        unit=objects["unit_id"],
        kind=rec.get("kind"),
        group_by=GroupBy(rec["group_by"]),
    )


def header_of(content: dict[str, Any]) -> Header:
    h = content["header"]

    def iso(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return Header(
        issuing_body="\n".join(h["issuing_body"]),
        doc_number=h["doc_number"],
        doc_date=iso(h["doc_date"]),
        place=h["place"],
        list_date=iso(h["list_date"]),
        signer_title="\n".join(h["signer_title"]),
        signer_name=h["signer_name"],
    )


def current_content(issued: IssuedList) -> dict[str, Any] | None:
    """The issued list computed again from today's records (None: it cannot be)."""
    from .queries import plan_list

    filters = filters_of(issued)
    if filters is None:
        return None
    plan = plan_list(filters, issued.filters["scopes"])
    return content_of(ListDocument(plan, header_of(issued.content)))


# --- the issued document -----------------------------------------------------------------


def _row_of(r: dict[str, Any]) -> Row:
    metrics: dict[str, float | int | None] = dict.fromkeys(METRIC_KEYS)
    for key, text in r["achievements"]["metrics"].items():
        value = float(text)
        metrics[key] = int(value) if value.is_integer() else value
    decided = r["decision_date"]
    return Row(
        number=r["n"],
        group=r["group"],
        exemplar_id=r["id"],
        name=r["name"],
        kind=r["kind"],
        lead_name=r["lead_name"],
        lead_position=r["lead_position"],
        unit=r["unit"],
        field=r["field"],
        metrics=metrics,
        outputs=r["achievements"]["text"],
        score=float(r["score"]) if r["score"] is not None else None,
        form=r["form"],
        decision_number=r["decision_number"],
        decision_date=date.fromisoformat(decided) if decided else None,
    )


def issued_document(issued: IssuedList) -> ListDocument:
    """The document of an issued list, from what was issued (not from today's
    records): every format of it prints the same rows and the same digest."""
    content = issued.content
    rows = [_row_of(r) for r in content["rows"]]
    groups = [Group(None, title) for title in content["groups"]]
    kinds: Counter = Counter()
    for row in rows:
        groups[row.group].count += 1
        groups[row.group].kinds[row.kind] += 1
        kinds[row.kind] += 1
    filters = filters_of(issued) or ListFilters(campaign=issued.campaign)
    stage_id = issued.filters.get("stage_id")
    if filters.stage is None and stage_id is not None:
        filters.stage = db.session.get(Stage, stage_id)
    plan = Plan(
        filters=filters,
        groups=groups,
        entries=[(r.exemplar_id, r.group) for r in rows],
        kinds=kinds,
    )
    doc = ListDocument(
        plan,
        header_of(content),
        rows=rows,
        proof=Proof(issued.digest, verification_url(issued.digest)),
    )
    # The words of the title as issued, whatever was renamed since.
    doc.title, doc.subtitle = issued.title, issued.subtitle
    return doc


def issued_by_digest(text: str) -> list[IssuedList]:
    """Issued lists whose digest is, or starts with, ``text`` (already cleaned)."""
    stmt = select(IssuedList)
    if len(text) == 64:
        stmt = stmt.where(IssuedList.digest == text)
    else:
        stmt = stmt.where(IssuedList.digest.startswith(text, autoescape=True))
    return list(db.session.scalars(stmt.limit(2)))


def issued_for(campaign: Campaign, scopes: list[str]) -> list[IssuedList]:
    """A campaign's issued lists whose unit is in ``scopes`` (who may manage them),
    newest first."""
    return [
        i
        for i in db.session.scalars(
            select(IssuedList)
            .where(IssuedList.campaign_id == campaign.id)
            .order_by(IssuedList.id.desc())
        )
        if manages(i, scopes)
    ]


def manages(issued: IssuedList, scopes: list[str]) -> bool:
    return any(issued.unit.path.startswith(s) for s in scopes)
