"""``flask jobs``: run the consumer, and read job progress from the command line."""

from __future__ import annotations

import json
import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from . import queue_for, records, recover_stale


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs (imports): the consumer and the job records."""


@jobs_group.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker(workers: int) -> None:
    """Run the job consumer until interrupted (Ctrl-C finishes the running jobs)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = queue_for(app)
    if queue.huey.immediate:
        raise click.ClickException(
            "Hàng đợi đang ở chế độ chạy ngay (JOBS_IMMEDIATE); không cần tiến trình xử lý."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Hàng đợi: {queue.storage_name}, {workers} luồng xử lý.")
    queue.huey.create_consumer(workers=workers, worker_type="thread").run()


@jobs_group.command("list")
@with_appcontext
def list_jobs() -> None:
    """The jobs of the last days, newest first."""
    for record in records.all_records(queue_for().huey):
        click.echo(
            f"{record.id}  {record.kind:<18} {record.state:<10} "
            f"{record.done}/{record.total}  lỗi: {record.error_count}  "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(record.created_at))}"
        )


@jobs_group.command("show")
@click.argument("job_id")
@with_appcontext
def show_job(job_id: str) -> None:
    """One job's progress and result as JSON."""
    record = records.load(queue_for().huey, job_id)
    if record is None:
        raise click.ClickException(f"Không có công việc {job_id}.")
    click.echo(json.dumps(record.to_json(), ensure_ascii=False, indent=2))


@jobs_group.command("recover")
@with_appcontext
def recover() -> None:
    """Queue again the jobs whose worker died (the consumer also does it every 5 min)."""
    queue = queue_for()
    found = recover_stale(queue, stale_seconds=current_app.config["JOBS_STALE_SECONDS"])
    click.echo(f"Đã xếp lại {len(found)} công việc.")
