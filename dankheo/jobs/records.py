"""Job records: state and progress of a job, kept in the queue's key-value store.

The store is the queue's own (the SQLite file or the Redis hash), so a record is as
durable as the queue and is read by every web process and consumer alike. A record is
written only by the worker running the job, except for the moves a person makes
(confirming a checked import), which happen while no worker holds it.

States: ``queued`` -> ``running`` (-> ``committing``) -> ``ready`` (checked, may be
confirmed), ``invalid`` (the rows have errors; nothing written), ``done`` or ``failed``.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from huey import Huey

from ..domain import N_

log = logging.getLogger(__name__)

PREFIX = "dankheo:job:"
#: A worker holds the job in these states; a record stuck in one has lost its worker.
ACTIVE = ("queued", "running", "committing")
FINISHED = ("ready", "invalid", "done", "failed")
#: At most this many row errors are kept for the page; the count is always exact.
MAX_ERRORS = 1000


@dataclass
class JobRecord:
    kind: str
    owner_id: int | None
    params: dict[str, Any]
    #: Hex, so an id never starts with "-" (a command line would take it for an option).
    id: str = field(default_factory=lambda: secrets.token_hex(12))
    state: str = "queued"
    #: What the job is doing now ("check", "write"), with done of total units of work.
    step: str = ""
    done: int = 0
    total: int = 0
    attempt: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    #: Result figures and a sample the page shows (rows read, rows created...).
    result: dict[str, Any] = field(default_factory=dict)
    #: A failure of the whole job: a translatable template and its values.
    message: str | None = None
    message_values: dict[str, Any] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def percent(self) -> int:
        if self.state in ("ready", "done"):
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def is_stale(self, seconds: float) -> bool:
        return time.time() - self.updated_at > seconds

    def to_json(self) -> dict[str, Any]:
        """What the progress endpoint and ``flask jobs show`` print (no row data)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "error_count": self.error_count,
            "finished": self.finished,
            "result": {k: v for k, v in self.result.items() if k != "sample"},
        }


def _key(job_id: str) -> str:
    return PREFIX + job_id


def save(huey: Huey, record: JobRecord) -> JobRecord:
    record.updated_at = time.time()
    huey.put(_key(record.id), json.dumps(asdict(record), default=str))
    return record


def load(huey: Huey, job_id: str) -> JobRecord | None:
    if not job_id or len(job_id) > 40:
        return None
    raw = huey.get(_key(job_id), peek=True)
    return JobRecord(**json.loads(raw)) if raw else None


def create(
    huey: Huey, kind: str, *, owner_id: int | None, params: dict[str, Any]
) -> JobRecord:
    return save(huey, JobRecord(kind=kind, owner_id=owner_id, params=params))


def progress(huey: Huey, record: JobRecord, step: str, done: int, total: int) -> None:
    """Report progress; each report is also the worker's heartbeat."""
    record.state = "running" if record.state != "committing" else record.state
    record.step, record.done, record.total = step, done, total
    save(huey, record)


def fail(huey: Huey, record: JobRecord, message: str | None, **values: Any) -> None:
    record.state = "failed"
    record.message = message or N_(
        "Công việc gặp lỗi ngoài dự kiến; không có gì được lưu."
    )
    record.message_values = values
    save(huey, record)


def all_records(huey: Huey) -> list[JobRecord]:
    """Every job record (the store holds a few days of them)."""
    found = []
    for key, raw in huey.storage.result_items().items():
        name = key.decode() if isinstance(key, bytes) else key
        if name.startswith(PREFIX) and ":" not in name[len(PREFIX) :]:
            found.append(JobRecord(**json.loads(huey.serializer.deserialize(raw))))
    return sorted(found, key=lambda r: r.created_at, reverse=True)


def prune(huey: Huey, *, keep_days: float) -> list[JobRecord]:
    """Forget jobs untouched for ``keep_days`` (and their claims); returns them."""
    cutoff = time.time() - keep_days * 86400
    removed = []
    for record in all_records(huey):
        if record.updated_at < cutoff:
            for attempt in range(1, record.attempt + 1):
                huey.delete(f"{PREFIX}claim:{record.id}:{attempt}")
            huey.delete(_key(record.id))
            huey.delete(_output_key(record.id))
            huey.delete(_taken_key(record.id))
            removed.append(record)
    return removed


