"""Configuration layers: defaults here, then instance/config.py, then DANKHEO_* env vars."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .logconfig import parse_level

ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "dankheo_session"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # scrypt with N = 2**17, r = 8, p = 1 (about 128 MiB and a few hundred ms per hash).
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "vi"
    # The product's one time zone: pages show dates in it and deadlines end at its
    # midnight (dankheo.clock). DANKHEO_TIMEZONE changes it.
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # Source strings are Vietnamese; translations/ holds the English catalogue.
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    BOOTSTRAP_SERVE_LOCAL = True
    # Pages, CSS, JSON and feeds leave compressed (Brotli or gzip; static files, which
    # are streamed, Brotli or deflate). CSV and XLSX exports are not in the list, so they
    # flow row by row untouched. A proxy that compresses can take this over.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/xml",
        "application/json",
        "application/problem+json",
        "application/atom+xml",
        "application/javascript",
        "text/javascript",
        "image/vnd.microsoft.icon",
    ]
    # Static files carry their content in the URL only by name: a day is a safe cache.
    SEND_FILE_MAX_AGE_DEFAULT = 24 * 3600
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Only failed logins count (see dankheo.auth.limits): per address and account,
    # per account from anywhere (slower), and a generous ceiling per address.
    RATELIMIT_LOGIN = "10 per minute;30 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "30 per hour;100 per day"
    RATELIMIT_LOGIN_IP = "60 per minute;300 per hour"
    # Public CSV/XLSX exports and statistics downloads, per client, one shared budget.
    RATELIMIT_EXPORT = "20 per minute;200 per day"
    # The public check of an issued list computes the list again: per client.
    RATELIMIT_VERIFY = "20 per minute;300 per day"
    # Objections to an issued recommended list: per client address, and per email
    # address given (one address cannot flood the queue from many machines).
    RATELIMIT_OBJECTION = "10 per hour;30 per day"
    RATELIMIT_OBJECTION_EMAIL = "5 per hour;10 per day"
    # Days a unit has to supplement and resend a dossier returned by a council.
    SUPPLEMENT_DAYS = 15
    # Possible duplicates (dankheo.domain.similarity): exact Jaccard similarity of the
    # folded names' trigrams, or of the texts' 3-word phrases, at which a pair is
    # flagged. Keep them at 0.5 or above: the candidate keys are tuned for that.
    DUPLICATE_NAME_THRESHOLD = 0.8
    DUPLICATE_TEXT_THRESHOLD = 0.6
    PAGE_SIZE = 25
    # Public pages kept in Redis for every worker (with DANKHEO_REDIS_URL), per
    # database: the oldest go past this number (dankheo.showcase.pageshare).
    PAGECACHE_SHARED_PAGES = 5000
    SQLITE_BUSY_TIMEOUT_MS = 15000
    LOG_LEVEL = "INFO"
    # How many reverse proxies sit in front of the app and append to X-Forwarded-For
    # and set X-Forwarded-Proto; 0 trusts none of these headers.
    TRUSTED_PROXIES = 0
    # Where files are kept (dankheo.files): "local" folders under the instance folder,
    # or "database" (the stored_files table) that every instance sharing it sees.
    FILE_STORE = "local"
    # Seconds at least between two rebuilds of the open-data files (a change of the
    # published data queues one; dankheo.showcase.opendata).
    OPEN_DATA_DEBOUNCE_SECONDS = 60
    # Readers writing the full CSV at once, each a range of codes: the build's
    # process and reader processes started for it, whether the job consumer or the
    # build-open-data command builds (dankheo.showcase.opendata.write_csv). 0: one
    # per core, at most 4.
    OPEN_DATA_CSV_READERS = 0
    # True when create_app had to generate instance/secret_key (nothing configured one).
    SECRET_KEY_GENERATED = False


def load_secret_key(instance_path: str) -> str:
    """Return the instance secret key, generating it on first run (never committed)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


ENV_KEYS = {
    "DANKHEO_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "DANKHEO_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "DANKHEO_UPLOAD_FOLDER": "UPLOAD_FOLDER",
    "DANKHEO_FILE_STORE": "FILE_STORE",
    "DANKHEO_OPEN_DATA_FOLDER": "OPEN_DATA_FOLDER",
    "DANKHEO_SECRET_KEY": "SECRET_KEY",
    "DANKHEO_TIMEZONE": "BABEL_DEFAULT_TIMEZONE",
    "DANKHEO_DUPLICATE_NAME_THRESHOLD": "DUPLICATE_NAME_THRESHOLD",
    "DANKHEO_DUPLICATE_TEXT_THRESHOLD": "DUPLICATE_TEXT_THRESHOLD",
    "DANKHEO_RATELIMIT_EXPORT": "RATELIMIT_EXPORT",
    "DANKHEO_RATELIMIT_VERIFY": "RATELIMIT_VERIFY",
    "DANKHEO_RATELIMIT_OBJECTION": "RATELIMIT_OBJECTION",
    "DANKHEO_RATELIMIT_OBJECTION_EMAIL": "RATELIMIT_OBJECTION_EMAIL",
    "DANKHEO_LOG_LEVEL": "LOG_LEVEL",
}

