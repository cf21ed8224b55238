"""Long work in the background: one Huey queue per application, and job records.

The queue is embedded by default (``SqliteHuey`` in ``instance/jobs.sqlite3``) and moves
to Redis (``RedisHuey``) when ``DANKHEO_REDIS_URL`` is set, so several web processes and
consumers share it. With ``JOBS_IMMEDIATE`` (the default under ``TESTING``) a job runs
in the process that enqueues it, in memory.

A job is a record in the queue's own key-value store (see :mod:`.records`): the page and
the CLI read its progress there, and it outlives a restart of the consumer. Only one
Huey task exists, ``run_job(job_id, attempt)``; it dispatches on the record's ``kind`` to
the handler a package registered with :func:`register_handler`. A handler opens its
own app context and commits itself: a job has no request.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_INTERRUPTED

from ..actors import acting_as
from ..extensions import db
from . import records
from .records import JobRecord

log = logging.getLogger(__name__)

#: kind -> handler(app, record); packages register theirs when imported.
HANDLERS: dict[str, Callable[[Flask, JobRecord], None]] = {}
#: kind -> cleanup(app, record) run when a finished record is pruned (staged files).
CLEANUPS: dict[str, Callable[[Flask, JobRecord], None]] = {}

EXTENSION = "dankheo_jobs"


def register_handler(
    kind: str,
    handler: Callable[[Flask, JobRecord], None],
    cleanup: Callable[[Flask, JobRecord], None] | None = None,
) -> None:
    HANDLERS[kind] = handler
    if cleanup is not None:
        CLEANUPS[kind] = cleanup


@contextmanager
def running_for_owner(
    huey: Huey, record: JobRecord, owner_model: type[Any]
) -> Iterator[Any]:
    """A handler's opening: the record's owner is loaded (None for a record nobody
    owns: the system) and is the actor within the block, so what the job records is
    attributed as the page would be; the record is saved as running.

    The owner's model comes from the caller: the queue imports no package's model."""
    owner = db.session.get(owner_model, record.owner_id) if record.owner_id else None
    with acting_as(owner):
        record.state = "running"
        records.save(huey, record)
        yield owner


@dataclass
class JobQueue:
    """The application's queue and the one task that runs jobs on it."""

    huey: Huey
    run_job: Callable

    @property
    def storage_name(self) -> str:
        return type(self.huey).__name__


def build_huey(app: Flask) -> Huey:
    """SqliteHuey in the instance folder, or RedisHuey when a Redis URL is configured."""
    immediate = bool(app.config.get("JOBS_IMMEDIATE", app.testing))
    redis_url = app.config.get("JOBS_REDIS_URL") or os.environ.get("DANKHEO_REDIS_URL")
    name = app.config.get("JOBS_QUEUE_NAME", "dankheo")
    # Job results are records we write ourselves; Huey's own result store stays off.
    if redis_url:
        return RedisHuey(name, url=redis_url, results=False, immediate=immediate)
    path = app.config.get("JOBS_SQLITE_PATH") or str(
        Path(app.instance_path) / "jobs.sqlite3"
    )
    return SqliteHuey(name, filename=path, results=False, immediate=immediate)


