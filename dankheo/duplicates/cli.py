"""``flask find-duplicates``: the back-fill, here or as a background job."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from .backfill import find_duplicates
from .jobs import start_scan


@click.command("find-duplicates")
@click.option(
    "--campaign", "campaign_id", type=int, default=None, help="Mã đợt thi đua."
)
@click.option("--reindex", is_flag=True, help="Tính lại khóa của mọi hồ sơ.")
@click.option("--background", is_flag=True, help="Chạy như công việc nền.")
@with_appcontext
def find_duplicates_command(
    campaign_id: int | None, reindex: bool, background: bool
) -> None:
    """Find possible duplicates among submitted exemplars (all, or one campaign)."""
    if background:
        record = start_scan(campaign_id=campaign_id, reindex=reindex, owner_id=None)
        click.echo(f"Đã xếp công việc {record.id}.")
        return
    summary = find_duplicates(campaign_id=campaign_id, reindex=reindex)
    db.session.commit()
    click.echo(
        f"Đã lập khóa {summary.indexed} hồ sơ, {summary.candidates} cặp ứng viên, "
        f"{summary.found} cặp có thể trùng ({summary.new} mới, "
        f"{summary.removed} gỡ bỏ)."
    )
