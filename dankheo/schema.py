"""Schema set-up shared by migrations and tests: the tables plus what Alembic's
autogenerate does not know about (the search index of the showcase)."""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine

from .extensions import db

# Hooks that other packages register: (create, drop, after_truncate) callables
# taking a Connection, e.g. the showcase's FTS5 table and triggers.
EXTRA_DDL: list[tuple] = []


def register_extra(create, drop, after_truncate=None) -> None:
    EXTRA_DDL.append((create, drop, after_truncate))


def install_extra(conn: Connection) -> None:
    """Create the raw DDL every package registered (the migration calls this too)."""
    from . import models  # noqa: F401  (importing the packages registers their DDL)
    from .showcase import search  # noqa: F401

    for create, _drop, _after in EXTRA_DDL:
        create(conn)


def create_schema(engine: Engine) -> None:
    """Create every table and the extra DDL (used by tests and ``flask init-db``)."""
    from . import models  # noqa: F401

    db.metadata.create_all(engine)
    with engine.begin() as conn:
        install_extra(conn)


def drop_extra(engine: Engine) -> None:
    with engine.begin() as conn:
        drop_extra_on(conn)


def drop_extra_on(conn: Connection) -> None:
    for _create, drop, _after in EXTRA_DDL:
        drop(conn)


def after_truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        for _create, _drop, after in EXTRA_DDL:
            if after:
                after(conn)
