"""Attachment storage: content sniffed (never trusted from the name), stored outside
static under a random name, the original (Vietnamese) file name kept in the database."""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import zipfile
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app

from ..domain import N_
from ..errors import InvalidInput
from ..files import (
    ATTACHMENTS,
    FileStore,
    delete_on_commit,
    discard_on_rollback,
    send_stored,
    store_for,
)

#: Accepted types: sniffed type -> (content type, allowed extensions).
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "doc": ("application/msword", ("doc",)),
    "xls": ("application/vnd.ms-excel", ("xls",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",),
    ),
    "jpeg": ("image/jpeg", ("jpg", "jpeg")),
    "png": ("image/png", ("png",)),
}
ACCEPT = ",".join("." + ext for _ct, exts in TYPES.values() for ext in exts)
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


class UploadError(InvalidInput):
    """The file cannot be accepted; the message says why, in the user's words."""

    default = N_("Không nhận được tệp này.")


def clean_name(filename: str | None) -> str:
    """Keep the user's file name for display: no directories, no control characters.

    ``secure_filename`` would turn "Báo cáo thành tích.pdf" into "Bao_cao..." or worse
    ("Đ.pdf" -> "pdf"), so the name is only cleaned, and never used on disk.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext) if dot and len(ext) <= 8 else name[:200]
    return name


def sniff(head: bytes, data: BinaryIO) -> str | None:
    """Return the sniffed type key from the file's bytes, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(OLE2):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        try:
            data.seek(0)
            with zipfile.ZipFile(data) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def attachment_store() -> FileStore:
    """The store of attachments (a folder by default, or the shared database)."""
    return store_for(ATTACHMENTS)


def storage_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_for(attachment) -> Path:
    """Where the local store keeps an attachment's bytes (random name, sharded by its
    first two letters)."""
    return path_for_name(attachment.stored_name)


def path_for_name(name: str) -> Path:
    return storage_root() / name[:2] / name


def inspect_upload(stream: BinaryIO, filename: str | None) -> tuple[bytes, str, str]:
    """Read and check an upload: (bytes, clean original name, content type).

    Raises :class:`UploadError` with a message for the user when the file is empty, too
    large, of a type not accepted, or its content does not match its extension.
    """
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            N_("Tệp quá lớn (tối đa %(mb)d MB)."),
            field="file",
            mb=limit // (1024 * 1024),
        )
    if not data:
        raise UploadError(N_("Tệp rỗng."), field="file")
    original = clean_name(filename)
    if not original:
        raise UploadError(N_("Tệp không có tên."), field="file")
    ext = original.rpartition(".")[2].lower() if "." in original else ""
    kind = sniff(data[:16], io.BytesIO(data))
    if kind == "ole2":
        kind = ext if ext in ("doc", "xls") else None
    if kind is None:
        raise UploadError(
            N_("Chỉ nhận tệp PDF, DOC/DOCX, XLS/XLSX, JPG hoặc PNG."), field="file"
        )
    content_type, exts = TYPES[kind]
    if ext not in exts:
        raise UploadError(
            N_("Nội dung tệp không khớp với phần mở rộng của tên tệp."), field="file"
        )
    return data, original, content_type


def store_bytes(data: bytes) -> tuple[str, str]:
    """Store bytes under a fresh random name; returns (stored name, sha256). In the
    local store the file is removed again if the transaction rolls back."""
    stored = secrets.token_hex(20)
    store = attachment_store()
    store.put(stored, data)
    discard_on_rollback(store, stored)
    return stored, hashlib.sha256(data).hexdigest()


def delete_stored(stored_name: str) -> None:
    """Remove an attachment's bytes once the transaction that removes its row commits."""
    delete_on_commit(attachment_store(), stored_name)


class StoredFile:
    __slots__ = ("stored_name", "sha256", "original_name", "content_type", "size")

    def __init__(self, stored_name, sha256, original_name, content_type, size):
        self.stored_name = stored_name
        self.sha256 = sha256
        self.original_name = original_name
        self.content_type = content_type
        self.size = size


def store_upload(stream: BinaryIO, filename: str | None) -> StoredFile:
    """Check an upload (see :func:`inspect_upload`) and write it to storage."""
    data, original, content_type = inspect_upload(stream, filename)
    stored, digest = store_bytes(data)
    return StoredFile(stored, digest, original, content_type, len(data))


#: Types a browser may show in place (anything else is always downloaded).
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")

#: A served file runs and fetches nothing; a PDF viewer may still draw its own images
#: and styles. Everything but a PDF is also sandboxed (Chromium's viewer refuses to
#: open a sandboxed PDF).
ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def send_attachment(attachment, *, inline: bool, cache: str):
    """The response serving ``attachment``'s bytes, after the caller checked access.

    The type is the one stored at upload (sniffed then, and the browser is told not to
    sniff again), the policy runs nothing, the original (Vietnamese) name goes into
    Content-Disposition (RFC 5987-encoded), ``cache`` becomes Cache-Control as is. A
    file missing from storage is a 404.
    """
    resp = send_stored(
        attachment_store(),
        attachment.stored_name,
        mimetype=attachment.content_type,
        as_attachment=not inline,
        download_name=attachment.original_name,
        etag=attachment.sha256 or None,
    )
    if resp is None:
        abort(404)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = ATTACHMENT_CSP + (
        "" if attachment.content_type == "application/pdf" else "; sandbox"
    )
    resp.headers["Cache-Control"] = cache
    return resp
