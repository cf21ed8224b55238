"""The ``backup`` and ``restore`` commands."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from .common import (
    BackupError,
    Outcome,
)
from .create import create_backup
from .restore import restore_backup

log = logging.getLogger(__name__)


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
