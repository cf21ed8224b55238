"""Full-text search of the showcase over the column ``exemplars.search_text``.

Both backends search the same text, stored once in Python by
:func:`dankheo.domain.text.search_words`: folded (đ -> d, every mark stripped, lower
case) and reduced to its words joined by spaces. The query is split by the same rule
(:func:`~dankheo.domain.text.search_terms`), so "dan van kheo" finds "Dân vận khéo" and
"Đoàn" is found by "doan" on either database.

The rule is the same everywhere: *every query term is the beginning of a word of the
folded text*, and a word is a run of ``[0-9a-z]``: punctuation, symbols and letters of
other scripts separate words ("1.5" holds "1" and "5", "中文abc" holds "abc"). Both
tokenizers see exactly those words because the column holds nothing else;
``tests/showcase/test_search_rule.py`` checks both databases against a written-out
list of hits.

- SQLite: an FTS5 table with external content (``exemplars_fts``) kept in sync by
  triggers; a query becomes ``"dan"* AND "van"* AND "kheo"*``. Words' 2- and 3-letter
  prefixes are indexed too (``prefix='2 3'``), so a short term reads one list. The
  first pages of a common word check each row's own text by the same rule instead
  (:func:`match_condition`).
- PostgreSQL: a GIN index over the words as a ``tsvector``, built without the
  text-search parser (``array_to_tsvector`` of the text split on ``[^0-9a-z]+``: no
  dictionary, no stemming, no locale); a query is the tsquery ``'dan':* & 'van':*``,
  cast from text, so the parser never sees it either.

Ranking (the default order with a query, up to ``listing.RELEVANCE_LIMIT`` hits): bm25
on SQLite, the position of the terms in the text on PostgreSQL (see
:func:`rank_column`). Measured at 1,000,000 entries: see ``bench/README.md``.

The public listings also need two partial indexes (newest first, and by name) that
cover only the public states, so keyset pagination walks an index on both backends.
Everything here is registered with :func:`dankheo.schema.register_extra` when
:mod:`dankheo.models` assembles the schema, so tests, ``flask init-db`` and the
migrations create the same objects.
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

#: The FTS5 table: besides every word, its first 2 and 3 letters are indexed, so a
#: one- to three-letter term ("ta xua") reads one short list instead of walking every
#: word that starts with it.
FTS_TABLE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS exemplars_fts USING fts5("
    "search_text, content='exemplars', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')"
)
FTS_TRIGGERS_SQL = (
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
)
FTS_DROP_SQL = (
    "DROP TRIGGER IF EXISTS exemplars_fts_ai",
    "DROP TRIGGER IF EXISTS exemplars_fts_ad",
    "DROP TRIGGER IF EXISTS exemplars_fts_au",
    "DROP TABLE IF EXISTS exemplars_fts",
)
_SQLITE_CREATE = (
    FTS_TABLE_SQL,
    *FTS_TRIGGERS_SQL,
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_published "
    f"ON exemplars (published_at, id) WHERE state IN {PUBLIC_STATES_SQL}",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_slug "
    f"ON exemplars (slug, id) WHERE state IN {PUBLIC_STATES_SQL}",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_facets "
    f"ON exemplars (campaign_id, field_id, kind, unit_id) WHERE state IN {PUBLIC_STATES_SQL}",
)
_SQLITE_DROP = (
    *FTS_DROP_SQL,
    "DROP INDEX IF EXISTS ix_exemplars_public_published",
    "DROP INDEX IF EXISTS ix_exemplars_public_slug",
    "DROP INDEX IF EXISTS ix_exemplars_public_facets",
)

#: PostgreSQL: the words of the folded text as a tsvector, split by the search rule
#: itself (no text-search parser, no dictionary, no locale: the class is spelled out,
#: so "1.5", "qd-ubnd" or an address split exactly as FTS5 splits them). Every
#: function here is immutable, as an index expression must be. Queries repeat this text
#: so the planner matches the index.
WORDS_SQL = (
    "array_to_tsvector(array_remove("
    "regexp_split_to_array(exemplars.search_text, '[^0-9a-z]+'), ''))"
)
PG_WORDS_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS ix_exemplars_search_words "
    f"ON exemplars USING gin ({WORDS_SQL.replace('exemplars.search_text', 'search_text')})"
)

_PG_CREATE = (
    # The trigram index serves the registry's substring search ("contains"), not
    # the showcase's.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_search_trgm "
    "ON exemplars USING gin (search_text gin_trgm_ops)",
    PG_WORDS_INDEX_SQL,
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_published "
    f"ON exemplars (published_at, id) WHERE state IN {PUBLIC_STATES_SQL}",
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_slug "
    f'ON exemplars ((slug COLLATE "C"), id) WHERE state IN {PUBLIC_STATES_SQL}',
    "CREATE INDEX IF NOT EXISTS ix_exemplars_public_facets "
    f"ON exemplars (campaign_id, field_id, kind, unit_id) WHERE state IN {PUBLIC_STATES_SQL}",
)
_PG_DROP = (
    "DROP INDEX IF EXISTS ix_exemplars_search_trgm",
    "DROP INDEX IF EXISTS ix_exemplars_search_words",
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


def ts_query(terms: list[str]) -> str:
    """PostgreSQL tsquery text: every term as a word prefix, ``'dan':* & 'van':*``.

    Cast to ``tsquery`` without the parser. Terms are ``[0-9a-z]+`` (see
    :func:`~dankheo.domain.text.search_terms`); quotes and backslashes are escaped all
    the same, so no term can ever change the query's structure."""
    quoted = (t.replace("\\", "\\\\").replace("'", "''") for t in terms)
    return " & ".join(f"'{t}':*" for t in quoted)


