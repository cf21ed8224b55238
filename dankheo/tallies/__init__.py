"""Summary tables of the public counts, kept exact by the database itself.

Counting a million rows per page view is what made the showcase slow; the counts only
change when an entry is created, deleted, moves state, campaign, unit, field or kind, or
when its commendation is recorded, corrected or annulled. Triggers on ``exemplars`` and
``commendations`` apply each such change in the same transaction, so every worker (and
every process of a scale-out) reads the same exact numbers from two views:

- ``tally_facets``: entries per (campaign, field, kind, commendation form, state);
- ``tally_units``: entries per (campaign, registering unit, field, kind, state).

Names, years, unit kinds and unit paths are joined at read time, so renaming a field,
moving or reclassifying a unit needs no maintenance. Merging a unit re-points entries
(an UPDATE of ``exemplars.unit_id``), which the triggers see like any other change.

Triggers were chosen over ORM events because state changes, stage results and imports
are written with Core ``UPDATE``/``INSERT`` statements that ORM events never see; the
database sees them all. How they write without making concurrent writers wait on each
other (PostgreSQL: insert-only deltas, folded by :func:`compact`) is in :mod:`.ddl`.

:func:`version` counts the changes (every count change, and edits of units, fields,
forms and campaigns), so a process may memoise what it derived from the views and know,
with one small read, when to stop. It is transactional: a change is counted once it is
committed and visible, never before, so nothing computed without it is memoised under
a version that includes it. (A bare sequence would be lock-free too, but ``nextval`` is
visible before the writer commits: a reader could memoise counts without the change
under the number that stands for it, and serve them stale until the next change.)

:func:`recount` rebuilds everything from the base tables (after bulk loads that bypass
the triggers); ``flask --app app recount`` runs it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection

from ..schema import register_extra
from .ddl import FACET_KEY, UNIT_KEY, create_objects, drop_objects

log = logging.getLogger(__name__)

#: Core descriptions for queries: the views every reader uses (raw DDL in :mod:`.ddl`,
#: outside the models' metadata).
_meta = MetaData()
tally_facets = Table(
    "tally_facets",
    _meta,
    Column("campaign_id", Integer),
    Column("field_id", Integer),
    Column("kind", String(20)),
    Column("form_id", Integer),
    Column("state", String(20)),
    Column("n", Integer),
)
tally_units = Table(
    "tally_units",
    _meta,
    Column("campaign_id", Integer),
    Column("unit_id", Integer),
    Column("field_id", Integer),
    Column("kind", String(20)),
    Column("state", String(20)),
    Column("n", Integer),
)

#: Pending change rows past which a reader folds the deltas itself (PostgreSQL), so
#: the views stay small even when no periodic job runs.
COMPACT_THRESHOLD = 2000
#: One compaction (or recount) at a time; a compaction that finds one running skips.
_ADVISORY_KEY = 7_711_001
#: A compaction waits at most this long for a lock (only a recount can hold one).
_COMPACT_LOCK_TIMEOUT = "2s"


def create_tallies(conn: Connection, *, fill: bool = True) -> None:
    """Create the tables, views and triggers (idempotent); counts are rebuilt from the
    base tables when the tables were new (an upgrade of a database with data)."""
    if create_objects(conn) and fill:
        recount(conn)
    _ensure_version_row(conn)


def drop_tallies(conn: Connection) -> None:
    drop_objects(conn)


def _ensure_version_row(conn: Connection) -> None:
    if not conn.exec_driver_sql("SELECT count(*) FROM tally_version").scalar():
        conn.exec_driver_sql("INSERT INTO tally_version (id, n) VALUES (1, 0)")


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _fold_version(conn: Connection, extra: int) -> None:
    """Move the change rows into ``tally_version`` (the sum stays), plus ``extra``.
    For a caller that holds the tables (recount, truncation)."""
    pending = "(SELECT count(*) FROM tally_changes)" if _is_pg(conn) else "0"
    bumped = conn.exec_driver_sql(
        f"UPDATE tally_version SET n = n + {pending} + {int(extra)}"
    ).rowcount
    if not bumped:
        conn.exec_driver_sql(
            f"INSERT INTO tally_version (id, n) SELECT 1, {pending} + {int(extra)}"
        )
    if _is_pg(conn):
        conn.exec_driver_sql("DELETE FROM tally_changes")


def recount(conn: Connection) -> None:
    """Rebuild every count from the base tables, in the caller's transaction.

    On PostgreSQL the base tables are locked against writers meanwhile (readers go on),
    so no change can slip between the recount and the triggers."""
    if _is_pg(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_KEY})")
        conn.exec_driver_sql(
            "LOCK TABLE exemplars, commendations, tally_facets_base, "
            "tally_facets_delta, tally_units_base, tally_units_delta, tally_changes, "
            "tally_version IN SHARE ROW EXCLUSIVE MODE"
        )
        _run(conn, ("DELETE FROM tally_facets_delta", "DELETE FROM tally_units_delta"))
    _run(
        conn,
        (
            "DELETE FROM tally_facets_base",
            f"INSERT INTO tally_facets_base ({FACET_KEY}, n) SELECT e.campaign_id, "
            "coalesce(e.field_id, 0), e.kind, coalesce(c.form_id, 0), e.state, count(*) "
            "FROM exemplars e LEFT JOIN commendations c ON c.exemplar_id = e.id "
            "AND c.annulled_at IS NULL "
            "GROUP BY e.campaign_id, coalesce(e.field_id, 0), e.kind, "
            "coalesce(c.form_id, 0), e.state",
            "DELETE FROM tally_units_base",
            f"INSERT INTO tally_units_base ({UNIT_KEY}, n) SELECT campaign_id, unit_id, "
            "coalesce(field_id, 0), kind, state, count(*) FROM exemplars "
            "GROUP BY campaign_id, unit_id, coalesce(field_id, 0), kind, state",
        ),
    )
    _fold_version(conn, 1)


def _run(conn: Connection, statements: tuple[str, ...]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)


def _fold(name: str, key: str) -> str:
    """Move the committed deltas of one view into its base rows, in one statement: the
    rows deleted are exactly the rows added (a delta committed meanwhile stays for the
    next time), so the view's sums never change."""
    return (
        f"WITH moved AS (DELETE FROM tally_{name}_delta RETURNING {key}, n) "
        f"INSERT INTO tally_{name}_base AS t ({key}, n) "
        f"SELECT {key}, sum(n) FROM moved GROUP BY {key} ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET n = t.n + excluded.n"
    )


