"""``flask notifications remind``: the daily reminders by hand (the consumer runs them
on its own every day)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

notifications_cli = AppGroup(
    "notifications", help="Thông báo: nhắc hạn, phiên thẩm định sắp kết thúc."
)


@notifications_cli.command("remind")
@click.option(
    "--dry-run", is_flag=True, help="Chỉ liệt kê những lời nhắc sẽ gửi, không gửi."
)
def remind(dry_run: bool) -> None:
    """Send the reminders due today that were not sent yet."""
    from . import run_in_app
    from .reminders import run

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    due = run_in_app(
        app, lambda: [(d.key, d.user_id) for d in run(app, dry_run=dry_run)]
    )
    for key, user_id in due:
        click.echo(f"{key}\tuser {user_id}")
    verb = "sẽ gửi" if dry_run else "đã gửi"
    click.echo(f"{len(due)} lời nhắc {verb}.")
