"""Full-text search of the showcase over the folded column ``exemplars.search_text``.

Both backends search the same text, folded once in Python by
:func:`dankheo.domain.text.fold` (đ -> d, every mark stripped, lower case), and the query
is folded by the same function, so "dan van kheo" finds "Dân vận khéo" and "Đoàn" is
found by "doan" on either database.

The rule is the same everywhere: *every query term is the beginning of a word of the
folded text* (a word is a run of letters and digits).

- SQLite: an FTS5 table with external content (``exemplars_fts``) kept in sync by
  triggers; a query becomes ``"dan"* AND "van"* AND "kheo"*``. FTS5's own
  ``remove_diacritics`` is not used: it leaves đ alone, and the column is folded already.
- PostgreSQL: a ``pg_trgm`` GIN index on the same column; a term becomes the regular
  expression ``(^|[^[:alnum:]])term``, which the trigram index accelerates.

The public listings also need two partial indexes (newest first, and by name) that
cover only the public states, so keyset pagination walks an index on both backends.
Everything here is registered with :func:`dankheo.schema.register_extra` when
:mod:`dankheo.models` assembles the schema, so tests, ``flask init-db`` and the
migration create the same objects.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    TextClause,
    and_,
    cast,
    column,
    func,
    literal,
    text,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery

from ..domain.text import search_terms
from ..domain.workflow import PUBLIC_STATES
from ..registry.models import Exemplar
from ..schema import register_extra
from .counts import clear_counts_cache

#: The public states as literal SQL. Partial indexes are used only when the query
#: repeats their WHERE clause, so queries and indexes share this exact text.
PUBLIC_STATES_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(PUBLIC_STATES)) + ")"
PUBLIC_CONDITION_SQL = f"exemplars.state IN {PUBLIC_STATES_SQL}"

_SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS exemplars_fts USING fts5("
    "search_text, content='exemplars', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS exemplars_fts_ai AFTER INSERT ON exemplars BEGIN "
    "INSERT INTO exemplars_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS exemplars_fts_ad AFTER DELETE ON exemplars BEGIN "
    "INSERT INTO exemplars_fts(exemplars_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS exemplars_fts_au AFTER UPDATE OF search_text ON exemplars "
    "BEGIN "
    "INSERT INTO exemplars_fts(exemplars_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO exemplars_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_published "
    f"ON exemplars (published_at, id) WHERE state IN {PUBLIC_STATES_SQL}",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_slug "
    f"ON exemplars (slug, id) WHERE state IN {PUBLIC_STATES_SQL}",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_facets "
    f"ON exemplars (campaign_id, field_id, kind, unit_id) WHERE state IN {PUBLIC_STATES_SQL}",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS exemplars_fts_ai",
    "DROP TRIGGER IF EXISTS exemplars_fts_ad",
    "DROP TRIGGER IF EXISTS exemplars_fts_au",
    "DROP TABLE IF EXISTS exemplars_fts",
    "DROP INDEX IF EXISTS ix_exemplars_public_published",
    "DROP INDEX IF EXISTS ix_exemplars_public_slug",
    "DROP INDEX IF EXISTS ix_exemplars_public_facets",
)

_PG_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_search_trgm "
    "ON exemplars USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_published "
    f"ON exemplars (published_at, id) WHERE state IN {PUBLIC_STATES_SQL}",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_slug "
    f'ON exemplars ((slug COLLATE "C"), id) WHERE state IN {PUBLIC_STATES_SQL}',
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_facets "
    f"ON exemplars (campaign_id, field_id, kind, unit_id) WHERE state IN {PUBLIC_STATES_SQL}",
)
_PG_DROP = (
    "DROP INDEX IF EXISTS ix_exemplars_search_trgm",
    "DROP INDEX IF EXISTS ix_exemplars_public_published",
    "DROP INDEX IF EXISTS ix_exemplars_public_slug",
    "DROP INDEX IF EXISTS ix_exemplars_public_facets",
)


def _run(conn: Connection, statements: tuple[str, ...]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)


def create_search_objects(conn: Connection) -> None:
    """Create the search index (and its triggers) and the partial indexes, idempotently."""
    if conn.dialect.name == "sqlite":
        _run(conn, _SQLITE_CREATE)
    elif conn.dialect.name == "postgresql":
        _run(conn, _PG_CREATE)


def drop_search_objects(conn: Connection) -> None:
    # Emptying or dropping tables makes ids start again: cached counts keyed on the
    # newest ids could then match different data.
    clear_counts_cache()
    if conn.dialect.name == "sqlite":
        _run(conn, _SQLITE_DROP)
    elif conn.dialect.name == "postgresql":
        _run(conn, _PG_DROP)


def reset_search_index(conn: Connection) -> None:
    """After the exemplars table was emptied: empty the FTS index too."""
    clear_counts_cache()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO exemplars_fts(exemplars_fts) VALUES ('delete-all')"
        )


def rebuild_search_index(conn: Connection) -> None:
    """Re-read every row into the FTS index (after bulk loads that bypassed triggers)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO exemplars_fts(exemplars_fts) VALUES ('rebuild')"
        )


