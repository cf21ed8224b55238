"""Making a backup (see :mod:`dankheo.backup`)."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from ..db import utcnow
from .common import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PG_FILE,
    SQLITE_FILE,
    UPLOADS,
    BackupError,
    Outcome,
    _alembic_revision,
    _backup_sqlite,
    _copy_hashing,
    _entry,
    _is_empty_dir,
    _libpq,
    _reading,
    _regular_files,
    _run,
    _stored_names,
    _tool,
    _upload_relpath,
    app_version,
    count_rows,
    sha256_of,
    sqlite3_engine,
    sqlite_path,
)

log = logging.getLogger(__name__)


def create_backup(
    dest: Path,
    engine: Engine,
    uploads: Path,
    *,
    echo: Callable[[str], None] = log.info,
) -> Outcome:
    """Write a complete, verifiable backup into ``dest``, a new or empty directory.

    A failed backup leaves nothing behind; a finished one always has its manifest.
    """
    dest = dest.resolve()
    if dest.exists() and not _is_empty_dir(dest):
        raise BackupError(
            f"Thư mục đích {dest} đã tồn tại và không trống; hãy chọn thư mục mới."
        )
    if dest.is_relative_to(uploads.resolve()):
        raise BackupError("Thư mục đích không được nằm trong thư mục tải lên.")
    kind = engine.dialect.name
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {kind}.")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        return _create_backup(dest, engine, uploads, kind, echo)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _create_backup(
    dest: Path,
    engine: Engine,
    uploads: Path,
    kind: str,
    echo: Callable[[str], None],
) -> Outcome:
    outcome = Outcome()
    if kind == "sqlite":
        db_file = SQLITE_FILE
        echo("Đang sao chép cơ sở dữ liệu SQLite (API sao lưu trực tuyến)…")
        _backup_sqlite(sqlite_path(engine), dest / db_file)
        copy = sqlite3_engine(dest / db_file)
        try:
            with copy.connect() as conn:
                outcome.tables = count_rows(conn)
                revision = _alembic_revision(conn)
                attachments = _stored_names(conn)
        finally:
            copy.dispose()
    else:
        db_file = PG_FILE
        pg_dump = _tool("pg_dump")
        conninfo, env = _libpq(engine)
        echo("Đang chạy pg_dump (định dạng custom)…")
        with _reading(engine) as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # Counts and dump see one snapshot: the manifest describes the dump.
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                outcome.tables = count_rows(conn)
                revision = _alembic_revision(conn)
                attachments = _stored_names(conn)
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={dest / db_file}",
                        f"--dbname={conninfo}",
                    ],
                    env,
                )
    files: dict[str, dict[str, Any]] = {
        db_file: _entry(sha256_of(dest / db_file), (dest / db_file).stat().st_size)
    }

    echo("Đang sao chép thư mục tải lên…")
    for path in _regular_files(uploads):
        rel = path.relative_to(uploads).as_posix()
        try:
            digest, size = _copy_hashing(path, dest / UPLOADS / rel)
        except FileNotFoundError:
            continue  # removed (committed) since the listing: not part of the copy
        files[f"{UPLOADS}/{rel}"] = _entry(digest, size)
        outcome.files += 1
        outcome.bytes += size

    without_file = [
        owner
        for owner, name in attachments
        if f"{UPLOADS}/{_upload_relpath(name)}" not in files
    ]
    if without_file:
        outcome.warnings.append(
            f"{len(without_file)} tệp đính kèm có trong cơ sở dữ liệu nhưng không có "
            f"tệp (mã {', '.join(map(str, without_file[:10]))}); "
            "xem `flask check-storage`."
        )

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "app_version": app_version(),
        "alembic_revision": revision,
        "database": {"kind": kind, "file": db_file},
        "tables": outcome.tables,
        "attachments_without_file": without_file,
        "files": files,
    }
    tmp = dest / f".{MANIFEST}.part"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    os.replace(tmp, dest / MANIFEST)
    log.info("backup written to %s (%s files)", dest, len(files))
    return outcome
