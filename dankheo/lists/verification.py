"""Checking an issued list against today's records.

The list is computed again with the filters and scope it was issued with, and the
digest of that content compared with the recorded one. When they differ, the entries
added, removed and changed are listed, and every issued entry is shown with its
current state and commendation, read from the records (an annulled or corrected
commendation, an entry taken back or rejected: shown, not hidden).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from ..appraisal.models import Commendation
from ..campaigns.models import CommendationForm
from ..domain.enums import ExemplarKind
from ..domain.metrics import METRICS
from ..domain.proof import Difference, compare, content_digest
from ..domain.workflow import State
from ..extensions import db
from ..formatting import day, number
from ..registry.models import Exemplar
from .models import IssuedList
from .proof import current_content
from .queries import BATCH


class Verdict(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    #: A filter's object is gone (a unit merged away): the list cannot be recomputed.
    UNVERIFIABLE = "unverifiable"


@dataclass
class EntryNow:
    """An issued entry as the records say today (public facts only)."""

    exists: bool
    state: str = ""
    decision_number: str = ""
    decision_date: date | None = None
    form: str = ""

    @property
    def state_label(self) -> str:
        return State(self.state).label if self.state else ""


@dataclass
class Check:
    verdict: Verdict
    digest_now: str | None = None
    difference: Difference | None = None
    #: Entry id -> its state today, for every issued and every added entry.
    now: dict[int, EntryNow] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        return self.verdict == Verdict.UNCHANGED


def entries_now(ids: list[int]) -> dict[int, EntryNow]:
    """The state and commendation of each entry today, ``BATCH`` ids per query; an
    entry deleted since is there with ``exists=False``."""
    found: dict[int, EntryNow] = {i: EntryNow(exists=False) for i in ids}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = db.session.execute(
            select(
                Exemplar.id,
                Exemplar.state,
                Commendation.decision_number,
                Commendation.decision_date,
                CommendationForm.name,
            )
            .outerjoin(Commendation, Commendation.exemplar_id == Exemplar.id)
            .outerjoin(CommendationForm, CommendationForm.id == Commendation.form_id)
            .where(Exemplar.id.in_(chunk))
        )
        for eid, state, decision, decided, form in rows:
            found[eid] = EntryNow(
                exists=True,
                state=state,
                decision_number=decision or "",
                decision_date=decided,
                form=form or "",
            )
    return found


def check(issued: IssuedList) -> Check:
    """Compute ``issued`` again from today's records and compare."""
    content: dict[str, Any] | None = current_content(issued)
    ids = [r["id"] for r in issued.content["rows"]]
    if content is None:
        return Check(Verdict.UNVERIFIABLE, now=entries_now(ids))
    digest = content_digest(content)
    if digest == issued.digest:
        return Check(Verdict.UNCHANGED, digest_now=digest, now=entries_now(ids))
    difference = compare(issued.content, content)
    added = [r["id"] for r in difference.added]
    return Check(
        Verdict.CHANGED,
        digest_now=digest,
        difference=difference,
        now=entries_now(ids + added),
    )


def shown(key: str, value: Any) -> str:
    """A compared value as the pages show it, in the reader's language."""
    if value in (None, "", {}):
        return "—"
    if key == "kind":
        return gettext(ExemplarKind(value).label)
    if key == "decision_date":
        return day(date.fromisoformat(value))
    if key == "score":
        return number(float(value), 1)
    if key == "achievements":
        metrics = value.get("metrics") or {}
        parts = [
            f"{gettext(m.label)}: {number(float(metrics[m.key]), 2 if m.decimal else 0)}"
            f" {gettext(m.unit)}"
            for m in METRICS
            if m.key in metrics
        ]
        return "; ".join(parts) or str(value.get("text") or "—")
    return str(value)
