"""Finding possible duplicates: one exemplar when it is submitted, or everything in bulk.

Both paths use :mod:`dankheo.domain.similarity` and differ only in how candidates are
found, so they flag the same pairs, on SQLite and PostgreSQL alike:

- :func:`check_exemplar` (on submit and resubmit): the exemplar's band keys replace its
  old ones; the exemplars sharing a key in its campaign (other units) or of its unit
  (other campaigns) are the candidates; each is checked exactly.
- :func:`.backfill.find_duplicates` (the ``find-duplicates`` command and the job):
  exemplars without keys get them, then one self-join of the key table lists every
  candidate pair, and each is checked exactly.

Neither commits. A flag the secretariat decided is never reopened or changed; an open
flag whose pair is no longer similar (the text was supplemented) is removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import (
    and_,
    delete,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from ..campaigns.models import Campaign
from ..db import utcnow
from ..domain import similarity as sim
from ..domain.similarity import Entry, Fingerprint, FlagStatus
from ..domain.workflow import State
from ..extensions import db
from ..registry.models import Exemplar
from .models import DuplicateFlag, DuplicateKey

log = logging.getLogger(__name__)

#: The registration items compared as "the text" (the name is compared on its own).
TEXT_FIELDS = ("situation", "goals", "content", "outputs")
CHUNK = 500
KEY_BATCH = 2000


def thresholds() -> tuple[float, float]:
    """(name, text) thresholds from the configuration, else the documented defaults."""
    if not has_app_context():
        return sim.NAME_THRESHOLD, sim.TEXT_THRESHOLD
    cfg = current_app.config
    return (
        float(cfg.get("DUPLICATE_NAME_THRESHOLD", sim.NAME_THRESHOLD)),
        float(cfg.get("DUPLICATE_TEXT_THRESHOLD", sim.TEXT_THRESHOLD)),
    )


_COLUMNS = (
    Exemplar.id,
    Exemplar.campaign_id,
    Exemplar.unit_id,
    Exemplar.state,
    Exemplar.is_continuing,
    Campaign.year,
    Exemplar.name,
    *(getattr(Exemplar, f) for f in TEXT_FIELDS),
)


@dataclass
class Row:
    entry: Entry
    state: str
    name: str
    text: str
    _fp: Fingerprint | None = None
    _name_fp: Fingerprint | None = None

    @property
    def fingerprint(self) -> Fingerprint:
        if self._fp is None:
            self._fp = sim.fingerprint(self.name, self.text)
        return self._fp

    @property
    def name_only(self) -> Fingerprint:
        """The name's set alone (cheap), for pairs that share only name keys."""
        if self._name_fp is None:
            self._name_fp = sim.Fingerprint(sim.name_set(self.name), frozenset())
        return self._name_fp


def _row(r: Any) -> Row:
    return Row(
        Entry(r.id, r.campaign_id, r.unit_id, r.year, bool(r.is_continuing)),
        r.state,
        r.name or "",
        " ".join(getattr(r, f) or "" for f in TEXT_FIELDS),
    )


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    batch: list[int] = []
    for i in ids:
        batch.append(i)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_rows(ids: Iterable[int]) -> dict[int, Row]:
    out: dict[int, Row] = {}
    for batch in _chunks(sorted(set(ids))):
        stmt = (
            select(*_COLUMNS)
            .join(Campaign, Campaign.id == Exemplar.campaign_id)
            .where(Exemplar.id.in_(batch))
        )
        out.update((r.id, _row(r)) for r in db.session.execute(stmt))
    return out


# ------------------------------------------------------------------------------ keys


def _key_rows(row: Row) -> list[dict[str, int]]:
    e = row.entry
    return [
        {
            "exemplar_id": e.id,
            "band": band,
            "key": key,
            "campaign_id": e.campaign_id,
            "unit_id": e.unit_id,
        }
        for band, key in row.fingerprint.banded_keys()
    ]


