"""Where the product keeps files: attachments, staged imports, the open-data files.

Every file lives in an *area* of a :class:`FileStore`, named by a key. Two stores exist:

- ``local`` (the embedded default): a folder per area on this machine's disk
  (UPLOAD_FOLDER, IMPORT_FOLDER, OPEN_DATA_FOLDER, all under the instance folder
  unless set), written beside the final name and renamed, so a reader never sees
  half a file. Only the processes of one machine see it.
- ``database`` (``DANKHEO_FILE_STORE=database``): the ``stored_files`` table, the bytes
  in chunks of ``CHUNK_BYTES`` (see :mod:`.database`), on SQLite or PostgreSQL. Every
  instance that shares the database sees every file, the files are part of the
  database's backup, and a file written in a transaction is there exactly when the
  transaction commits.

Callers never touch paths: they ``put``, ``open``, ``delete`` and ask ``exists``,
``size`` or ``stat``; a download goes through :func:`send_stored`.
"""

from __future__ import annotations

from flask import Flask, current_app

from .base import FileInfo, FileStore
from .database import DatabaseFileStore
from .local import LocalFileStore
from .serving import send_stored
from .transactions import delete_on_commit, discard_on_rollback

ATTACHMENTS = "attachments"
IMPORTS = "imports"
OPEN_DATA = "open-data"

#: area -> (config key of its local folder, folder under the instance folder, sharded)
AREAS = {
    ATTACHMENTS: ("UPLOAD_FOLDER", "uploads", True),
    IMPORTS: ("IMPORT_FOLDER", "imports", False),
    OPEN_DATA: ("OPEN_DATA_FOLDER", "open-data", False),
}
KINDS = ("local", "database")


def store_kind(app: Flask | None = None) -> str:
    kind = str((app or current_app).config.get("FILE_STORE") or "local").lower()
    if kind not in KINDS:
        raise ValueError(f"DANKHEO_FILE_STORE must be one of {KINDS}, not {kind!r}")
    return kind


def store_for(area: str, app: Flask | None = None) -> FileStore:
    """The configured store of ``area`` (``attachments``, ``imports``, ``open-data``)."""
    app = app or current_app
    config_key, default, sharded = AREAS[area]
    if store_kind(app) == "database":
        return DatabaseFileStore(area)
    root = app.config.get(config_key) or f"{app.instance_path}/{default}"
    return LocalFileStore(root, sharded=sharded)


__all__ = [
    "AREAS",
    "ATTACHMENTS",
    "IMPORTS",
    "OPEN_DATA",
    "DatabaseFileStore",
    "FileInfo",
    "FileStore",
    "LocalFileStore",
    "delete_on_commit",
    "discard_on_rollback",
    "send_stored",
    "store_for",
    "store_kind",
]
