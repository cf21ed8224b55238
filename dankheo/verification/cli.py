"""``flask --app app replay CAMPAIGN``: recompute a campaign's outcomes and funnel from
its recorded votes and rules, and report every difference."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..campaigns.models import Campaign
from ..extensions import db
from .replay import replay_campaign


def _chain(steps: list[tuple[str, int]]) -> str:
    return " → ".join(f"{n:,}".replace(",", ".") for _label, n in steps)


@click.command("replay")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option("--limit", default=50, show_default=True, help="Differences printed.")
@with_appcontext
def replay_command(campaign_id: int, limit: int) -> None:
    """Recompute every stage outcome of CAMPAIGN (its id) from the recorded votes,
    scores, attendance, recusals and rules, and the funnel from those outcomes.

    Exits 0 when everything agrees with what is stored and shown; otherwise prints
    each difference (exemplar, stage, council and round) and exits 1. Changes nothing.
    """
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"Không có đợt thi đua #{campaign_id}.")
    report = replay_campaign(campaign)
    db.session.rollback()  # read only: nothing to keep
    click.echo(f"Đợt thi đua #{campaign.id}: {campaign.name}")
    click.echo(
        f"Đã tính lại {report.rounds} phiên thẩm định, {report.results} kết quả vòng"
        f" ({report.backfilled} phiên có quy tắc bổ sung từ dữ liệu cũ,"
        f" {report.without_snapshot} phiên không có bản ghi quy tắc)."
    )
    if report.corrected:
        click.echo(
            f"{report.corrected} kết quả vòng đã được cơ quan thường trực đính chính"
            " (giữ nguyên như phiên đã quyết định, không còn là kết quả hiện hành)."
        )
    click.echo(f"Phễu đang hiển thị: {_chain(report.funnel_shown)}")
    click.echo(f"Phễu tính lại:      {_chain(report.funnel_recomputed)}")
    if report.ok:
        click.echo("Không có khác biệt.")
        return
    click.echo(f"{len(report.differences)} khác biệt:", err=True)
    for d in report.differences[:limit]:
        click.echo(f"- {d.describe()}", err=True)
    if len(report.differences) > limit:
        click.echo(f"… và {len(report.differences) - limit} khác biệt nữa.", err=True)
    raise SystemExit(1)