def compact(conn: Connection) -> int:
    """Fold the deltas into the base rows (PostgreSQL; nothing to do on SQLite), in the
    caller's transaction, which should be short and commit at once. Returns the number
    of change rows folded (0 when another compaction is running).

    Writers only INSERT deltas, and a DELETE skips rows not yet committed, so this never
    waits for a writer nor a writer for it; the base rows and the version row are
    written by compactions and recounts only, one at a time (an advisory lock)."""
    if not _is_pg(conn):
        return 0
    if not conn.exec_driver_sql(
        f"SELECT pg_try_advisory_xact_lock({_ADVISORY_KEY})"
    ).scalar():
        return 0
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_COMPACT_LOCK_TIMEOUT}'")
    conn.exec_driver_sql(_fold("facets", FACET_KEY))
    conn.exec_driver_sql(_fold("units", UNIT_KEY))
    return int(
        conn.exec_driver_sql(
            "WITH moved AS (DELETE FROM tally_changes RETURNING 1) "
            "UPDATE tally_version SET n = n + (SELECT count(*) FROM moved) "
            "RETURNING (SELECT count(*) FROM moved)"
        ).scalar()
        or 0
    )


def compact_now(conn: Connection) -> int:
    """:func:`compact` in a transaction of its own, on another connection of the same
    engine (committed at once, whatever the caller's transaction does next)."""
    with conn.engine.begin() as own:
        return compact(own)


def after_truncate(conn: Connection) -> None:
    """Tests empty every table between cases: the counts become zero with them."""
    if _is_pg(conn):
        _run(conn, ("DELETE FROM tally_facets_delta", "DELETE FROM tally_units_delta"))
    _run(conn, ("DELETE FROM tally_facets_base", "DELETE FROM tally_units_base"))
    _fold_version(conn, 1)


register_extra(create_tallies, drop_tallies, after_truncate)


def version(conn: Connection) -> int:
    """The number of changes so far, as this transaction sees them: a primary-key read
    (SQLite), plus the count of the pending change rows (PostgreSQL), which
    :func:`compact` keeps small — past :data:`COMPACT_THRESHOLD` it runs here."""
    return version_and(conn)[0]


_N: ColumnElement[Any] = literal_column("(SELECT n FROM tally_version WHERE id = 1)")
_PENDING: ColumnElement[Any] = literal_column("(SELECT count(*) FROM tally_changes)")
_VERSION_STATEMENTS: dict[tuple[bool, Any], Select] = {}


def version_and(
    conn: Connection, also: ColumnElement[Any] | None = None
) -> tuple[int, Any]:
    """:func:`version`, and the value of the scalar ``also`` read in the same
    statement (one round trip for the page cache's key, see ``showcase.pagecache``).

    ``also`` is a module constant: the statement is built once per expression."""
    pg = _is_pg(conn)
    stmt = _VERSION_STATEMENTS.get((pg, also))
    if stmt is None:
        extra = also if also is not None else literal(0)
        stmt = select(_N, _PENDING if pg else literal(0), extra)
        _VERSION_STATEMENTS[pg, also] = stmt
    n, pending, value = conn.execute(stmt).one()
    if n is None:
        return 0, value
    n, pending = int(n), int(pending)
    if pending > COMPACT_THRESHOLD:
        log.info("tallies: %s pending changes, compacting", pending)
        compact_now(conn)
    return n + pending, value


def campaign_state_counts(conn: Connection, campaign_id: int) -> dict[str, int]:
    """Entries of a campaign per state (drafts included), from the summary view."""
    rows = conn.execute(
        text(
            "SELECT state, sum(n) FROM tally_facets WHERE campaign_id = :c "
            "GROUP BY state HAVING sum(n) > 0"
        ),
        {"c": campaign_id},
    )
    return {state: int(n) for state, n in rows}


__all__ = [
    "COMPACT_THRESHOLD",
    "FACET_KEY",
    "UNIT_KEY",
    "after_truncate",
    "campaign_state_counts",
    "compact",
    "compact_now",
    "create_tallies",
    "drop_tallies",
    "recount",
    "tally_facets",
    "tally_units",
    "version",
]
