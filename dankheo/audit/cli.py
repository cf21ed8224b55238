"""``flask --app app verify-history``: walk the hash chains, report the first break."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from .verify import verify_all


@click.command("verify-history")
@with_appcontext
def verify_history_command() -> None:
    """Check the hash chains of the history and the audit log.

    Exits 0 with the count of each chain when every link holds; otherwise prints the
    first broken link of each broken chain (table, record id, what is wrong) and exits 1.
    """
    reports = verify_all(db.engine)
    broken = False
    for report in reports:
        if report.intact:
            click.echo(
                f"Chuỗi {report.chain} (bảng {report.table}): {report.length} bản ghi, "
                f"nguyên vẹn; mã băm cuối {report.head_hash}."
            )
        else:
            broken = True
            assert report.broken is not None
            click.echo(
                f"Chuỗi {report.chain} BỊ PHÁ VỠ — {report.broken.describe()} "
                f"({report.length} bản ghi đầu tiên hợp lệ).",
                err=True,
            )
    if broken:
        raise SystemExit(1)