def _write_keys(rows: list[dict[str, int]]) -> None:
    """Insert key rows: COPY on PostgreSQL (a back-fill writes millions), else one
    executemany."""
    if not rows:
        return
    conn = db.session.connection()
    cols = ("exemplar_id", "band", "key", "campaign_id", "unit_id")
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cur,  # type: ignore[union-attr]
            cur.copy(f"COPY duplicate_keys ({', '.join(cols)}) FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row(tuple(r[c] for c in cols))
        return
    # Plain tuples through the driver's executemany: the ORM's bulk path costs more
    # than the insert itself at millions of rows.
    conn.exec_driver_sql(
        f"INSERT INTO duplicate_keys ({', '.join(cols)}) VALUES (?, ?, ?, ?, ?)",
        [tuple(r[c] for c in cols) for r in rows],
    )


def index_rows(rows: Iterable[Row]) -> int:
    """Replace the band keys of ``rows``; returns how many exemplars were indexed."""
    count, pending, ids = 0, [], []
    for row in rows:
        ids.append(row.entry.id)
        pending += _key_rows(row)
        count += 1
        if len(ids) >= KEY_BATCH:
            _replace_keys(ids, pending)
            pending, ids = [], []
    _replace_keys(ids, pending)
    return count


def _replace_keys(ids: list[int], rows: list[dict[str, int]]) -> None:
    if not ids:
        return
    for batch in _chunks(ids):
        db.session.execute(
            delete(DuplicateKey).where(DuplicateKey.exemplar_id.in_(batch))
        )
    _write_keys(rows)


# ---------------------------------------------------------------------- exact check


@dataclass(frozen=True)
class Found:
    kind: str
    first_id: int
    second_id: int
    similarity: sim.Similarity


def verify(pairs: Iterable[tuple[int, ...]], rows: dict[int, Row]) -> list[Found]:
    """The candidate pairs that really are near-duplicates under the pair rule.

    A pair is ``(a, b)`` or ``(a, b, text_shared)``; when it shares only name keys
    (``text_shared`` false) the names are compared first and the texts only if the
    names reach their threshold (most such candidates are names sharing syllables).
    """
    name_t, text_t = thresholds()
    found: dict[tuple[int, int], Found] = {}
    for pair in pairs:
        a_id, b_id = pair[0], pair[1]
        a, b = rows.get(a_id), rows.get(b_id)
        if a is None or b is None or State.DRAFT in (a.state, b.state):
            continue
        rule = sim.pair_kind(a.entry, b.entry)
        if rule is None:
            continue
        kind, first, second = rule
        if (first, second) in found:
            continue
        text_shared = pair[2] if len(pair) > 2 else True
        if not text_shared and sim.similarity(a.name_only, b.name_only).name < name_t:
            continue
        s = sim.similarity(a.fingerprint, b.fingerprint)
        if sim.is_near_duplicate(s, name_t, text_t):
            found[(first, second)] = Found(kind.value, first, second, s)
    return list(found.values())


@dataclass
class Recorded:
    new: int = 0
    updated: int = 0
    removed: int = 0
    flags: list[tuple[int, int]] = field(default_factory=list)


def record(found: list[Found], *, stale_among: Callable[[Any], Any] | None) -> Recorded:
    """Insert new flags, refresh the scores of open ones; a decided flag is left as
    it is (a dismissal is for good). ``stale_among(DuplicateFlag)`` is the condition of
    the open flags this run re-examined: those not found again are removed."""
    out = Recorded()
    by_pair = {(f.first_id, f.second_id): f for f in found}
    existing: dict[tuple[int, int], tuple[int, str]] = {}
    pairs = list(by_pair)
    for start in range(0, len(pairs), CHUNK):
        batch = pairs[start : start + CHUNK]
        stmt = select(
            DuplicateFlag.id,
            DuplicateFlag.first_id,
            DuplicateFlag.second_id,
            DuplicateFlag.status,
        ).where(tuple_(DuplicateFlag.first_id, DuplicateFlag.second_id).in_(batch))
        for r in db.session.execute(stmt):
            existing[(r.first_id, r.second_id)] = (r.id, r.status)
    now = utcnow()
    new_rows = []
    for pair, f in by_pair.items():
        s = f.similarity
        values = {"name_score": s.name, "text_score": s.text, "score": s.score}
        if pair not in existing:
            new_rows.append(
                {
                    "first_id": f.first_id,
                    "second_id": f.second_id,
                    "kind": f.kind,
                    "status": FlagStatus.OPEN.value,
                    "detected_at": now,
                    "reason": "",
                    **values,
                }
            )
        elif existing[pair][1] == FlagStatus.OPEN:
            db.session.execute(
                update(DuplicateFlag)
                .where(DuplicateFlag.id == existing[pair][0])
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            out.updated += 1
    for start in range(0, len(new_rows), KEY_BATCH):
        db.session.execute(insert(DuplicateFlag), new_rows[start : start + KEY_BATCH])
    out.new = len(new_rows)
    if stale_among is not None:
        stale = [
            (r.id, (r.first_id, r.second_id))
            for r in db.session.execute(
                select(
                    DuplicateFlag.id, DuplicateFlag.first_id, DuplicateFlag.second_id
                ).where(
                    DuplicateFlag.status == FlagStatus.OPEN,
                    stale_among(DuplicateFlag),
                )
            )
        ]
        gone = [fid for fid, pair in stale if pair not in by_pair]
        for chunk in _chunks(gone):
            db.session.execute(delete(DuplicateFlag).where(DuplicateFlag.id.in_(chunk)))
        out.removed = len(gone)
    out.flags = pairs
    db.session.flush()
    return out


# ------------------------------------------------------------------------ one exemplar


def _candidate_condition(key_cls: Any, e: Entry) -> Any:
    """Keys of the same campaign's other units, or of the same unit's other campaigns."""
    return or_(
        and_(key_cls.campaign_id == e.campaign_id, key_cls.unit_id != e.unit_id),
        and_(key_cls.unit_id == e.unit_id, key_cls.campaign_id != e.campaign_id),
    )


def check_exemplar(exemplar: Exemplar) -> Recorded:
    """Index ``exemplar`` and flag its near-duplicates among the candidates its keys
    find (cheap: an index lookup and a handful of exact comparisons)."""
    db.session.flush()
    rows = load_rows([exemplar.id])
    row = rows[exemplar.id]
    index_rows([row])
    keys = [r["key"] for r in _key_rows(row)]
    candidates: set[int] = set()
    for batch in _chunks(keys, 200):
        candidates.update(
            db.session.scalars(
                select(DuplicateKey.exemplar_id)
                .where(
                    DuplicateKey.key.in_(batch),
                    _candidate_condition(DuplicateKey, row.entry),
                )
                .distinct()
            )
        )
    rows.update(load_rows(candidates))
    found = verify(((exemplar.id, c) for c in sorted(candidates)), rows)
    result = record(
        found,
        stale_among=lambda F: or_(
            F.first_id == exemplar.id, F.second_id == exemplar.id
        ),
    )
    if found:
        log.info(
            "exemplar %s: %s possible duplicate(s) flagged", exemplar.id, len(found)
        )
    return result
