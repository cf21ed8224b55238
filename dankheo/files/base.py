"""What every file store offers (see :mod:`dankheo.files`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO, Protocol

#: Bytes read or written at a time.
BLOCK = 1 << 20


@dataclass(frozen=True)
class FileInfo:
    key: str
    size: int
    modified: datetime
    #: A validator that changes whenever the bytes do (for ETag).
    etag: str


class FileStore(Protocol):
    #: "local" or "database".
    kind: str
    #: True when put/delete take effect with the session's transaction (no hooks).
    transactional: bool

    def put(self, key: str, data: bytes | IO[bytes]) -> FileInfo:
        """Write ``data`` (bytes or a binary stream, read in blocks) under ``key``,
        replacing what was there."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The bytes of ``key``, read in blocks; FileNotFoundError when missing. The
        stream needs no application context (a download reads it after the view)."""
        ...

    def open_with_info(self, key: str) -> tuple[FileInfo, BinaryIO]:
        """The details and the bytes of one and the same version (raises
        FileNotFoundError)."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens when it is missing."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def stat(self, key: str) -> FileInfo | None: ...

    def entries(self) -> Iterator[FileInfo]:
        """Every file of the area, by key."""
        ...

    def strays(self) -> Iterator[Path]:
        """Files in the store's place that do not follow its layout (reported)."""
        ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A path on this machine holding the bytes of ``key`` for the block (for
        readers that need a file name); a copy when the store is not a folder."""
        ...


def blocks(data: bytes | IO[bytes]) -> Iterator[bytes]:
    """``data`` in blocks of at most :data:`BLOCK` bytes."""
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        for start in range(0, len(view), BLOCK):
            yield bytes(view[start : start + BLOCK])
        return
    while chunk := data.read(BLOCK):
        yield chunk
