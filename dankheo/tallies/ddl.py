"""The tables, views and triggers that keep the summary counts (see :mod:`dankheo.tallies`).

Both databases have ``tally_facets_base``, ``tally_units_base`` and ``tally_version``,
and two views named ``tally_facets`` and ``tally_units`` that everything reads.

- **SQLite** has one writer at a time, so its triggers simply add to the base rows
  (an upsert) and bump ``tally_version``; the views are plain projections of the bases.
- **PostgreSQL** writers run side by side. Upserting one hot row per count, and bumping
  one version row, made them wait on each other, and with the audit chain heads taken
  in the other order, deadlock. So the triggers there only INSERT: one delta row per
  count they change (``tally_facets_delta``, ``tally_units_delta``) and one row per change
  in ``tally_changes``. An INSERT locks no existing row, so a writer never waits on
  another for a count. The views sum base and deltas per key; the compaction
  (:func:`dankheo.tallies.compact`) folds the deltas into the bases now and then.

A missing field or form is stored as 0 (NULLs would defeat the keys' uniqueness).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

FACET_KEY = "campaign_id, field_id, kind, form_id, state"
UNIT_KEY = "campaign_id, unit_id, field_id, kind, state"

_FACET_COLUMNS = (
    "campaign_id INTEGER NOT NULL, field_id INTEGER NOT NULL, kind VARCHAR(20) NOT NULL, "
    "form_id INTEGER NOT NULL, state VARCHAR(20) NOT NULL, n INTEGER NOT NULL"
)
_UNIT_COLUMNS = (
    "campaign_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, field_id INTEGER NOT NULL, "
    "kind VARCHAR(20) NOT NULL, state VARCHAR(20) NOT NULL, n INTEGER NOT NULL"
)

_TABLES = (
    f"CREATE TABLE IF NOT EXISTS tally_facets_base ({_FACET_COLUMNS}, "
    f"PRIMARY KEY ({FACET_KEY}))",
    f"CREATE TABLE IF NOT EXISTS tally_units_base ({_UNIT_COLUMNS}, "
    f"PRIMARY KEY ({UNIT_KEY}))",
    "CREATE TABLE IF NOT EXISTS tally_version (id INTEGER PRIMARY KEY, "
    "n BIGINT NOT NULL)",
)
#: PostgreSQL only: insert-only rows the triggers write (ids from sequences, which
#: hand out numbers without locking anything).
_PG_DELTA_TABLES = (
    "CREATE TABLE IF NOT EXISTS tally_facets_delta (id BIGSERIAL PRIMARY KEY, "
    f"{_FACET_COLUMNS})",
    "CREATE INDEX IF NOT EXISTS ix_tally_facets_delta_key ON tally_facets_delta "
    f"({FACET_KEY})",
    "CREATE TABLE IF NOT EXISTS tally_units_delta (id BIGSERIAL PRIMARY KEY, "
    f"{_UNIT_COLUMNS})",
    "CREATE INDEX IF NOT EXISTS ix_tally_units_delta_key ON tally_units_delta "
    f"({UNIT_KEY})",
    "CREATE TABLE IF NOT EXISTS tally_changes (id BIGSERIAL PRIMARY KEY)",
)
_SQLITE_VIEWS = (
    f"CREATE VIEW IF NOT EXISTS tally_facets AS SELECT {FACET_KEY}, n "
    "FROM tally_facets_base",
    f"CREATE VIEW IF NOT EXISTS tally_units AS SELECT {UNIT_KEY}, n "
    "FROM tally_units_base",
)
#: Filters on the key columns reach both branches (PostgreSQL pushes them through the
#: GROUP BY and the UNION ALL), so the primary key and the deltas' index serve them.
_PG_VIEWS = tuple(
    f"CREATE OR REPLACE VIEW tally_{name} AS SELECT {key}, sum(n) AS n FROM ("
    f"SELECT {key}, n FROM tally_{name}_base UNION ALL "
    f"SELECT {key}, n FROM tally_{name}_delta) AS parts GROUP BY {key}"
    for name, key in (("facets", FACET_KEY), ("units", UNIT_KEY))
)


def _form_of(ref: str) -> str:
    return (
        f"coalesce((SELECT form_id FROM commendations WHERE exemplar_id = {ref}.id "
        "AND annulled_at IS NULL), 0)"
    )


def _sqlite_add(row: str, delta: int) -> str:
    """Statements adding ``delta`` to the counts of the exemplar row ``row`` (NEW/OLD)."""
    return (
        f"INSERT INTO tally_facets_base ({FACET_KEY}, n) VALUES ({row}.campaign_id, "
        f"coalesce({row}.field_id, 0), {row}.kind, {_form_of(row)}, {row}.state, "
        f"{delta}) ON CONFLICT ({FACET_KEY}) DO UPDATE SET n = n + excluded.n; "
        f"INSERT INTO tally_units_base ({UNIT_KEY}, n) VALUES ({row}.campaign_id, "
        f"{row}.unit_id, coalesce({row}.field_id, 0), {row}.kind, {row}.state, "
        f"{delta}) ON CONFLICT ({UNIT_KEY}) DO UPDATE SET n = n + excluded.n; "
    )


def _sqlite_move_form(
    exemplar_id: str, form: str, delta: int, in_force: str = "1"
) -> str:
    """Move one entry's count to or from ``form`` when the commendation row is in force
    (``in_force``: a condition on NEW/OLD; an annulled decision counts as none)."""
    return (
        f"INSERT INTO tally_facets_base ({FACET_KEY}, n) SELECT campaign_id, "
        f"coalesce(field_id, 0), kind, {form}, state, {delta} FROM exemplars "
        f"WHERE id = {exemplar_id} AND {in_force} "
        f"ON CONFLICT ({FACET_KEY}) DO UPDATE SET n = n + excluded.n; "
    )


_BUMP = "UPDATE tally_version SET n = n + 1; "
#: A commendation row counts while it is in force; an annulled one is kept as a record.
_OLD_IN_FORCE = "OLD.annulled_at IS NULL"
_NEW_IN_FORCE = "NEW.annulled_at IS NULL"
_KEY_CHANGED = (
    "OLD.campaign_id IS NOT NEW.campaign_id OR OLD.unit_id IS NOT NEW.unit_id "
    "OR OLD.field_id IS NOT NEW.field_id OR OLD.kind IS NOT NEW.kind "
    "OR OLD.state IS NOT NEW.state"
)

#: name -> body after ``CREATE TRIGGER name``.
_SQLITE_TRIGGERS = {
    "tally_exemplars_ai": "AFTER INSERT ON exemplars BEGIN "
    + _sqlite_add("NEW", 1)
    + _BUMP
    + "END",
    "tally_exemplars_ad": "AFTER DELETE ON exemplars BEGIN "
    + _sqlite_add("OLD", -1)
    + _BUMP
    + "END",
    "tally_exemplars_au": f"AFTER UPDATE ON exemplars WHEN {_KEY_CHANGED} BEGIN "
    + _sqlite_add("OLD", -1)
    + _sqlite_add("NEW", 1)
    + _BUMP
    + "END",
    # Public search hits change with the text: no count table, but memoised counts.
    "tally_exemplars_text": "AFTER UPDATE OF search_text ON exemplars "
    f"WHEN OLD.search_text IS NOT NEW.search_text BEGIN {_BUMP}END",
    "tally_commendations_ai": "AFTER INSERT ON commendations BEGIN "
    + _sqlite_move_form("NEW.exemplar_id", "0", -1, _NEW_IN_FORCE)
    + _sqlite_move_form("NEW.exemplar_id", "NEW.form_id", 1, _NEW_IN_FORCE)
    + _BUMP
    + "END",
    "tally_commendations_ad": "AFTER DELETE ON commendations BEGIN "
    + _sqlite_move_form("OLD.exemplar_id", "OLD.form_id", -1, _OLD_IN_FORCE)
    + _sqlite_move_form("OLD.exemplar_id", "0", 1, _OLD_IN_FORCE)
    + _BUMP
    + "END",
    "tally_commendations_au": "AFTER UPDATE ON commendations "
    "WHEN OLD.form_id IS NOT NEW.form_id OR OLD.exemplar_id IS NOT NEW.exemplar_id "
    "OR OLD.annulled_at IS NOT NEW.annulled_at BEGIN "
    + _sqlite_move_form("OLD.exemplar_id", "OLD.form_id", -1, _OLD_IN_FORCE)
    + _sqlite_move_form("OLD.exemplar_id", "0", 1, _OLD_IN_FORCE)
    + _sqlite_move_form("NEW.exemplar_id", "0", -1, _NEW_IN_FORCE)
    + _sqlite_move_form("NEW.exemplar_id", "NEW.form_id", 1, _NEW_IN_FORCE)
    + _BUMP
    + "END",
    **{
        f"tally_{table}_au": f"AFTER UPDATE ON {table} BEGIN {_BUMP}END"
        for table in ("units", "fields", "commendation_forms", "campaigns")
    },
}

_PG_CHANGE = "INSERT INTO tally_changes DEFAULT VALUES; "
_PG_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION tally_add(c int, u int, f int, k text, fm int, s text, "
    "d int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO tally_facets_delta ({FACET_KEY}, n) "
    "VALUES (c, coalesce(f, 0), k, coalesce(fm, 0), s, d); "
    "IF u IS NOT NULL THEN "
    f"INSERT INTO tally_units_delta ({UNIT_KEY}, n) VALUES (c, u, coalesce(f, 0), k, s, d); "
    "END IF; END $$",
    "CREATE OR REPLACE FUNCTION tally_exemplars() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM tally_add(OLD.campaign_id, "
    "OLD.unit_id, OLD.field_id, OLD.kind, (SELECT form_id FROM commendations "
    "WHERE exemplar_id = OLD.id AND annulled_at IS NULL), OLD.state, -1); END IF; "
    "IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM tally_add(NEW.campaign_id, "
    "NEW.unit_id, NEW.field_id, NEW.kind, (SELECT form_id FROM commendations "
    "WHERE exemplar_id = NEW.id AND annulled_at IS NULL), NEW.state, 1); END IF; "
    f"{_PG_CHANGE}RETURN NULL; END $$",
    # Moving an entry's count between forms: (exemplar, from form, to form).
    "CREATE OR REPLACE FUNCTION tally_move_form(x int, a int, b int) RETURNS void "
    "LANGUAGE plpgsql AS $$ DECLARE e record; BEGIN "
    "SELECT campaign_id, field_id, kind, state INTO e FROM exemplars WHERE id = x; "
    "IF FOUND THEN "
    "PERFORM tally_add(e.campaign_id, NULL, e.field_id, e.kind, a, e.state, -1); "
    "PERFORM tally_add(e.campaign_id, NULL, e.field_id, e.kind, b, e.state, 1); "
    "END IF; END $$",
    "CREATE OR REPLACE FUNCTION tally_commendations() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN IF OLD.annulled_at IS NULL THEN "
    "PERFORM tally_move_form(OLD.exemplar_id, OLD.form_id, 0); END IF; END IF; "
    "IF TG_OP IN ('UPDATE', 'INSERT') THEN IF NEW.annulled_at IS NULL THEN "
    "PERFORM tally_move_form(NEW.exemplar_id, 0, NEW.form_id); END IF; END IF; "
    f"{_PG_CHANGE}RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION tally_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN {_PG_CHANGE}RETURN NULL; END $$",
)

_PG_TRIGGERS = {
    "tally_exemplars_id": "AFTER INSERT OR DELETE ON exemplars FOR EACH ROW "
    "EXECUTE FUNCTION tally_exemplars()",
    "tally_exemplars_u": "AFTER UPDATE ON exemplars FOR EACH ROW WHEN ("
    "(OLD.campaign_id, OLD.unit_id, OLD.field_id, OLD.kind, OLD.state) IS DISTINCT "
    "FROM (NEW.campaign_id, NEW.unit_id, NEW.field_id, NEW.kind, NEW.state)) "
    "EXECUTE FUNCTION tally_exemplars()",
    "tally_exemplars_text": "AFTER UPDATE OF search_text ON exemplars FOR EACH ROW "
    "WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text) "
    "EXECUTE FUNCTION tally_bump()",
    "tally_commendations_id": "AFTER INSERT OR DELETE ON commendations FOR EACH ROW "
    "EXECUTE FUNCTION tally_commendations()",
    "tally_commendations_u": "AFTER UPDATE ON commendations FOR EACH ROW WHEN ("
    "(OLD.exemplar_id, OLD.form_id, OLD.annulled_at) IS DISTINCT FROM "
    "(NEW.exemplar_id, NEW.form_id, NEW.annulled_at)) "
    "EXECUTE FUNCTION tally_commendations()",
    **{
        f"tally_{table}_u": f"AFTER UPDATE ON {table} FOR EACH STATEMENT "
        "EXECUTE FUNCTION tally_bump()"
        for table in ("units", "fields", "commendation_forms", "campaigns")
    },
}


def _table_of(spec: str) -> str:
    return spec.split(" ON ")[1].split()[0]


def _run(conn: Connection, statements: Iterable[str]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)


def kind_of(conn: Connection, name: str) -> str | None:
    """'table', 'view' or None: what ``name`` is in the database."""
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql(
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = %(n)s",
            {"n": name},
        ).scalar()
        return {"BASE TABLE": "table", "VIEW": "view"}.get(found or "")
    found = conn.exec_driver_sql(
        "SELECT type FROM sqlite_master WHERE name = ?", (name,)
    ).scalar()
    return found if found in ("table", "view") else None


def create_objects(conn: Connection) -> bool:
    """Create the tables, views and triggers (idempotent; triggers are replaced, so
    their bodies follow the code). True when the base tables were new."""
    is_new = kind_of(conn, "tally_facets_base") is None
    _run(conn, _TABLES)
    if conn.dialect.name == "sqlite":
        _run(conn, _SQLITE_VIEWS)
        for name, spec in _SQLITE_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {spec}")
    elif conn.dialect.name == "postgresql":
        _run(conn, _PG_DELTA_TABLES)
        _run(conn, _PG_VIEWS)
        _run(conn, _PG_FUNCTIONS)
        for name, spec in _PG_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(spec)}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {spec}")
    return is_new


def drop_objects(conn: Connection) -> None:
    """Drop everything :func:`create_objects` made (idempotent), and the count tables
    of the earlier layout (plain tables named like today's views)."""
    if conn.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif conn.dialect.name == "postgresql":
        for name, spec in _PG_TRIGGERS.items():
            table = _table_of(spec)
            if conn.exec_driver_sql(f"SELECT to_regclass('{table}')").scalar():
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in ("tally_exemplars", "tally_commendations", "tally_bump"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}()")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS tally_move_form(int, int, int)")
        conn.exec_driver_sql(
            "DROP FUNCTION IF EXISTS tally_add(int, int, int, text, int, text, int)"
        )
    drop_earlier_layout(conn)
    for name in ("tally_facets", "tally_units"):
        if kind_of(conn, name) == "view":
            conn.exec_driver_sql(f"DROP VIEW {name}")
    for table in (
        "tally_facets_base",
        "tally_units_base",
        "tally_facets_delta",
        "tally_units_delta",
        "tally_changes",
        "tally_version",
    ):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def drop_earlier_layout(conn: Connection) -> None:
    """Drop the count tables of the layout before the deltas (plain tables named
    ``tally_facets`` and ``tally_units``, upserted by every writer); ``tally_version``
    stays, so the version keeps growing."""
    for name in ("tally_facets", "tally_units"):
        if kind_of(conn, name) == "table":
            conn.exec_driver_sql(f"DROP TABLE {name}")
