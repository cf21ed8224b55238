"""The embedded store: a folder on this machine's disk (see :mod:`dankheo.files`)."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, BinaryIO

from .base import FileInfo, blocks


class LocalFileStore:
    """Files under ``root``; with ``sharded`` a key lives in ``root/<key[:2]>/<key>``
    (the attachments' layout), else in ``root/<key>``."""

    kind = "local"
    transactional = False

    def __init__(self, root: str | Path, *, sharded: bool = False) -> None:
        self.root = Path(root)
        self.sharded = sharded

    def path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"not a file key: {key!r}")
        return self.root / key[:2] / key if self.sharded else self.root / key

    def put(self, key: str, data: bytes | IO[bytes]) -> FileInfo:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{key}.{secrets.token_hex(4)}.tmp"
        digest = hashlib.sha256()
        try:
            with open(tmp, "xb") as out:
                for chunk in blocks(data):
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        info = self.stat(key)
        assert info is not None
        return info

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def open_with_info(self, key: str) -> tuple[FileInfo, BinaryIO]:
        """The details and the bytes of one version (a replacement renames a new
        file over the path: the open file keeps the version it opened)."""
        fh = self.open(key)
        return _info(key, os.fstat(fh.fileno())), fh

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int | None:
        info = self.stat(key)
        return info.size if info else None

    def stat(self, key: str) -> FileInfo | None:
        try:
            st = self.path(key).stat()
        except FileNotFoundError:
            return None
        return _info(key, st)

    def entries(self) -> Iterator[FileInfo]:
        for path in self.files():
            rel = path.relative_to(self.root).parts
            if self.sharded and not (len(rel) == 2 and rel[0] == path.name[:2]):
                continue
            if not self.sharded and len(rel) != 1:
                continue
            yield _info(path.name, path.stat())

    def strays(self) -> Iterator[Path]:
        """Files that do not follow the layout (left alone, reported)."""
        for path in self.files():
            rel = path.relative_to(self.root).parts
            wanted = (
                (len(rel) == 2 and rel[0] == path.name[:2])
                if self.sharded
                else (len(rel) == 1)
            )
            if not wanted:
                yield path

    def files(self) -> Iterator[Path]:
        """Regular visible files under the root (hidden ones are copies in flight)."""
        if not self.root.is_dir():
            return
        for folder, dirs, names in os.walk(self.root):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if name.startswith(".") or path.is_symlink() or not path.is_file():
                    continue
                yield path

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        yield path


def _info(key: str, st: os.stat_result) -> FileInfo:
    return FileInfo(
        key=key,
        size=st.st_size,
        modified=datetime.fromtimestamp(st.st_mtime, UTC),
        etag=f"{st.st_mtime_ns:x}-{st.st_size:x}",
    )
