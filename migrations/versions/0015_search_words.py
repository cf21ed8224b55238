"""The showcase search finds the same words on both databases, quickly.

- The folded column holds only the search's words (runs of ``[0-9a-z]``, cut at 100
  letters) joined by spaces: rows holding anything else are rewritten, so SQLite's tokenizer no longer
  keeps "中文abc" as one word where PostgreSQL saw "abc".
- SQLite: the FTS5 table also indexes 2- and 3-letter prefixes (``prefix='2 3'``),
  recreated and rebuilt.
- PostgreSQL: a GIN index over the words as a tsvector replaces the regular
  expressions over the trigram index (which stays: the registry's substring search
  uses it).

Downgrade restores the FTS5 table without prefixes and drops the words index; the
rewritten texts stay as they are (the old search finds the same words in them).

Revision ID: 0015f75ea4c1
Revises: 0b1ec7f1c013
"""

import re

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015f75ea4c1"
down_revision = "0b1ec7f1c013"
branch_labels = None
depends_on = None

# The search objects of this revision, frozen here (the application's search module
# describes today's).
#: The FTS5 table before this revision (no prefix index), and after it.
OLD_FTS_TABLE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS exemplars_fts USING fts5("
    "search_text, content='exemplars', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')"
)
FTS_TABLE_SQL = OLD_FTS_TABLE_SQL[:-1] + ", prefix='2 3')"
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
#: PostgreSQL: the words of the folded text as a tsvector, by the search rule.
PG_WORDS_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS ix_exemplars_search_words ON exemplars USING gin "
    "(array_to_tsvector(array_remove("
    "regexp_split_to_array(search_text, '[^0-9a-z]+'), '')))"
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_BATCH = 5000
#: As ``dankheo.domain.text.MAX_WORD`` today (frozen here).
_MAX_WORD = 100
_LONG_WORD_GLOB = "*" + "[0-9a-z]" * (_MAX_WORD + 1) + "*"


#: PostgreSQL: the words of a folded text (``{}``: the column), as ``_words``.
PG_WORDS = (
    "regexp_replace(btrim(regexp_replace({}, '[^0-9a-z]+', ' ', 'g')), "
    "'([0-9a-z]{{100}})[0-9a-z]+', '\\1', 'g')"
)
#: PostgreSQL: whether a folded text holds anything but words and single spaces.
PG_NEEDS_REWRITE = "{} ~ '[^ 0-9a-z]|[0-9a-z]{{101}}'"
#: SQLite's test for the same, with ``_LONG_WORD_GLOB`` as its parameter.
SQLITE_NEEDS_REWRITE = "({0} GLOB '*[^ 0-9a-z]*' OR {0} GLOB ?)"


def _words(text):
    return " ".join(w[:_MAX_WORD] for w in _NON_WORD.split(text or "") if w)


def _rewrite_texts_sqlite(conn):
    """Rows whose folded text holds anything but words and spaces, in batches (SQLite
    has no regular expressions; the text is folded already, so only splitting is left)."""
    last = 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT id, search_text FROM exemplars "
            f"WHERE id > ? AND {SQLITE_NEEDS_REWRITE.format('search_text')} "
            "ORDER BY id LIMIT ?",
            (last, _LONG_WORD_GLOB, _BATCH),
        ).all()
        if not rows:
            return
        conn.exec_driver_sql(
            "UPDATE exemplars SET search_text = ? WHERE id = ?",
            [(_words(text), ident) for ident, text in rows],
        )
        last = rows[-1][0]


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for sql in FTS_DROP_SQL:
            conn.exec_driver_sql(sql)
        _rewrite_texts_sqlite(conn)
        for sql in (FTS_TABLE_SQL, *FTS_TRIGGERS_SQL):
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(
            "INSERT INTO exemplars_fts(exemplars_fts) VALUES ('rebuild')"
        )
    elif conn.dialect.name == "postgresql":
        # Words over 100 letters are cut (PostgreSQL refuses lexemes over 2,047 bytes).
        conn.exec_driver_sql(
            f"UPDATE exemplars SET search_text = {PG_WORDS.format('search_text')} "
            f"WHERE {PG_NEEDS_REWRITE.format('search_text')}"
        )
        conn.exec_driver_sql(PG_WORDS_INDEX_SQL)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for sql in FTS_DROP_SQL:
            conn.exec_driver_sql(sql)
        for sql in (OLD_FTS_TABLE_SQL, *FTS_TRIGGERS_SQL):
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(
            "INSERT INTO exemplars_fts(exemplars_fts) VALUES ('rebuild')"
        )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_exemplars_search_words")
