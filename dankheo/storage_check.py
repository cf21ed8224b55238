"""Files and rows agree: every attachment row has its file, every stored file its row.

Disagreements are expected now and then: a worker killed between writing an upload and
committing its row leaves a file nobody names (the rollback that would remove it never
ran); a file deleted by hand, or lost with a disk, leaves a row whose download is a 404.

Only orphan files are ever removed, and only when they are older than a grace period,
so an upload whose transaction is still open is never taken from under it; each one is
checked against the database once more just before it goes. Rows without a file are
reported, never deleted: the dossier they belong to must be completed by a person.
Files that do not follow the storage layout (``xx/<name>``) are reported and left alone.
The check reads the configured store (:mod:`dankheo.files`): a folder, or the
``stored_files`` table, where a file and its row commit together.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .db import transaction_intent
from .extensions import db
from .files import ATTACHMENTS, FileStore, LocalFileStore, store_for
from .files.references import referenced_names

log = logging.getLogger(__name__)

DEFAULT_GRACE_MINUTES = 60


@dataclass(frozen=True)
class OrphanFile:
    key: str
    size: int
    age_seconds: float


@dataclass(frozen=True)
class MissingFile:
    attachment_id: int
    exemplar_id: int
    original_name: str
    stored_name: str


@dataclass(frozen=True)
class WrongSize:
    attachment_id: int
    exemplar_id: int
    expected: int
    actual: int


@dataclass
class StorageReport:
    orphans: list[OrphanFile] = field(default_factory=list)
    missing: list[MissingFile] = field(default_factory=list)
    wrong_size: list[WrongSize] = field(default_factory=list)
    unknown: list[Path] = field(default_factory=list)
    rows: int = 0
    files: int = 0

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing or self.wrong_size)


def check_storage(store: FileStore, *, now: float | None = None) -> StorageReport:
    """Compare the attachments' store with the ``attachments`` table (needs an app
    context). With the database store the two commit together, so only a file or
    row changed by hand can disagree."""
    from .registry.models import Attachment

    now = time.time() if now is None else now
    report = StorageReport()
    # Rows first: an upload committed after this read has a young file, which the
    # grace period protects; reading in a deferred transaction takes no write lock.
    with transaction_intent(write=False):
        rows = db.session.execute(
            select(
                Attachment.id,
                Attachment.exemplar_id,
                Attachment.original_name,
                Attachment.stored_name,
                Attachment.size,
            ).order_by(Attachment.id)
        ).all()
        # Files named elsewhere (an objection's evidence) are referenced too.
        others = referenced_names(db.session.connection())
        files = {info.key: info for info in store.entries()}
        report.unknown = list(store.strays())
        db.session.rollback()
    report.rows = len(rows)
    report.files = len(files)
    for att_id, exemplar_id, original, stored_name, size in rows:
        info = files.pop(stored_name, None)
        if info is None:
            report.missing.append(
                MissingFile(att_id, exemplar_id, original, stored_name)
            )
            continue
        if info.size != size:
            report.wrong_size.append(WrongSize(att_id, exemplar_id, size, info.size))
    for _owner, name in others:
        files.pop(name, None)
    for info in files.values():
        age = max(0.0, now - info.modified.timestamp())
        report.orphans.append(OrphanFile(info.key, info.size, age))
    return report


def remove_orphans(
    store: FileStore, report: StorageReport, *, grace_seconds: float
) -> tuple[list[OrphanFile], list[OrphanFile]]:
    """Delete the orphans older than the grace period: (removed, kept as too young).

    Each file is looked up once more right before it is removed, in case its row was
    committed since the check.
    """
    removed: list[OrphanFile] = []
    young: list[OrphanFile] = []
    with transaction_intent(write=False):
        for orphan in report.orphans:
            if orphan.age_seconds < grace_seconds:
                young.append(orphan)
                continue
            named = referenced_names(db.session.connection(), only=orphan.key)
            db.session.rollback()
            if named:
                continue
            with transaction_intent(write=True):
                store.delete(orphan.key)
                db.session.commit()  # the database store deletes in a transaction
            log.info("removed orphan upload %s (%s bytes)", orphan.key, orphan.size)
            removed.append(orphan)
    return removed, young


@click.command("check-storage")
@click.option(
    "--fix",
    is_flag=True,
    help="Remove files no attachment or objection names (rows are kept).",
)
@click.option(
    "--grace",
    type=click.IntRange(min=0),
    default=DEFAULT_GRACE_MINUTES,
    show_default=True,
    help="Minutes a file must be old before --fix removes it (uploads in flight).",
)
@with_appcontext
def check_storage_command(fix: bool, grace: int) -> None:
    """List files without rows and rows without files in the attachments' store.

    Exits with status 1 while any disagreement remains.
    """
    store = store_for(ATTACHMENTS)
    root = Path(store.root) if isinstance(store, LocalFileStore) else None
    report = check_storage(store)
    where = root if root is not None else "bảng stored_files"
    click.echo(
        f"Đã kiểm tra {report.rows} tệp đính kèm trong cơ sở dữ liệu và "
        f"{report.files} tệp trong {where}."
    )
    for orphan in report.orphans:
        shown = orphan.key if root is None else f"{orphan.key[:2]}/{orphan.key}"
        click.echo(
            f"Tệp không thuộc hồ sơ nào: {shown} "
            f"({orphan.size} byte, {orphan.age_seconds / 60:.0f} phút trước)"
        )
    for miss in report.missing:
        click.echo(
            f"Thiếu tệp: tệp đính kèm {miss.attachment_id} «{miss.original_name}» "
            f"của hồ sơ {miss.exemplar_id}"
        )
    for wrong in report.wrong_size:
        click.echo(
            f"Sai kích thước: tệp đính kèm {wrong.attachment_id} của hồ sơ "
            f"{wrong.exemplar_id} ({wrong.actual} byte, cần {wrong.expected})"
        )
    for path in report.unknown:
        shown_path = path.relative_to(root) if root is not None else path
        click.echo(f"Tệp lạ (không theo cách lưu, để nguyên): {shown_path}")

    remaining = len(report.orphans)
    if fix and report.orphans:
        removed, young = remove_orphans(store, report, grace_seconds=grace * 60)
        remaining = len(report.orphans) - len(removed)
        click.echo(f"Đã xóa {len(removed)} tệp không thuộc hồ sơ nào.")
        if young:
            click.echo(
                f"Giữ lại {len(young)} tệp mới hơn {grace} phút "
                "(có thể đang được tải lên)."
            )
    if report.missing or report.wrong_size:
        click.echo(
            "Các tệp đính kèm thiếu hoặc sai kích thước không bị xóa: hãy phục hồi tệp "
            "từ bản sao lưu hoặc đề nghị đơn vị tải lại."
        )
    if remaining or report.missing or report.wrong_size:
        raise SystemExit(1)
    click.echo("Tệp và cơ sở dữ liệu khớp nhau.")
