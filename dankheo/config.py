"""Configuration layers: defaults here, then instance/config.py, then DANKHEO_* env vars."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
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
    # Days a unit has to supplement and resend a dossier returned by a council.
    SUPPLEMENT_DAYS = 15
    PAGE_SIZE = 25
    SQLITE_BUSY_TIMEOUT_MS = 15000


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
    "DANKHEO_SECRET_KEY": "SECRET_KEY",
    "DANKHEO_TIMEZONE": "BABEL_DEFAULT_TIMEZONE",
    "DANKHEO_RATELIMIT_EXPORT": "RATELIMIT_EXPORT",
}

#: Boolean settings from the environment ("1", "true", "yes" mean on).
ENV_FLAGS = {
    # Behind HTTPS: the session cookie is sent over TLS only.
    "DANKHEO_SECURE_COOKIES": "SESSION_COOKIE_SECURE",
}
