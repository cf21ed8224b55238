"""The chains survive `flask backup` and `flask restore` (dankheo.backup as it is): the
restored database verifies with the same length and last hash, on SQLite and
PostgreSQL alike; a broken chain stays broken through a round trip."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from dankheo.extensions import db as _db

from ..test_backup import PG_URL, _backup, _invoke, target, uploads  # noqa: F401
from .helpers import some_history

pytestmark = pytest.mark.skipif(
    bool(PG_URL) and shutil.which("pg_dump") is None,
    reason="PostgreSQL backups need pg_dump",
)


def test_chains_survive_backup_and_restore(app, db, make, uploads, target, tmp_path):  # noqa: F811
    some_history(make, 3)
    db.session.commit()
    source = _invoke(app, "verify-history")
    assert source.exit_code == 0, source.output
    _backup(app, tmp_path / "backup")

    restored = _invoke(target, "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    result = _invoke(target, "verify-history")
    assert result.exit_code == 0, result.output
    # Same chains, same heads: the printed lengths and last hashes are identical.
    assert result.output == source.output

    with target.app_context():
        with _db.engine.begin() as conn:
            conn.execute(text("UPDATE history SET note = 'sửa sau phục hồi'"))
        _db.engine.dispose()
    broken = _invoke(target, "verify-history")
    assert broken.exit_code == 1
    assert "history" in broken.output