def init_app(app: Flask) -> JobQueue:
    """Build the queue for ``app`` and register the job task, recovery and pruning."""
    for env, key in (
        ("DANKHEO_REDIS_URL", "JOBS_REDIS_URL"),
        ("DANKHEO_IMPORT_FOLDER", "IMPORT_FOLDER"),
    ):
        if os.environ.get(env) and not app.config.get(key):
            app.config[key] = os.environ[env]
    app.config.setdefault("IMPORT_FOLDER", str(Path(app.instance_path) / "imports"))
    app.config.setdefault("JOBS_STALE_SECONDS", 300)
    app.config.setdefault("JOBS_KEEP_DAYS", 7)
    huey = build_huey(app)

    @huey.task(name="dankheo.run_job")
    def run_job(job_id: str, attempt: int) -> None:
        execute(app, huey, job_id, attempt)

    @huey.signal(SIGNAL_INTERRUPTED)
    def _requeue_interrupted(_signal, task, *_args) -> None:
        # The consumer stopped while this job ran: its transaction was rolled back, so
        # the job starts again from the beginning when a consumer next runs.
        if task.name == "dankheo.run_job":
            job_id = task.args[0]
            record = records.load(huey, job_id)
            if record is not None and record.state in records.ACTIVE:
                requeue(queue, record)

    @huey.on_startup()
    def _recover_on_startup() -> None:
        recover_stale(queue, stale_seconds=app.config["JOBS_STALE_SECONDS"])

    @huey.periodic_task(crontab(minute="*/5"), name="dankheo.recover_jobs")
    def _recover_periodically() -> None:
        recover_stale(queue, stale_seconds=app.config["JOBS_STALE_SECONDS"])
        records.prune_outputs(huey)
        for record in records.prune(huey, keep_days=app.config["JOBS_KEEP_DAYS"]):
            if record.kind in CLEANUPS:
                CLEANUPS[record.kind](app, record)

    queue = JobQueue(huey=huey, run_job=run_job)
    app.extensions[EXTENSION] = queue
    return queue


def queue_for(app: Flask | None = None) -> JobQueue:
    return (app or current_app).extensions[EXTENSION]


def start(record: JobRecord, app: Flask | None = None) -> None:
    """Enqueue ``record``. Inside a request it is enqueued once the request's transaction
    has committed (an immediate-mode job must not wait on the request's write lock,
    and a consumer must see what the request wrote)."""
    queue = queue_for(app)

    def _enqueue() -> None:
        requeue(queue, record)

    if has_request_context():

        @after_this_request
        def _after(response):
            if response.status_code < 400:
                _enqueue()
            return response

    else:
        _enqueue()


def save_after_commit(record: JobRecord, app: Flask | None = None) -> None:
    """Save ``record`` once the request's transaction has committed (at once outside
    a request): a record must never say "done" for rows that were rolled back."""
    huey = queue_for(app).huey
    if not has_request_context():
        records.save(huey, record)
        return

    @after_this_request
    def _after(response):
        if response.status_code < 400:
            records.save(huey, record)
        return response


def requeue(queue: JobQueue, record: JobRecord) -> None:
    """Queue one more attempt: a worker claims each attempt once, so a job queued twice
    (a double confirm, two consumers recovering it) still runs once."""
    record.attempt += 1
    record.state = "queued"
    records.save(queue.huey, record)
    queue.run_job(record.id, record.attempt)


def recover_stale(queue: JobQueue, *, stale_seconds: float) -> list[str]:
    """Queue again the jobs whose worker stopped beating (a killed consumer). Their
    transaction never committed, so running them again from the start is safe."""
    recovered = []
    for record in records.all_records(queue.huey):
        if record.state in ("running", "committing") and record.is_stale(stale_seconds):
            log.warning("job %s stopped at %s; queued again", record.id, record.state)
            requeue(queue, record)
            recovered.append(record.id)
    return recovered


def execute(app: Flask, huey: Huey, job_id: str, attempt: int) -> None:
    """Run one attempt of a job, unless another worker already claimed it."""
    record = records.load(huey, job_id)
    if record is None or record.attempt != attempt:
        return  # pruned, or superseded by a later attempt
    if not huey.put_if_empty(f"{records.PREFIX}claim:{job_id}:{attempt}", "1"):
        return
    handler = HANDLERS.get(record.kind)
    if handler is None:
        records.fail(huey, record, "unknown job kind")
        return
    try:
        handler(app, record)
    except Exception:
        log.exception("job %s failed", job_id)
        records.fail(huey, records.load(huey, job_id) or record, None)
        raise


__all__ = [
    "HANDLERS",
    "JobQueue",
    "JobRecord",
    "init_app",
    "queue_for",
    "recover_stale",
    "register_handler",
    "requeue",
    "save_after_commit",
    "start",
]
