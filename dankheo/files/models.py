"""The database file store's tables: one row per file, its bytes in chunks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import Model


class StoredFileRow(Model):
    """A file of the database store: ``area`` (attachments, imports, open-data) and
    ``key`` name it; ``size`` and ``sha256`` describe the bytes in its chunks."""

    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("area", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredFileChunk(Model):
    """One piece of a stored file (at most ``CHUNK_BYTES``), read one at a time so a
    download's memory stays bounded whatever the file's size."""

    __tablename__ = "stored_file_chunks"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
