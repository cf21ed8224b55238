"""Writing checked rows: the spooled rows go in with Core ``insert()`` in batches, in
one transaction that the caller commits."""

from __future__ import annotations

import logging
import pickle
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import insert

from ...db import table_of, transaction_intent
from ...extensions import db
from ..models import Exemplar
from ..signals import exemplars_imported
from .checking import (
    ImportContext,
    Outcome,
    Progress,
    check,
    database_duplicates,
    no_progress,
)

log = logging.getLogger(__name__)

BATCH = 1000


def write(
    ctx: ImportContext, outcome: Outcome, progress: Progress = no_progress
) -> int:
    """Insert the spooled rows with Core ``insert()`` in batches; never commits.

    Duplicates against the database are looked for again first, inside the writing
    transaction: another import may have landed since the check."""
    assert outcome.ok and outcome.spool is not None
    duplicates = database_duplicates(ctx, outcome.keys)
    if duplicates:
        outcome.db_duplicates = len(duplicates)
        outcome.add(duplicates)
        return 0
    spool = outcome.spool
    spool.seek(0)
    table = table_of(Exemplar)
    written, batch = 0, []
    progress("write", 0, outcome.rows)
    while True:
        try:
            batch.append(pickle.load(spool))
        except EOFError:
            break
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            written += len(batch)
            batch = []
            progress("write", written, outcome.rows)
    if batch:
        db.session.execute(insert(table), batch)
        written += len(batch)
    progress("write", written, outcome.rows)
    outcome.written = written
    exemplars_imported.send(ctx.campaign, count=written, actor=ctx.actor)
    log.info("imported %d exemplars into campaign %s", written, ctx.campaign.id)
    return written


def import_file(
    ctx: ImportContext,
    path: Path,
    fmt: str,
    progress: Progress = no_progress,
    *,
    separate_read: bool = False,
) -> Outcome:
    """Check the file and, when every row is good, write them all (the caller commits,
    or rolls back when the outcome has errors).

    With ``separate_read`` (jobs and the command line) the check runs in a read-only
    transaction and the writes in a second one, so a long check never holds SQLite's
    write lock. The caller closes the outcome."""
    with transaction_intent(write=False) if separate_read else nullcontext():
        try:
            outcome = check(ctx, path, fmt, progress)
        finally:
            if separate_read:
                db.session.rollback()  # nothing was written: this ends the read
    if outcome.ok:
        # The write alone holds SQLite's write lock (a job reads with it off).
        with transaction_intent(write=True) if separate_read else nullcontext():
            write(ctx, outcome, progress)
    return outcome
