"""A stored file as a download: validators (ETag, Last-Modified), 304 when unchanged."""

from __future__ import annotations

from typing import Any

from flask import Response, send_file

from .base import FileStore
from .local import LocalFileStore


def send_stored(
    store: FileStore,
    key: str,
    *,
    mimetype: str | None,
    download_name: str,
    as_attachment: bool,
    etag: str | None = None,
) -> Response | None:
    """The response serving ``key`` (conditional: a 304 when the client's copy is
    current), or None when the store has no such file."""
    source: Any
    if isinstance(store, LocalFileStore):
        info = store.stat(key)
        if info is None:
            return None
        source = store.path(key)  # the server's sendfile, and byte ranges
    else:
        try:
            # One lookup: the validators and the bytes are of the same version.
            info, source = store.open_with_info(key)
        except FileNotFoundError:
            return None
    try:
        resp = send_file(
            source,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=True,
            etag=etag or info.etag,
            last_modified=info.modified,
        )
    except FileNotFoundError:  # removed since the stat
        return None
    if resp.status_code == 200 and resp.content_length is None:
        resp.content_length = info.size
    return resp
