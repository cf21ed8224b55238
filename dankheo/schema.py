"""Schema set-up shared by migrations and tests: the tables plus what Alembic's
autogenerate does not know about (raw DDL such as the showcase's search index).

This module imports no package: packages register their extra DDL with
:func:`register_extra` when they are imported, and :mod:`dankheo.models` (which
``create_app`` imports) imports every one of them. So the schema is complete once an
application exists, which is when migrations, tests and the CLI call in here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

from .extensions import db

DDLHook = Callable[[Connection], None]

#: (create, drop, after_truncate) hooks taking a Connection, in registration order.
EXTRA_DDL: list[tuple[DDLHook, DDLHook, DDLHook | None]] = []


def register_extra(
    create: DDLHook, drop: DDLHook, after_truncate: DDLHook | None = None
) -> None:
    """Add raw DDL to the schema: ``create`` and ``drop`` must be idempotent;
    ``after_truncate`` runs after every table was emptied (tests)."""
    EXTRA_DDL.append((create, drop, after_truncate))


def _registered() -> list[tuple[DDLHook, DDLHook, DDLHook | None]]:
    if not EXTRA_DDL:
        # Without the hooks a migration would silently leave out the search index.
        raise RuntimeError(
            "no extra DDL registered: import dankheo.models (create_app does) first"
        )
    return EXTRA_DDL


def install_extra(conn: Connection) -> None:
    """Create the raw DDL every package registered (the migration calls this too)."""
    for create, _drop, _after in _registered():
        create(conn)


def create_schema(engine: Engine) -> None:
    """Create every table and the extra DDL (used by tests and ``flask init-db``)."""
    db.metadata.create_all(engine)
    with engine.begin() as conn:
        install_extra(conn)


def drop_extra(engine: Engine) -> None:
    with engine.begin() as conn:
        drop_extra_on(conn)


def drop_extra_on(conn: Connection) -> None:
    for _create, drop, _after in _registered():
        drop(conn)


def after_truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        for _create, _drop, after in _registered():
            if after:
                after(conn)