#: How a search's condition finds its hits (SQLite; PostgreSQL's GIN index is asked
#: the same way in every case):
#: - ``HITS``: the full-text index hands over the hits, which are then sorted (few hits);
#: - ``WALK``: the list's order is walked and each row looked up among the hits, which
#:   the index hands over first (many hits, wherever they are along the order);
#: - ``TEXT``: the list's order is walked and each row's own text checked, the index
#:   not asked at all (many hits near the start of the order; see ``listing``).
HITS, WALK, TEXT = "hits", "walk", "text"


def match_condition(
    dialect: str, query: str | None, how: str = HITS
) -> ColumnElement[bool] | TextClause:
    """SQL condition for the folded query ``query`` (true when it has no terms).

    ``WALK`` (SQLite): the id is compared as an expression, so the planner walks the
    order's index and checks each row against the hits instead of fetching every hit
    by id and sorting them all. ``TEXT`` (SQLite): each row's stored text is checked by
    the rule itself, which needs no hit list (the 261,000 hits of "dan van kheo" at a
    million entries cost 200 ms to hand over) but reads each walked row (about 20
    times a lookup in the hit list). It relies on ``search_text`` holding only what
    :func:`~dankheo.domain.text.search_words` writes: words of ``[0-9a-z]`` joined by
    single spaces, so a term begins a word exactly when " term" is in " text"."""
    terms = search_terms(query)
    if not terms:
        return true()
    if dialect == "sqlite" and how == TEXT:
        spaced = literal(" ") + Exemplar.search_text
        return and_(*(func.instr(spaced, " " + t) > 0 for t in terms))
    if dialect == "sqlite":
        hits = (
            text("SELECT rowid FROM exemplars_fts WHERE exemplars_fts MATCH :fts")
            .bindparams(fts=fts_query(terms))
            .columns(column("rowid", Integer))
        )
        return (Exemplar.id + 0 if how == WALK else Exemplar.id).in_(hits)
    return text(f"{WORDS_SQL} @@ CAST(:words_query AS tsquery)").bindparams(
        words_query=ts_query(terms)
    )


def has_terms(query: str | None) -> bool:
    return bool(search_terms(query))


def rank_column(dialect: str, query: str) -> ColumnElement[float]:
    """How well an entry matches ``query``: lower is better, ties broken by the id.

    - SQLite: FTS5's ``bm25`` of the folded text (rarer words weigh more, shorter
      texts more than long ones), from :func:`ranked_hits`, which the query joins
      (the full-text query runs once, not once per row).
    - PostgreSQL: the position of each term's first match in the folded text, summed
      (every word follows a space in the stored text, so the position is the word's).
      The text starts with the name, so entries named for the words come first, then
      those whose description starts with them. ``ts_rank`` would not do better here:
      the index's tsvector has no positions, so it only counts distinct words. The same
      hits either way (the match condition decides which); only the order among them
      differs, and at most ``listing.RELEVANCE_LIMIT`` hits are ever ranked.
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
