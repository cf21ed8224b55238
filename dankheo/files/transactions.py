"""Files follow the transaction of the rows that name them.

A store that writes through the session (the database store) needs nothing: its
files commit and roll back with the rows. For a folder, a new file is removed if the
transaction rolls back, and a removed row's file only once the deletion commits.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .base import FileStore

_ON_COMMIT = "dankheo_files_delete_on_commit"
_ON_ROLLBACK = "dankheo_files_discard_on_rollback"


def delete_on_commit(store: FileStore, key: str) -> None:
    """Remove ``key`` when the session's transaction commits."""
    if store.transactional:
        store.delete(key)
    else:
        db.session.info.setdefault(_ON_COMMIT, []).append((store, key))


def discard_on_rollback(store: FileStore, key: str) -> None:
    """Remove ``key`` (just written) if the session's transaction rolls back."""
    if not store.transactional:
        db.session.info.setdefault(_ON_ROLLBACK, []).append((store, key))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for store, key in session.info.pop(_ON_COMMIT, []):
        store.delete(key)
    session.info.pop(_ON_ROLLBACK, None)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for store, key in session.info.pop(_ON_ROLLBACK, []):
        store.delete(key)
    session.info.pop(_ON_COMMIT, None)