#: Whole numbers from the environment.
ENV_INTS = {
    "DANKHEO_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "DANKHEO_PAGECACHE_SHARED_PAGES": "PAGECACHE_SHARED_PAGES",
    "DANKHEO_OPEN_DATA_CSV_READERS": "OPEN_DATA_CSV_READERS",
}

#: Boolean settings from the environment ("1", "true", "yes" mean on).
ENV_FLAGS = {
    # Behind HTTPS: the session cookie is sent over TLS only.
    "DANKHEO_SECURE_COOKIES": "SESSION_COOKIE_SECURE",
}


def env_flag(value: str) -> bool:
    """A DANKHEO_* switch's value: on for 1, true, yes or on (any case)."""
    return value.strip().lower() in ("1", "true", "yes", "on")


def apply_env(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Copy the DANKHEO_* variables that are set (and not empty) into ``config``."""
    for env, key in ENV_KEYS.items():
        if environ.get(env):
            config[key] = environ[env]
    for env, key in ENV_FLAGS.items():
        if environ.get(env):
            config[key] = env_flag(environ[env])
    for env, key in ENV_INTS.items():
        if environ.get(env):
            try:
                config[key] = int(environ[env])
            except ValueError:
                raise ValueError(
                    f"{env} must be a whole number, not {environ[env]!r}"
                ) from None


@dataclass(frozen=True)
class Gap:
    """One thing a production deployment lacks (``required``) or should check."""

    required: bool
    setting: str
    message: str


def production_gaps(config: Mapping[str, Any]) -> list[Gap]:
    """What ``config`` still lacks to serve the public from several processes or
    machines. Only what the configuration shows: whether a proxy sits in front cannot
    be known from here, so a proxy count of 0 is a note, not a gap."""
    gaps: list[Gap] = []
    if config.get("SECRET_KEY_GENERATED"):
        gaps.append(
            Gap(
                True,
                "DANKHEO_SECRET_KEY",
                "chưa đặt: khóa bí mật được sinh riêng cho máy này "
                "(instance/secret_key), không dùng chung giữa các máy chủ, nên phiên "
                "đăng nhập và mã CSRF của máy này không hợp lệ ở máy khác, và tệp kết "
                "quả do tiến trình xử lý nền ở máy khác tạo ra không mở được.",
            )
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        gaps.append(
            Gap(
                True,
                "DANKHEO_SECURE_COOKIES",
                "chưa bật: cookie phiên được gửi cả qua HTTP không mã hóa, và trang "
                "không gửi Strict-Transport-Security.",
            )
        )
    if config.get("DEBUG"):
        gaps.append(
            Gap(
                True,
                "FLASK_DEBUG",
                "đang bật: lỗi hiện cả mã nguồn cho người xem; tắt khi vận hành.",
            )
        )
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://"):
        gaps.append(
            Gap(
                True,
                "DANKHEO_RATELIMIT_STORAGE_URI",
                "hạn mức đăng nhập nằm trong bộ nhớ của từng tiến trình: mỗi worker "
                "đếm riêng và mất khi khởi động lại; dùng Redis, ví dụ "
                "redis://127.0.0.1:6379/0.",
            )
        )
    database = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if database.startswith("sqlite"):
        gaps.append(
            Gap(
                True,
                "DANKHEO_DATABASE_URL",
                "cơ sở dữ liệu là SQLite: một máy, mỗi lúc một giao dịch ghi; nhiều "
                "tiến trình hay nhiều máy chủ cần PostgreSQL.",
            )
        )
    if not database.startswith("sqlite") and (
        str(config.get("FILE_STORE") or "local") == "local"
    ):
        gaps.append(
            Gap(
                False,
                "DANKHEO_FILE_STORE",
                "= local: tệp đính kèm, tệp nhập chờ xử lý và tệp dữ liệu mở nằm trong "
                "thư mục của máy này. Đúng khi mọi tiến trình chạy trên một máy; nhiều "
                "máy chủ cần DANKHEO_FILE_STORE=database (hoặc một thư mục dùng chung).",
            )
        )
    if "MAIL_SERVER" in config and not config.get("MAIL_SERVER"):
        gaps.append(
            Gap(
                True,
                "DANKHEO_MAIL_SERVER",
                "chưa cấu hình máy chủ thư: không gửi được thư.",
            )
        )
    if not int(config.get("TRUSTED_PROXIES") or 0):
        gaps.append(
            Gap(
                False,
                "DANKHEO_TRUSTED_PROXIES",
                "= 0: không tin tiêu đề X-Forwarded-For/Proto nào. Đúng khi trình "
                "duyệt kết nối thẳng tới gunicorn; nếu có reverse proxy phía trước, "
                "mọi người dùng mang địa chỉ của proxy (chung một hạn mức đăng nhập) "
                "và liên kết tuyệt đối ghi http: đặt bằng số proxy (thường là 1).",
            )
        )
    if parse_level(str(config.get("LOG_LEVEL") or "INFO")) < logging.INFO:
        gaps.append(
            Gap(
                False,
                "DANKHEO_LOG_LEVEL",
                "ghi cả thông điệp DEBUG: nhật ký lớn nhanh; INFO là đủ khi vận hành.",
            )
        )
    return gaps
