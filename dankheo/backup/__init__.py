"""Backup and restore: the database, the uploaded files, and a manifest of checksums.

A backup is a new directory::

    manifest.json        format version, time, versions, table row counts, SHA-256 of
                         every other file; written last, so a backup without it is
                         incomplete and ``restore`` refuses it
    database.sqlite3     SQLite: a consistent copy made with the online backup API
    database.dump        PostgreSQL: ``pg_dump --format=custom``
    uploads/xx/<name>    the attachments, laid out as in UPLOAD_FOLDER (with the
                         database file store, DANKHEO_FILE_STORE=database, the
                         bytes are rows of stored_files, inside the database copy)

SQLite's backup API copies one snapshot while the application keeps serving (in WAL
mode readers never block writers). On PostgreSQL the row counts are read in the very
snapshot ``pg_dump`` dumps (``pg_export_snapshot``), so the manifest describes the dump.

The database is copied before the files: an upload committed meanwhile only adds a
file without a row (an orphan, harmless, cleaned by ``check-storage``); an attachment
removed meanwhile may leave its row without a file, which the manifest lists.
"""

from .cli import backup_command, restore_command

__all__ = ["backup_command", "restore_command"]
