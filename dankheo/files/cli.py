"""``flask copy-files-to-database``: bring the files of the local folders into the
database store, for a site that moves to ``DANKHEO_FILE_STORE=database`` (or that
restored a backup of a folder-store site)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from . import AREAS, DatabaseFileStore, LocalFileStore


@click.command("copy-files-to-database")
@with_appcontext
def copy_files_to_database() -> None:
    """Copy every file of the local folders (attachments, staged imports, open-data
    files) into the database store; files already there are left as they are, the
    folders are not touched. Safe to run again."""
    app = current_app
    copied = kept = 0
    for area, (config_key, default, sharded) in AREAS.items():
        root = app.config.get(config_key) or f"{app.instance_path}/{default}"
        local = LocalFileStore(root, sharded=sharded)
        target = DatabaseFileStore(area)
        for info in local.entries():
            if target.exists(info.key):
                kept += 1
                continue
            with local.open(info.key) as fh:
                target.put(info.key, fh)
            db.session.commit()  # one file per transaction: memory and locks stay small
            copied += 1
    click.echo(f"Đã chép {copied} tệp vào cơ sở dữ liệu; {kept} tệp đã có sẵn.")