register_extra(create_search_objects, drop_search_objects, reset_search_index)


def public_condition() -> TextClause:
    """SQL condition: the exemplar is in a public state (spelled like the partial indexes)."""
    return text(PUBLIC_CONDITION_SQL)


def fts_query(terms: list[str]) -> str:
    """FTS5 MATCH expression: every term as a word prefix. Terms are ``[0-9a-z]+``."""
    return " AND ".join(f'"{t}"*' for t in terms)


def match_condition(
    dialect: str, query: str | None, many_hits: bool = False
) -> ColumnElement[bool]:
    """SQL condition for the folded query ``query`` (true when it has no terms).

    ``many_hits`` (SQLite): the id is compared as an expression, so the planner walks
    the order's index and checks each row against the hits (a common word: the first
    page is found after a few dozen rows) instead of fetching every hit by id and
    sorting them all."""
    terms = search_terms(query)
    if not terms:
        return true()
    if dialect == "sqlite":
        hits = (
            text("SELECT rowid FROM exemplars_fts WHERE exemplars_fts MATCH :fts")
            .bindparams(fts=fts_query(terms))
            .columns(column("rowid", Integer))
        )
        return (Exemplar.id + 0 if many_hits else Exemplar.id).in_(hits)
    return and_(
        *[Exemplar.search_text.regexp_match(r"(^|[^[:alnum:]])" + t) for t in terms]
    )


def has_terms(query: str | None) -> bool:
    return bool(search_terms(query))


def rank_column(dialect: str, query: str) -> ColumnElement[float]:
    """How well an entry matches ``query``: lower is better, ties broken by the id.

    - SQLite: FTS5's ``bm25`` of the folded text (rarer words weigh more, shorter
      texts more than long ones), from :func:`ranked_hits`, which the query joins
      (the full-text query runs once, not once per row).
    - PostgreSQL: the position of each term's first match in the folded text, summed.
      The folded text starts with the name, so entries named for the words come first,
      then those whose description starts with them. The same hits either way (the
      match condition decides which); only the order among them differs.
    """
    terms = search_terms(query)
    if dialect == "sqlite":
        return ranked_hits(fts_query(terms)).c.rank
    positions = [
        func.strpos(literal(" ") + Exemplar.search_text, " " + t) for t in terms
    ]
    total: ColumnElement[int] = positions[0]
    for p in positions[1:]:
        total = total + p
    return cast(total, Float)


@lru_cache(maxsize=256)
def ranked_hits(fts: str) -> Subquery:
    """SQLite: the hits of the FTS5 expression ``fts`` with their bm25 (one object per
    expression, so the statement that orders by it and the one that joins it agree)."""
    return (
        text(
            "SELECT rowid, bm25(exemplars_fts) AS rank FROM exemplars_fts "
            "WHERE exemplars_fts MATCH :rank_fts"
        )
        .bindparams(rank_fts=fts)
        .columns(column("rowid", Integer), column("rank", Float))
        .subquery("ranked_hits")
    )
