"""The shared store: files as rows of ``stored_files``, their bytes in chunks.

Writes go through the session (``db.session``), so a file is written, replaced or
removed together with the rows that name it: when the transaction rolls back the
file was never there. A download reads the chunks one at a time on a connection of its
own, in one statement (one snapshot: a file replaced once the reading has begun still
arrives whole, as it was; one replaced before it begins fails the reader rather than
end it short), so memory stays at about one chunk whatever the file's size.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..db import table_of, transaction_intent, utcnow
from ..extensions import db
from .base import FileInfo, blocks
from .models import StoredFileChunk, StoredFileRow

#: The most bytes one chunk row holds.
CHUNK_BYTES = 1 << 20
#: session.info key: the (area, key) this transaction wrote (see open()).
WRITTEN = "dankheo_files_written"

F = table_of(StoredFileRow)
C = table_of(StoredFileChunk)


class DatabaseFileStore:
    kind = "database"
    transactional = True

    def __init__(self, area: str) -> None:
        self.area = area

    def _row(self, key: str):
        return db.session.execute(
            select(F.c.id, F.c.key, F.c.size, F.c.modified_at, F.c.sha256).where(
                F.c.area == self.area, F.c.key == key
            )
        ).first()

    def put(self, key: str, data: bytes | IO[bytes]) -> FileInfo:
        session = db.session
        # Written under a temporary key, then renamed over the old file in the same
        # transaction: the (area, key) stays unique and readers see old or new.
        temp = f".{secrets.token_hex(8)}"
        now = utcnow()
        file_id = session.execute(
            insert(F)
            .values(area=self.area, key=temp, size=0, sha256="", modified_at=now)
            .returning(F.c.id)
        ).scalar_one()
        digest, size, seq = hashlib.sha256(), 0, 0
        for block in blocks(data):
            for start in range(0, len(block), CHUNK_BYTES):
                piece = block[start : start + CHUNK_BYTES]
                session.execute(insert(C).values(file_id=file_id, seq=seq, data=piece))
                digest.update(piece)
                size += len(piece)
                seq += 1
        self.delete(key)
        session.info.setdefault(WRITTEN, set()).add((self.area, key))
        session.execute(
            update(F)
            .where(F.c.id == file_id)
            .values(key=key, size=size, sha256=digest.hexdigest())
        )
        return FileInfo(key, size, now, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return self.open_with_info(key)[1]

    def open_with_info(self, key: str) -> tuple[FileInfo, BinaryIO]:
        """The file's details and its bytes, both of one version (the row is resolved
        once: a replacement meanwhile cannot mix two versions)."""
        row = self._row(key)
        if row is None:
            raise FileNotFoundError(key)
        if row.size <= CHUNK_BYTES:
            # One chunk at most: read now, in this transaction.
            return _info(row), io.BytesIO(b"".join(self._session_chunks(row.id)))
        if (self.area, key) in db.session.info.get(WRITTEN, ()):
            # Written by this transaction: only its own connection sees it.
            chunks = self._session_chunks(row.id)
        else:
            chunks = _stream(db.engine, row.id, row.size)
        return _info(row), io.BufferedReader(_ChunkReader(chunks), CHUNK_BYTES)

    def _session_chunks(self, file_id: int) -> Generator[bytes, None, None]:
        """The chunks through the session (sees this transaction's own writes), one
        statement per chunk so only one is in memory."""
        seq = 0
        while True:
            data = db.session.scalar(
                select(C.c.data).where(C.c.file_id == file_id, C.c.seq == seq)
            )
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def delete(self, key: str) -> None:
        ids = select(F.c.id).where(F.c.area == self.area, F.c.key == key)
        db.session.execute(delete(C).where(C.c.file_id.in_(ids)))
        db.session.execute(delete(F).where(F.c.area == self.area, F.c.key == key))

    def exists(self, key: str) -> bool:
        return self._row(key) is not None

    def size(self, key: str) -> int | None:
        row = self._row(key)
        return row.size if row else None

    def stat(self, key: str) -> FileInfo | None:
        row = self._row(key)
        return _info(row) if row else None

    def entries(self) -> Iterator[FileInfo]:
        rows = db.session.execute(
            select(F.c.id, F.c.key, F.c.size, F.c.modified_at, F.c.sha256)
            .where(F.c.area == self.area, ~F.c.key.startswith("."))
            .order_by(F.c.key)
        ).all()
        for row in rows:
            yield _info(row)

    def strays(self) -> Iterator[Path]:
        return iter(())

    @contextlib.contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        row = self._row(key)
        if row is None:
            raise FileNotFoundError(key)
        suffix = Path(key).suffix
        with tempfile.TemporaryDirectory(prefix="dankheo-") as folder:
            path = Path(folder) / f"file{suffix}"
            with self.open(key) as src, open(path, "wb") as out:
                shutil.copyfileobj(src, out, CHUNK_BYTES)
            yield path


def _info(row) -> FileInfo:
    return FileInfo(row.key, row.size, row.modified_at, row.sha256)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_written(session: Session) -> None:
    session.info.pop(WRITTEN, None)


class _ChunkReader(io.RawIOBase):
    """A file's chunks as a stream (the generator, and the connection it may hold,
    are released at close)."""

    def __init__(self, chunks: Generator[bytes, None, None]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._buf:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buf = memoryview(chunk)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._chunks.close()
        super().close()


class FileReplaced(OSError):
    """The version being read was replaced or removed before its first chunk was
    read: the reader fails rather than end early (a short or empty download under
    the old length and validators)."""


def _stream(engine: Engine, file_id: int, size: int) -> Generator[bytes, None, None]:
    """The committed chunks, on a connection of its own in one statement (needs no
    application context: a download reads it after the view has returned). Raises
    :class:`FileReplaced` unless exactly ``size`` bytes came back."""
    with transaction_intent(write=False):
        read = 0
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=1).execute(
                select(C.c.data).where(C.c.file_id == file_id).order_by(C.c.seq)
            )
            for (data,) in result:
                read += len(data)
                yield bytes(data)
        if read != size:
            raise FileReplaced(f"stored file {file_id}: {read} of {size} bytes")
