"""What the backup and restore share: the layout, checksums, row counts and the
database tools."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, Engine

from ..db import transaction_intent
from ..extensions import db
from ..files.references import referenced_names

log = logging.getLogger(__name__)

FORMAT = "dankheo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
UPLOADS = "uploads"
_CHUNK = 1 << 20
ROOT = Path(__file__).resolve().parents[2]


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, in Vietnamese."""


@dataclass
class Outcome:
    """What a backup or restore did, for the command to print."""

    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)


# --- files -------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` (through a temporary name) and hash what was written."""
    digest = hashlib.sha256()
    size = 0
    tmp = dst.with_name(f".{dst.name}.part")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest(), size


def _regular_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (symbolic links are not followed), sorted."""
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and next(path.iterdir(), None) is None


def _entry(digest: str, size: int) -> dict[str, Any]:
    return {"sha256": digest, "size": size}


def _safe_relative(name: str) -> PurePosixPath:
    """A manifest path that stays inside the backup (never absolute, never ``..``)."""
    rel = PurePosixPath(name)
    if not name or rel.is_absolute() or any(p in ("", ".", "..") for p in rel.parts):
        raise BackupError(f"Tệp kê khai có đường dẫn không hợp lệ: {name!r}.")
    return rel


# --- versions and counts -----------------------------------------------------------


def app_version() -> str:
    try:
        with open(ROOT / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _table_names() -> list[str]:
    """The application's tables, parents first (the search index is not counted: it is
    derived from ``exemplars`` and travels with the database)."""
    from .. import models  # noqa: F401  (register every mapper)

    return [t.name for t in db.metadata.sorted_tables]


def count_rows(conn: Connection) -> dict[str, int]:
    """Rows per application table present in the database behind ``conn``."""
    present = set(inspect(conn).get_table_names())
    return {
        name: int(conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one())
        for name in _table_names()
        if name in present
    }


def _alembic_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _stored_names(conn: Connection) -> list[tuple[str, str]]:
    """(owner, stored name) of every file of the attachments' store whose bytes belong
    in the upload folder (a dossier's attachment, an objection's evidence: see
    :mod:`dankheo.files.references`); those kept by the database file store
    (``stored_files``) travel with the database's own copy."""
    return referenced_names(conn, skip_area="attachments")


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A read-only connection (on SQLite a deferred transaction: no write lock)."""
    with transaction_intent(write=False), engine.connect() as conn:
        yield conn


# --- SQLite --------------------------------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(
            "Chỉ sao lưu và phục hồi được cơ sở dữ liệu SQLite là một tệp."
        )
    return Path(name).resolve()


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, timeout=30)


def _check_sqlite(conn: sqlite3.Connection, what: str) -> None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(
            f"Kiểm tra toàn vẹn {what} không đạt: {'; '.join(map(str, result[:5]))}"
        )
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise BackupError(
            f"{what.capitalize()} có {len(broken)} dòng trỏ tới dòng không tồn tại "
            f"(bảng {broken[0][0]})."
        )


def _backup_sqlite(source: Path, target: Path) -> None:
    """Copy the live database with the online backup API, then check the copy."""
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp cơ sở dữ liệu {source}.")
    with (
        closing(_connect_read_only(source)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        # The copy inherits WAL mode; one self-contained file is what a backup wants.
        dst.execute("PRAGMA journal_mode = DELETE")
        _check_sqlite(dst, "bản sao cơ sở dữ liệu")


# --- PostgreSQL ----------------------------------------------------------------------


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the command-line tools, the password in the env."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Không tìm thấy {name}. Với PostgreSQL hãy sao lưu bằng "
            "`pg_dump --format=custom` cùng thư mục tải lên, phục hồi bằng "
            "`pg_restore` (xem mục «Sao lưu và phục hồi» trong README)."
        )
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(
            f"{Path(args[0]).name} thất bại (mã {done.returncode}): " + " ".join(detail)
        )


# --- backup --------------------------------------------------------------------------


def sqlite3_engine(path: Path) -> Engine:
    """A throw-away engine on a SQLite file, for reading it with SQLAlchemy."""
    return create_engine("sqlite:///" + str(path))


def _upload_relpath(stored_name: str) -> str:
    """Where an attachment lives under UPLOAD_FOLDER (the layout of registry.uploads)."""
    from ..registry.uploads import path_for_name, storage_root

    return path_for_name(stored_name).relative_to(storage_root()).as_posix()


# --- restore -------------------------------------------------------------------------
