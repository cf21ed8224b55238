"""Summary tables of the showcase's public counts, kept by triggers, filled by a recount.

Revision ID: 7a11e5c0c0de
Revises: 14595e5000c1
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7a11e5c0c0de"
down_revision = "14595e5000c1"
branch_labels = None
depends_on = None

# The count tables and triggers of this revision, frozen here (``dankheo.tallies``
# describes today's; 0012 replaces these with its own copies). Every writer upserts
# ``tally_facets`` and ``tally_units`` and bumps the single ``tally_version`` row.
FACET_KEY = "campaign_id, field_id, kind, form_id, state"
UNIT_KEY = "campaign_id, unit_id, field_id, kind, state"

TABLES = (
    "CREATE TABLE IF NOT EXISTS tally_facets (campaign_id INTEGER NOT NULL, "
    "field_id INTEGER NOT NULL, kind VARCHAR(20) NOT NULL, form_id INTEGER NOT NULL, "
    f"state VARCHAR(20) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY ({FACET_KEY}))",
    "CREATE TABLE IF NOT EXISTS tally_units (campaign_id INTEGER NOT NULL, "
    "unit_id INTEGER NOT NULL, field_id INTEGER NOT NULL, kind VARCHAR(20) NOT NULL, "
    f"state VARCHAR(20) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY ({UNIT_KEY}))",
    "CREATE TABLE IF NOT EXISTS tally_version (id INTEGER PRIMARY KEY, "
    "n BIGINT NOT NULL)",
)


def _form_of(ref):
    return (
        f"coalesce((SELECT form_id FROM commendations WHERE exemplar_id = {ref}.id "
        "AND annulled_at IS NULL), 0)"
    )


def _sqlite_add(row, delta):
    return (
        f"INSERT INTO tally_facets ({FACET_KEY}, n) VALUES ({row}.campaign_id, "
        f"coalesce({row}.field_id, 0), {row}.kind, {_form_of(row)}, {row}.state, "
        f"{delta}) ON CONFLICT ({FACET_KEY}) DO UPDATE SET n = n + excluded.n; "
        f"INSERT INTO tally_units ({UNIT_KEY}, n) VALUES ({row}.campaign_id, "
        f"{row}.unit_id, coalesce({row}.field_id, 0), {row}.kind, {row}.state, "
        f"{delta}) ON CONFLICT ({UNIT_KEY}) DO UPDATE SET n = n + excluded.n; "
    )


def _sqlite_move_form(exemplar_id, form, delta, in_force="1"):
    return (
        f"INSERT INTO tally_facets ({FACET_KEY}, n) SELECT campaign_id, "
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

SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS tally_exemplars_ai AFTER INSERT ON exemplars BEGIN "
    + _sqlite_add("NEW", 1)
    + _BUMP
    + "END",
    "CREATE TRIGGER IF NOT EXISTS tally_exemplars_ad AFTER DELETE ON exemplars BEGIN "
    + _sqlite_add("OLD", -1)
    + _BUMP
    + "END",
    "CREATE TRIGGER IF NOT EXISTS tally_exemplars_au AFTER UPDATE ON exemplars "
    f"WHEN {_KEY_CHANGED} BEGIN "
    + _sqlite_add("OLD", -1)
    + _sqlite_add("NEW", 1)
    + _BUMP
    + "END",
    "CREATE TRIGGER IF NOT EXISTS tally_exemplars_text AFTER UPDATE OF search_text "
    f"ON exemplars WHEN OLD.search_text IS NOT NEW.search_text BEGIN {_BUMP}END",
    "CREATE TRIGGER IF NOT EXISTS tally_commendations_ai AFTER INSERT ON commendations "
    "BEGIN "
    + _sqlite_move_form("NEW.exemplar_id", "0", -1, _NEW_IN_FORCE)
    + _sqlite_move_form("NEW.exemplar_id", "NEW.form_id", 1, _NEW_IN_FORCE)
    + _BUMP
    + "END",
    "CREATE TRIGGER IF NOT EXISTS tally_commendations_ad AFTER DELETE ON commendations "
    "BEGIN "
    + _sqlite_move_form("OLD.exemplar_id", "OLD.form_id", -1, _OLD_IN_FORCE)
    + _sqlite_move_form("OLD.exemplar_id", "0", 1, _OLD_IN_FORCE)
    + _BUMP
    + "END",
    "CREATE TRIGGER IF NOT EXISTS tally_commendations_au AFTER UPDATE ON commendations "
    "WHEN OLD.form_id IS NOT NEW.form_id OR OLD.exemplar_id IS NOT NEW.exemplar_id "
    "OR OLD.annulled_at IS NOT NEW.annulled_at "
    "BEGIN "
    + _sqlite_move_form("OLD.exemplar_id", "OLD.form_id", -1, _OLD_IN_FORCE)
    + _sqlite_move_form("OLD.exemplar_id", "0", 1, _OLD_IN_FORCE)
    + _sqlite_move_form("NEW.exemplar_id", "0", -1, _NEW_IN_FORCE)
    + _sqlite_move_form("NEW.exemplar_id", "NEW.form_id", 1, _NEW_IN_FORCE)
    + _BUMP
    + "END",
    *(
        f"CREATE TRIGGER IF NOT EXISTS tally_{table}_au AFTER UPDATE ON {table} "
        f"BEGIN {_BUMP}END"
        for table in ("units", "fields", "commendation_forms", "campaigns")
    ),
)

PG_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION tally_add(c int, u int, f int, k text, fm int, s text, "
    "d int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO tally_facets AS t ({FACET_KEY}, n) "
    "VALUES (c, coalesce(f, 0), k, coalesce(fm, 0), s, d) "
    f"ON CONFLICT ({FACET_KEY}) DO UPDATE SET n = t.n + d; "
    "IF u IS NOT NULL THEN "
    f"INSERT INTO tally_units AS t ({UNIT_KEY}, n) VALUES (c, u, coalesce(f, 0), k, s, d) "
    f"ON CONFLICT ({UNIT_KEY}) DO UPDATE SET n = t.n + d; END IF; END $$",
    "CREATE OR REPLACE FUNCTION tally_exemplars() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM tally_add(OLD.campaign_id, "
    "OLD.unit_id, OLD.field_id, OLD.kind, (SELECT form_id FROM commendations "
    "WHERE exemplar_id = OLD.id AND annulled_at IS NULL), OLD.state, -1); END IF; "
    "IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM tally_add(NEW.campaign_id, "
    "NEW.unit_id, NEW.field_id, NEW.kind, (SELECT form_id FROM commendations "
    "WHERE exemplar_id = NEW.id AND annulled_at IS NULL), NEW.state, 1); END IF; "
    "UPDATE tally_version SET n = n + 1; RETURN NULL; END $$",
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
    "UPDATE tally_version SET n = n + 1; RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION tally_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE tally_version SET n = n + 1; RETURN NULL; END $$",
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
PG_TRIGGER_TABLES = {
    name: spec.split(" ON ")[1].split()[0] for name, spec in PG_TRIGGERS.items()
}

RECOUNT = (
    "DELETE FROM tally_facets",
    f"INSERT INTO tally_facets ({FACET_KEY}, n) SELECT e.campaign_id, "
    "coalesce(e.field_id, 0), e.kind, coalesce(c.form_id, 0), e.state, count(*) "
    "FROM exemplars e LEFT JOIN commendations c ON c.exemplar_id = e.id "
    "AND c.annulled_at IS NULL "
    "GROUP BY e.campaign_id, coalesce(e.field_id, 0), e.kind, "
    "coalesce(c.form_id, 0), e.state",
    "DELETE FROM tally_units",
    f"INSERT INTO tally_units ({UNIT_KEY}, n) SELECT campaign_id, unit_id, "
    "coalesce(field_id, 0), kind, state, count(*) FROM exemplars "
    "GROUP BY campaign_id, unit_id, coalesce(field_id, 0), kind, state",
)


def _run(conn, statements):
    for sql in statements:
        conn.exec_driver_sql(sql)


def _recount(conn):
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "LOCK TABLE exemplars, commendations, tally_facets, tally_units, "
            "tally_version IN SHARE ROW EXCLUSIVE MODE"
        )
    _run(conn, RECOUNT)
    if not conn.exec_driver_sql("UPDATE tally_version SET n = n + 1").rowcount:
        conn.exec_driver_sql("INSERT INTO tally_version (id, n) VALUES (1, 1)")


def create(conn):
    """The tables and triggers (idempotent); counted from the entries when new."""
    is_new = not conn.exec_driver_sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tally_version'"
        if conn.dialect.name == "postgresql"
        else "SELECT count(*) FROM sqlite_master WHERE name = 'tally_version'"
    ).scalar()
    _run(conn, TABLES)
    if conn.dialect.name == "sqlite":
        _run(conn, SQLITE_TRIGGERS)
    elif conn.dialect.name == "postgresql":
        _run(conn, PG_FUNCTIONS)
        for name, spec in PG_TRIGGERS.items():
            conn.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS {name} ON {PG_TRIGGER_TABLES[name]}"
            )
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {spec}")
    if is_new:
        _recount(conn)


def drop(conn):
    if conn.dialect.name == "sqlite":
        for sql in SQLITE_TRIGGERS:
            name = sql.split("IF NOT EXISTS ")[1].split()[0]
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif conn.dialect.name == "postgresql":
        for name, table in PG_TRIGGER_TABLES.items():
            if conn.exec_driver_sql(f"SELECT to_regclass('{table}')").scalar():
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in ("tally_exemplars", "tally_commendations", "tally_bump"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}()")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS tally_move_form(int, int, int)")
        conn.exec_driver_sql(
            "DROP FUNCTION IF EXISTS tally_add(int, int, int, text, int, text, int)"
        )
    for table in ("tally_facets", "tally_units", "tally_version"):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def upgrade():
    # Idempotent: a database created at the previous revision by the code of this one
    # already has them; one upgraded from older code gets them, counted from its entries.
    create(op.get_bind())


def downgrade():
    drop(op.get_bind())
