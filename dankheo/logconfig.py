"""Logging: one handler on stderr, configured once, that never writes a secret.

Every log line goes through :class:`RedactingFilter`, which masks passwords, tokens,
session cookies, e-mail addresses and phone numbers, whatever the logger: an operation's
``log.info``, a library's warning, an exception's traceback or gunicorn's access line
(``gunicorn.conf.py`` puts the same filter on gunicorn's loggers).
"""

from __future__ import annotations

import logging
import logging.config
import re
import sys
from typing import Any, TextIO

#: The name of the handler ``configure_logging`` installs on the root logger.
HANDLER_NAME = "dankheo"

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"

# Keys whose value is a secret or a contact detail: ``password=...``, ``"token": "..."``,
# ``('password', '...')`` (a MultiDict's repr), ``Authorization: Bearer ...``.
_SECRET_KEY = (
    r"[\w-]*(?:pass(?:word|wd|phrase)|pwd|mat_?khau|secret|token|api_?key|authorization"
    r"|cookie|session|email|phone|dien_?thoai|sdt)[\w-]*"
)
_QUOTED_PAIR = re.compile(
    rf"""(?ix)
    (?P<head>(?P<q1>['"])(?:{_SECRET_KEY})(?P=q1)\s*[,:]\s*)
    (?P<q2>['"]).*?(?P=q2)
    """
)
_PLAIN_PAIR = re.compile(
    rf"""(?ix)
    (?P<head>\b(?:{_SECRET_KEY})\s*[=:]\s*)
    (?:(?:bearer|basic)\s+)?
    [^\s&,;'"}})\]]+
    """
)
# The password in a URL's user information: scheme://user:PASSWORD@host.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@/\s]+@", re.I)
_EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Vietnamese phone numbers: 0 or +84 then 9 or 10 digits, in groups or not.
_PHONE = re.compile(r"(?<![\w.+])(?:\+84|0084|0)(?:[ .-]?\d){9,10}(?![ .-]?\d)")


def redact(text: str) -> str:
    """``text`` with every secret and contact detail replaced by ``***``."""
    text = _QUOTED_PAIR.sub(lambda m: f"{m['head']}{m['q2']}{MASK}{m['q2']}", text)
    text = _PLAIN_PAIR.sub(lambda m: f"{m['head']}{MASK}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
    text = _EMAIL.sub(MASK, text)
    return _PHONE.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and traceback) with :func:`redact` applied.

    A filter rather than a formatter, so the same object guards any handler or logger
    it is attached to (ours, and gunicorn's access and error loggers). It never drops
    a record.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_dankheo_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep its parts, masked
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        setattr(record, "_dankheo_redacted", True)  # noqa: B010
        return True


class StderrHandler(logging.StreamHandler[TextIO]):
    """A stream handler that writes to whatever ``sys.stderr`` is when it emits.

    Binding the stream once would keep a stream that test capture or a daemon's
    redirection has since replaced (or closed).
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def parse_level(value: str | int) -> int:
    """A level name (``"info"``, ``"WARNING"``) or number; ValueError for anything else."""
    if isinstance(value, int):
        return value
    level = logging.getLevelName(value.strip().upper())
    if not isinstance(level, int):
        raise ValueError(
            f"DANKHEO_LOG_LEVEL: unknown level {value!r} "
            "(DEBUG, INFO, WARNING, ERROR, CRITICAL)"
        )
    return level


def logging_config(level: str | int = "INFO") -> dict[str, Any]:
    """The ``dictConfig`` schema: the root logger at ``level``, one stderr handler."""
    return {
        "version": 1,
        # gunicorn's loggers (and any library's) exist before the app: keep them.
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"line": {"format": FORMAT}},
        "handlers": {
            HANDLER_NAME: {
                "()": StderrHandler,
                "formatter": "line",
                "filters": ["redact"],
            }
        },
        "root": {"level": parse_level(level), "handlers": [HANDLER_NAME]},
    }


def configure_logging(level: str | int = "INFO") -> None:
    """Install the handler on first call; later calls (one per ``create_app``, as in
    tests) only set the level, so handlers others added since are left in place."""
    root = logging.getLogger()
    if any(handler.name == HANDLER_NAME for handler in root.handlers):
        root.setLevel(parse_level(level))
        return
    logging.config.dictConfig(logging_config(level))
