"""Command-line twins of the import pages: ``flask import-exemplars`` and
``flask import-units``. A bad file exits non-zero, prints every error with its Excel row
number, and imports nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..actors import acting_as
from ..auth.models import User
from ..campaigns.models import Campaign
from ..errors import DomainError, translate
from ..extensions import db
from . import bulk


def cli_user(username: str | None) -> User | None:
    if username is None:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"Không có tài khoản “{username}” đang hoạt động.")
    return user


def echo_errors(errors: list[Any], count: int) -> None:
    for e in errors:
        where = f"Dòng {e.row}" if e.row else "Tệp"
        column = f", cột “{e.column}”" if e.column else ""
        click.echo(f"{where}{column}: {translate(e.message, **e.values)}", err=True)
    if count > len(errors):
        click.echo(f"… và {count - len(errors)} lỗi khác.", err=True)


class ProgressBars:
    """One click progress bar per step of the import (check, then write)."""

    LABELS = {
        "check": "Kiểm tra",
        "hash": "Tạo mật khẩu",
        "write": "Ghi vào cơ sở dữ liệu",
    }

    def __init__(self) -> None:
        self.step: str | None = None
        self.bar: Any = None

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self.step:
            self.close()
            self.step = step
            self.bar = click.progressbar(
                length=max(total, 1), label=self.LABELS.get(step, step)
            ).__enter__()
        self.bar.length = max(total, done, 1)
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("import-exemplars")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_id", type=int, required=True, help="Mã số đợt.")
@click.option(
    "--as",
    "username",
    default=None,
    help="Nhập với quyền của tài khoản này (mặc định: toàn bộ địa bàn của đợt).",
)
@with_appcontext
def import_exemplars(file: Path, campaign_id: int, username: str | None) -> None:
    """Register exemplars from an XLSX or CSV file: every row, or none."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"Không có đợt số {campaign_id}.")
    try:
        fmt = bulk.detect_format(file.name)
        ctx = bulk.context_for(campaign, cli_user(username))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    bars = ProgressBars()
    try:
        outcome = bulk.import_file(ctx, file, fmt, bars, separate_read=True)
    finally:
        bars.close()
    try:
        if not outcome.ok:
            db.session.rollback()
            echo_errors(outcome.errors, outcome.error_count)
            click.echo(
                f"Chưa nhập: tệp có {outcome.error_count} lỗi; không dòng nào được lưu.",
                err=True,
            )
            raise SystemExit(1)
        # The command is its own transaction: every row, committed once.
        with acting_as(ctx.actor):
            db.session.commit()
    finally:
        outcome.close()
    click.echo(f"Đã nhập {outcome.written} hồ sơ (bản nháp) vào đợt “{campaign.name}”.")


@click.command("import-units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "username",
    default=None,
    help="Nhập trong phạm vi của tài khoản này (mặc định: toàn bộ cây đơn vị).",
)
@with_appcontext
def import_units(file: Path, username: str | None) -> None:
    """Add units to the tree from an XLSX file (the admin page's format): all or none."""
    from ..auth.scopes import secretariat_scopes
    from ..units.imports import apply_rows, check_tree, read_rows

    user = cli_user(username)
    scopes = secretariat_scopes(user) if user else ["/"]
    if not scopes:
        raise click.ClickException("Tài khoản này không quản lý đơn vị nào.")
    with open(file, "rb") as stream:
        rows, errors = read_rows(stream)
    errors += check_tree(rows, scopes)
    if errors:
        errors.sort(key=lambda e: e.row)
        for e in errors:
            where = f"Dòng {e.row}" if e.row else "Tệp"
            column = f", cột “{e.column}”" if e.column else ""
            click.echo(f"{where}{column}: {translate(e.message, **e.params)}", err=True)
        click.echo(f"Chưa nhập: tệp có {len(errors)} lỗi.", err=True)
        raise SystemExit(1)
    created = apply_rows(rows)
    # The command is its own transaction: every unit, committed once.
    with acting_as(user):
        db.session.commit()
    click.echo(f"Đã nhập {len(created)} đơn vị.")
