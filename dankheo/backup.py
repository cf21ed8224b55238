"""Backup and restore: the database, the uploaded files, and a manifest of checksums.

A backup is a new directory::

    manifest.json        format version, time, versions, table row counts, SHA-256 of
                         every other file; written last, so a backup without it is
                         incomplete and ``restore`` refuses it
    database.sqlite3     SQLite: a consistent copy made with the online backup API
    database.dump        PostgreSQL: ``pg_dump --format=custom``
    uploads/xx/<name>    the attachments, laid out as in UPLOAD_FOLDER

SQLite's backup API copies one snapshot while the application keeps serving (in WAL
mode readers never block writers). On PostgreSQL the row counts are read in the very
snapshot ``pg_dump`` dumps (``pg_export_snapshot``), so the manifest describes the dump.

The database is copied before the files: an upload committed meanwhile only adds a
file without a row (an orphan, harmless, cleaned by ``check-storage``); an attachment
removed meanwhile may leave its row without a file, which the manifest lists.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, Engine

from .db import utcnow, write_intent
from .extensions import db

log = logging.getLogger(__name__)

FORMAT = "dankheo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
UPLOADS = "uploads"
_CHUNK = 1 << 20
ROOT = Path(__file__).resolve().parent.parent


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
    from . import models  # noqa: F401  (register every mapper)

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


def _stored_names(conn: Connection) -> list[tuple[int, str]]:
    if not inspect(conn).has_table("attachments"):
        return []
    rows = conn.exec_driver_sql("SELECT id, stored_name FROM attachments ORDER BY id")
    return [(int(r[0]), str(r[1])) for r in rows]


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A read-only connection (on SQLite a deferred transaction: no write lock)."""
    token = write_intent.set(False)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        write_intent.reset(token)


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
        att_id
        for att_id, name in attachments
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


def sqlite3_engine(path: Path) -> Engine:
    """A throw-away engine on a SQLite file, for reading it with SQLAlchemy."""
    return create_engine("sqlite:///" + str(path))


def _upload_relpath(stored_name: str) -> str:
    """Where an attachment lives under UPLOAD_FOLDER (the layout of registry.uploads)."""
    from .registry.uploads import path_for_name, storage_root

    return path_for_name(stored_name).relative_to(storage_root()).as_posix()


# --- restore -------------------------------------------------------------------------


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
        att_id
        for att_id, name in attachments
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


def _summary(outcome: Outcome) -> str:
    rows = sum(outcome.tables.values())
    return (
        f"{len(outcome.tables)} bảng, {rows} dòng; {outcome.files} tệp tải lên "
        f"({outcome.bytes / 1_048_576:.1f} MB)"
    )


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the database and uploads into DEST, a new directory.

    SQLite is copied while the application runs; PostgreSQL needs pg_dump on PATH.
    """
    try:
        outcome = create_backup(
            dest, db.engine, Path(current_app.config["UPLOAD_FOLDER"]), echo=click.echo
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in outcome.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã sao lưu vào {dest}: {_summary(outcome)}.")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Overwrite a database or upload folder with data."
)
@with_appcontext
def restore_command(src: Path, force: bool) -> None:
    """Restore a backup made by `backup` (stop the application first).

    The checksums are verified before anything is written.
    """
    click.echo(
        "Lưu ý: hãy dừng ứng dụng (không phục vụ người dùng) trong khi phục hồi."
    )
    try:
        outcome = restore_backup(
            src,
            db.engine,
            Path(current_app.config["UPLOAD_FOLDER"]),
            force=force,
            echo=click.echo,
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in outcome.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(f"Đã phục hồi từ {src}: {_summary(outcome)}; kiểm tra toàn vẹn đạt.")