# A job may leave one sealed file for its owner (the passwords of imported accounts):
# kept beside the record, handed out once, forgotten after a bounded time.


# --- a job's output file ------------------------------------------------------------
# What a job produces for its owner (a large official list, an account import's password
# file) lives beside its record in the same store, so whichever web process serves the
# download reads what the consumer wrote. It has a lifetime; a file meant to be taken
# once (passwords) is removed by the first download. The key holds a colon after the
# prefix, so it is never taken for a record.


def _output_key(job_id: str) -> str:
    return f"{PREFIX}file:{job_id}"


def _taken_key(job_id: str) -> str:
    return f"{PREFIX}taken:{job_id}"


def _sealer() -> Fernet:
    """Outputs are sealed (AES with an HMAC, the ``cryptography`` library's Fernet)
    under a key derived from the application's secret key (read from the application
    in context): the store (a Redis, the queue's SQLite file, their backups) never
    holds an output it could be read from, a password file least of all. Every web
    process and job consumer must share ``DANKHEO_SECRET_KEY`` to open what another
    sealed; a new secret key leaves older outputs unreadable (gone, as after expiry)."""
    secret = current_app.config["SECRET_KEY"]
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"dankheo job output"
    ).derive(secret if isinstance(secret, bytes) else str(secret).encode())
    return Fernet(base64.urlsafe_b64encode(key))


def put_output(huey: Huey, record: JobRecord, data: bytes, *, seconds: float) -> None:
    """Keep ``data`` as ``record``'s output for at most ``seconds`` (overwrites an
    earlier attempt's), sealed; the record learns its size and expiry (save it)."""
    expires_at = time.time() + seconds
    sealed = _sealer().encrypt(data)
    huey.put(_output_key(record.id), {"expires_at": expires_at, "sealed": sealed})
    record.result["size"] = len(data)
    record.result["expires_at"] = expires_at


def read_output(huey: Huey, record: JobRecord) -> bytes | None:
    """``record``'s output, or None once it has expired, was never written or cannot
    be opened here."""
    payload = huey.get(_output_key(record.id), peek=True)
    if not isinstance(payload, dict) or payload["expires_at"] <= time.time():
        return None
    sealed = payload.get("sealed")
    if not isinstance(sealed, bytes):
        return None
    try:
        return _sealer().decrypt(sealed)
    except InvalidToken:
        log.error(
            "job %s: its output cannot be opened (sealed under another secret key, "
            "or altered): every web process and job consumer needs the same "
            "DANKHEO_SECRET_KEY",
            record.id,
        )
        return None


def take_output(huey: Huey, record: JobRecord) -> bytes | None:
    """The output, once: the first caller marks it taken (atomically, in the shared
    store) and removes it; every later call, or one after expiry, gets None."""
    if not huey.put_if_empty(_taken_key(record.id), str(time.time())):
        return None
    data = read_output(huey, record)
    if data is None:  # expired, or unreadable here: nothing was taken
        huey.delete(_taken_key(record.id))
        return None
    huey.delete(_output_key(record.id))
    return data


def output_state(huey: Huey, record: JobRecord) -> str:
    """ "waiting" (to be taken), "taken", or "gone" (expired, or never written)."""
    if huey.get(_taken_key(record.id), peek=True) is not None:
        return "taken"
    return "waiting" if read_output(huey, record) is not None else "gone"


def drop_output(huey: Huey, record: JobRecord) -> None:
    """Drop ``record``'s output (its job failed after writing it, or it is pruned)."""
    huey.delete(_output_key(record.id))


def prune_outputs(huey: Huey) -> int:
    """Forget the outputs whose time is up; returns how many."""
    now, removed = time.time(), 0
    prefix = _output_key("")
    for key, raw in huey.storage.result_items().items():
        name = key.decode() if isinstance(key, bytes) else key
        if not name.startswith(prefix):
            continue
        payload = huey.serializer.deserialize(raw)
        # An output kept before outputs were sealed goes at once.
        if (
            not isinstance(payload, dict)
            or payload["expires_at"] <= now
            or "sealed" not in payload
        ):
            huey.delete(name)
            removed += 1
    return removed
