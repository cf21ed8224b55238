"""Summary counts without contended rows: on PostgreSQL the triggers insert delta rows
(folded into the base rows by a compaction) instead of upserting shared rows, and the
counts are read through the views ``tally_facets`` and ``tally_units``.

The counts are derived data: the upgrade drops the earlier tables and counts afresh
from the entries; the downgrade drops this layout and gives back 0005's, counted
afresh too. The version keeps growing across both.

Revision ID: c0a7d3e1a010
Revises: 5e1f0a7c2b90
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c0a7d3e1a010"
down_revision = "5e1f0a7c2b90"
branch_labels = None
depends_on = None

#: The revision whose count tables this one replaces (and its downgrade gives back).
EARLIER = "7a11e5c0c0de"

# The tables, views and triggers of this revision, frozen here (``dankheo.tallies``
# describes today's). Both databases: base tables and views named ``tally_facets`` and
# ``tally_units``; SQLite's triggers upsert the bases, PostgreSQL's insert deltas.
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

TABLES = (
    f"CREATE TABLE IF NOT EXISTS tally_facets_base ({_FACET_COLUMNS}, "
    f"PRIMARY KEY ({FACET_KEY}))",
    f"CREATE TABLE IF NOT EXISTS tally_units_base ({_UNIT_COLUMNS}, "
    f"PRIMARY KEY ({UNIT_KEY}))",
    "CREATE TABLE IF NOT EXISTS tally_version (id INTEGER PRIMARY KEY, "
    "n BIGINT NOT NULL)",
)
PG_DELTA_TABLES = (
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
SQLITE_VIEWS = (
    f"CREATE VIEW IF NOT EXISTS tally_facets AS SELECT {FACET_KEY}, n "
    "FROM tally_facets_base",
    f"CREATE VIEW IF NOT EXISTS tally_units AS SELECT {UNIT_KEY}, n "
    "FROM tally_units_base",
)
PG_VIEWS = tuple(
    f"CREATE OR REPLACE VIEW tally_{name} AS SELECT {key}, sum(n) AS n FROM ("
    f"SELECT {key}, n FROM tally_{name}_base UNION ALL "
    f"SELECT {key}, n FROM tally_{name}_delta) AS parts GROUP BY {key}"
    for name, key in (("facets", FACET_KEY), ("units", UNIT_KEY))
)


def _form_of(ref):
    return (
        f"coalesce((SELECT form_id FROM commendations WHERE exemplar_id = {ref}.id "
        "AND annulled_at IS NULL), 0)"
    )


def _sqlite_add(row, delta):
    return (
        f"INSERT INTO tally_facets_base ({FACET_KEY}, n) VALUES ({row}.campaign_id, "
        f"coalesce({row}.field_id, 0), {row}.kind, {_form_of(row)}, {row}.state, "
        f"{delta}) ON CONFLICT ({FACET_KEY}) DO UPDATE SET n = n + excluded.n; "
        f"INSERT INTO tally_units_base ({UNIT_KEY}, n) VALUES ({row}.campaign_id, "
        f"{row}.unit_id, coalesce({row}.field_id, 0), {row}.kind, {row}.state, "
        f"{delta}) ON CONFLICT ({UNIT_KEY}) DO UPDATE SET n = n + excluded.n; "
    )


def _sqlite_move_form(exemplar_id, form, delta, in_force="1"):
    return (
        f"INSERT INTO tally_facets_base ({FACET_KEY}, n) SELECT campaign_id, "
        f"coalesce(field_id, 0), kind, {form}, state, {delta} FROM exemplars "
        f"WHERE id = {exemplar_id} AND {in_force} "
        f"ON CONFLICT ({FACET_KEY}) DO UPDATE SET n = n + excluded.n; "
    )


_BUMP = "UPDATE tally_version SET n = n + 1; "
_OLD_IN_FORCE = "OLD.annulled_at IS NULL"
_NEW_IN_FORCE = "NEW.annulled_at IS NULL"
_KEY_CHANGED = (
    "OLD.campaign_id IS NOT NEW.campaign_id OR OLD.unit_id IS NOT NEW.unit_id "
    "OR OLD.field_id IS NOT NEW.field_id OR OLD.kind IS NOT NEW.kind "
    "OR OLD.state IS NOT NEW.state"
)

#: name -> body after ``CREATE TRIGGER name``.
SQLITE_TRIGGERS = {
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
PG_FUNCTIONS = (
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

#: name -> body after ``CREATE TRIGGER name``.
PG_TRIGGERS = {
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

#: The recount's advisory lock, as the compaction takes it.
_ADVISORY_KEY = 7_711_001


def _table_of(spec):
    return spec.split(" ON ")[1].split()[0]


def _run(conn, statements):
    for sql in statements:
        conn.exec_driver_sql(sql)


def _kind_of(conn, name):
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


def _drop_earlier_layout(conn):
    """0005's count tables (named like this revision's views); ``tally_version`` stays."""
    for name in ("tally_facets", "tally_units"):
        if _kind_of(conn, name) == "table":
            conn.exec_driver_sql(f"DROP TABLE {name}")


def _fold_version(conn, extra):
    pg = conn.dialect.name == "postgresql"
    pending = "(SELECT count(*) FROM tally_changes)" if pg else "0"
    bumped = conn.exec_driver_sql(
        f"UPDATE tally_version SET n = n + {pending} + {int(extra)}"
    ).rowcount
    if not bumped:
        conn.exec_driver_sql(
            f"INSERT INTO tally_version (id, n) SELECT 1, {pending} + {int(extra)}"
        )
    if pg:
        conn.exec_driver_sql("DELETE FROM tally_changes")


def _recount(conn):
    if conn.dialect.name == "postgresql":
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


def create(conn):
    """The tables, views and triggers (idempotent; triggers replaced), counted from
    the entries when the base tables are new."""
    is_new = _kind_of(conn, "tally_facets_base") is None
    _run(conn, TABLES)
    if conn.dialect.name == "sqlite":
        _run(conn, SQLITE_VIEWS)
        for name, spec in SQLITE_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {spec}")
    elif conn.dialect.name == "postgresql":
        _run(conn, PG_DELTA_TABLES)
        _run(conn, PG_VIEWS)
        _run(conn, PG_FUNCTIONS)
        for name, spec in PG_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(spec)}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {spec}")
    if is_new:
        _recount(conn)
    if not conn.exec_driver_sql("SELECT count(*) FROM tally_version").scalar():
        conn.exec_driver_sql("INSERT INTO tally_version (id, n) VALUES (1, 0)")


def drop(conn):
    """Everything :func:`create` made but ``tally_version``."""
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif conn.dialect.name == "postgresql":
        for name, spec in PG_TRIGGERS.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {_table_of(spec)}")
        for fn in ("tally_exemplars", "tally_commendations", "tally_bump"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}()")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS tally_move_form(int, int, int)")
        conn.exec_driver_sql(
            "DROP FUNCTION IF EXISTS tally_add(int, int, int, text, int, text, int)"
        )
    for name in ("tally_facets", "tally_units"):
        if _kind_of(conn, name) == "view":
            conn.exec_driver_sql(f"DROP VIEW {name}")
    for table in (
        "tally_facets_base",
        "tally_units_base",
        "tally_facets_delta",
        "tally_units_delta",
        "tally_changes",
    ):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def upgrade():
    conn = op.get_bind()
    _drop_earlier_layout(conn)
    create(conn)


def downgrade():
    conn = op.get_bind()
    pending = (
        "(SELECT count(*) FROM tally_changes)"
        if conn.dialect.name == "postgresql"
        else "0"
    )
    version = conn.exec_driver_sql(
        f"SELECT n + {pending} FROM tally_version WHERE id = 1"
    ).scalar()
    drop(conn)
    # 0005 counts afresh only into tables it creates, its version row among them.
    conn.exec_driver_sql("DROP TABLE IF EXISTS tally_version")
    op.get_context().script.get_revision(EARLIER).module.create(conn)
    conn.exec_driver_sql(f"UPDATE tally_version SET n = n + {int(version or 0)}")
