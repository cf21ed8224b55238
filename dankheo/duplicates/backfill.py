"""The back-fill: every submitted exemplar (or one campaign's) without keys gets them,
one self-join of the key table lists the candidate pairs, and each is checked exactly
with :func:`.detection.verify`. Used by ``flask find-duplicates`` and the job. Never
commits."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text, true
from sqlalchemy.orm import aliased

from ..domain import similarity as sim
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from .detection import KEY_BATCH, Found, index_rows, load_rows, record, verify
from .models import DuplicateKey

log = logging.getLogger(__name__)

#: A back-fill indexing more exemplars than this refreshes the key table's statistics.
ANALYZE_AFTER = 5000


@dataclass
class Summary:
    indexed: int = 0
    candidates: int = 0
    found: int = 0
    new: int = 0
    removed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    pairs: list[tuple[int, int]] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


def _in_scope(campaign_id: int | None) -> Any:
    """The exemplars a run looks at: all of them, or a campaign's and every earlier or
    later exemplar of the units registering in it (for recycled entries)."""
    checked = Exemplar.state != State.DRAFT
    if campaign_id is None:
        return checked
    units = select(Exemplar.unit_id).where(Exemplar.campaign_id == campaign_id)
    return and_(
        checked,
        or_(Exemplar.campaign_id == campaign_id, Exemplar.unit_id.in_(units)),
    )


def candidate_pairs(campaign_id: int | None = None) -> list[tuple[int, int, bool]]:
    """Every pair of exemplars sharing a band key and allowed by the pair rule's
    campaign/unit part (the self-join; years and the continuing flag come after)."""
    a, b = aliased(DuplicateKey), aliased(DuplicateKey)
    text_band = func.max(case((a.band >= sim.NAME_BANDS, 1), else_=0))
    stmt = select(a.exemplar_id, b.exemplar_id, text_band)
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite joins by nested loops: keep only the keys held by more than one
        # exemplar first (one scan of the key index; almost every key is unique).
        # PostgreSQL hashes the whole join faster than it would run this scan.
        shared = (
            select(DuplicateKey.key)
            .group_by(DuplicateKey.key)
            .having(func.count() > 1)
            .cte("shared")
        )
        stmt = stmt.join(shared, shared.c.key == a.key)
    stmt = (
        stmt.join(b, and_(b.key == a.key, b.exemplar_id > a.exemplar_id))
        .where(
            or_(
                and_(a.campaign_id == b.campaign_id, a.unit_id != b.unit_id),
                and_(a.unit_id == b.unit_id, a.campaign_id != b.campaign_id),
            )
        )
        .group_by(a.exemplar_id, b.exemplar_id)
    )
    if campaign_id is not None:
        stmt = stmt.where(
            or_(a.campaign_id == campaign_id, b.campaign_id == campaign_id)
        )
    return [(x, y, bool(t)) for x, y, t in db.session.execute(stmt)]


def find_duplicates(
    *,
    campaign_id: int | None = None,
    reindex: bool = False,
    progress: Progress | None = None,
) -> Summary:
    """Back-fill: give keys to the exemplars in scope that have none (all of them with
    ``reindex``), list the candidate pairs with one self-join, check them exactly and
    record the flags. Does not commit."""
    summary = Summary()
    report = progress or (lambda step, done, total: None)
    t0 = time.perf_counter()
    scope = _in_scope(campaign_id)
    ids = select(Exemplar.id).where(scope)
    if not reindex:
        has_keys = select(DuplicateKey.exemplar_id).where(
            DuplicateKey.exemplar_id == Exemplar.id
        )
        ids = ids.where(~has_keys.exists())
    todo = list(db.session.scalars(ids.order_by(Exemplar.id)))
    for start in range(0, len(todo), KEY_BATCH):
        rows = load_rows(todo[start : start + KEY_BATCH])
        summary.indexed += index_rows(rows.values())
        report("index", min(start + KEY_BATCH, len(todo)), len(todo))
    db.session.flush()
    if summary.indexed > ANALYZE_AFTER:
        # Fresh statistics, or PostgreSQL plans the self-join for an empty table.
        db.session.execute(text("ANALYZE duplicate_keys"))
    t1 = time.perf_counter()
    pairs = candidate_pairs(campaign_id)
    summary.candidates = len(pairs)
    t2 = time.perf_counter()
    found: list[Found] = []
    for start in range(0, len(pairs), KEY_BATCH):
        batch = pairs[start : start + KEY_BATCH]
        rows = load_rows({i for p in batch for i in p[:2]})
        found += verify(batch, rows)
        report("verify", min(start + KEY_BATCH, len(pairs)), len(pairs))
    t3 = time.perf_counter()
    in_campaign = select(Exemplar.id).where(Exemplar.campaign_id == campaign_id)

    def stale(F: Any) -> Any:
        if campaign_id is None:
            return true()
        return or_(F.first_id.in_(in_campaign), F.second_id.in_(in_campaign))

    result = record(found, stale_among=stale)
    t4 = time.perf_counter()
    summary.found, summary.new, summary.removed = len(found), result.new, result.removed
    summary.pairs = result.flags
    summary.seconds = {
        "index": t1 - t0,
        "join": t2 - t1,
        "verify": t3 - t2,
        "record": t4 - t3,
    }
    log.info(
        "find duplicates (campaign %s): %s indexed, %s candidates, %s flagged, "
        "%s new, %s removed",
        campaign_id,
        summary.indexed,
        summary.candidates,
        summary.found,
        summary.new,
        summary.removed,
    )
    return summary
