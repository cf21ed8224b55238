"""Checking and restoring a backup (see :mod:`dankheo.backup`)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from .common import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    UPLOADS,
    BackupError,
    Outcome,
    _check_sqlite,
    _connect_read_only,
    _copy_hashing,
    _libpq,
    _reading,
    _regular_files,
    _run,
    _safe_relative,
    _stored_names,
    _tool,
    _upload_relpath,
    count_rows,
    sha256_of,
    sqlite_path,
)

log = logging.getLogger(__name__)


def read_manifest(src: Path) -> dict[str, Any]:
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"Không tìm thấy {MANIFEST} trong {src}: đây không phải bản sao lưu hoàn "
            "chỉnh."
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"Bản sao lưu bị hỏng: không đọc được {MANIFEST}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} không phải tệp kê khai sao lưu của dankheo.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Không hỗ trợ định dạng sao lưu phiên bản {manifest.get('format_version')}."
        )
    return manifest


def verify_backup(src: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its size and SHA-256, or the error
    names the first one that is not."""
    files = manifest.get("files")
    db_file = manifest.get("database", {}).get("file")
    if not isinstance(files, dict) or db_file not in files:
        raise BackupError(
            f"Bản sao lưu bị hỏng: {MANIFEST} không liệt kê cơ sở dữ liệu."
        )
    for name, entry in files.items():
        path = src / _safe_relative(name)
        if not isinstance(entry, dict):
            raise BackupError(f"Bản sao lưu bị hỏng: {MANIFEST} ghi sai mục {name}.")
        if not path.is_file():
            raise BackupError(f"Bản sao lưu bị hỏng: thiếu tệp {name}.")
        if path.stat().st_size != entry.get("size") or sha256_of(path) != entry.get(
            "sha256"
        ):
            raise BackupError(
                f"Bản sao lưu bị hỏng: tệp {name} không khớp mã kiểm tra SHA-256 "
                "trong tệp kê khai."
            )


def target_contents(engine: Engine, uploads: Path) -> list[str]:
    """What a restore would overwrite: rows in the database, files in UPLOAD_FOLDER."""
    found = []
    if engine.dialect.name != "sqlite" or sqlite_path(engine).is_file():
        with _reading(engine) as conn:
            rows = sum(count_rows(conn).values())
        engine.dispose()
        if rows:
            found.append(f"cơ sở dữ liệu đã có {rows} dòng")
    files = sum(1 for _ in _regular_files(uploads))
    if files:
        found.append(f"thư mục tải lên đã có {files} tệp")
    return found


def restore_backup(
    src: Path,
    engine: Engine,
    uploads: Path,
    *,
    force: bool = False,
    echo: Callable[[str], None] = log.info,
) -> Outcome:
    """Restore the backup in ``src`` after checking it whole.

    Refuses a damaged backup before touching anything, and a target that holds data
    unless ``force``. Files are restored first, so that no restored row ever names a
    missing file; then the database, which is checked afterwards.
    """
    src = src.resolve()
    manifest = read_manifest(src)
    echo("Đang kiểm tra mã SHA-256 của bản sao lưu…")
    verify_backup(src, manifest)
    kind = manifest["database"]["kind"]
    if kind != engine.dialect.name:
        raise BackupError(
            f"Bản sao lưu là của {kind}, còn ứng dụng đang dùng {engine.dialect.name}."
        )
    if not force and (found := target_contents(engine, uploads)):
        raise BackupError(
            "Nơi phục hồi không trống ("
            + "; ".join(found)
            + "). Dùng --force để ghi đè."
        )

    outcome = Outcome()
    files = manifest["files"]
    prefix = UPLOADS + "/"
    for name, entry in files.items():
        if not name.startswith(prefix):
            continue
        rel = _safe_relative(name[len(prefix) :])
        digest, size = _copy_hashing(src / name, uploads / rel)
        if digest != entry["sha256"]:
            raise BackupError(f"Tệp {name} thay đổi trong khi phục hồi.")
        outcome.files += 1
        outcome.bytes += size
    restored = {name[len(prefix) :] for name in files if name.startswith(prefix)}
    leftovers = sum(
        1
        for path in _regular_files(uploads)
        if path.relative_to(uploads).as_posix() not in restored
    )
    if leftovers:
        outcome.warnings.append(
            f"{leftovers} tệp cũ không có trong bản sao lưu vẫn nằm trong thư mục tải "
            "lên; `flask check-storage --fix` sẽ dọn các tệp không thuộc hồ sơ nào."
        )

    db_file = src / manifest["database"]["file"]
    echo("Đang phục hồi cơ sở dữ liệu…")
    engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(db_file, sqlite_path(engine))
    else:
        conninfo, env = _libpq(engine)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(db_file),
            ],
            env,
        )
    engine.dispose()

    with _reading(engine) as conn:
        outcome.tables = count_rows(conn)
        attachments = _stored_names(conn)
    engine.dispose()
    expected = manifest.get("tables", {})
    differ = sorted(
        name
        for name in set(expected) | set(outcome.tables)
        if expected.get(name) != outcome.tables.get(name)
    )
    if differ:
        raise BackupError(
            "Số dòng sau khi phục hồi khác tệp kê khai ở bảng: " + ", ".join(differ)
        )
    missing = [
        owner
        for owner, name in attachments
        if not (uploads / _upload_relpath(name)).is_file()
    ]
    if missing:
        outcome.warnings.append(
            f"{len(missing)} tệp đính kèm không có tệp (mã "
            f"{', '.join(map(str, missing[:10]))})."
        )
    log.info("restored %s into %s", src, engine.url.render_as_string())
    return outcome


def _restore_sqlite(backup: Path, target: Path) -> None:
    """Copy the backup into the database file through SQLite itself.

    The backup API writes under SQLite's locks and through its WAL, so a stale
    ``-wal`` file of the old database can never be replayed over the restored one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(_connect_read_only(backup)) as src,
        closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        src.backup(dst)
        _check_sqlite(dst, "cơ sở dữ liệu sau khi phục hồi")


# --- commands ------------------------------------------------------------------------
