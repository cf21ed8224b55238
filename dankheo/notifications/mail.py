"""Sending mail through the SMTP server configured by ``DANKHEO_MAIL_*``.

A mail travels as a small dict (``to``, ``subject``, ``body``) through the job queue;
the worker sends it here with the standard library. Without ``MAIL_SERVER`` mail is
off: nothing is queued, and the in-app inbox still works.

=========================  ===================  =========================================
environment                 setting              meaning
=========================  ===================  =========================================
``DANKHEO_MAIL_SERVER``     ``MAIL_SERVER``      host name; empty turns mail off
``DANKHEO_MAIL_PORT``       ``MAIL_PORT``        25 by default (587 STARTTLS, 465 SSL)
``DANKHEO_MAIL_USE_TLS``    ``MAIL_USE_TLS``     STARTTLS after connecting
``DANKHEO_MAIL_USE_SSL``    ``MAIL_USE_SSL``     TLS from the first byte (SMTPS)
``DANKHEO_MAIL_USERNAME``   ``MAIL_USERNAME``    login, when the server asks for one
``DANKHEO_MAIL_PASSWORD``   ``MAIL_PASSWORD``
``DANKHEO_MAIL_SENDER``     ``MAIL_SENDER``      the From address
``DANKHEO_BASE_URL``        ``BASE_URL``         the site's address, for links in mail
=========================  ===================  =========================================
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import Flask

TRUE = ("1", "true", "yes", "on")

SETTINGS: dict[str, tuple[str, type]] = {
    "DANKHEO_MAIL_SERVER": ("MAIL_SERVER", str),
    "DANKHEO_MAIL_PORT": ("MAIL_PORT", int),
    "DANKHEO_MAIL_USE_TLS": ("MAIL_USE_TLS", bool),
    "DANKHEO_MAIL_USE_SSL": ("MAIL_USE_SSL", bool),
    "DANKHEO_MAIL_USERNAME": ("MAIL_USERNAME", str),
    "DANKHEO_MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "DANKHEO_MAIL_SENDER": ("MAIL_SENDER", str),
    "DANKHEO_BASE_URL": ("BASE_URL", str),
}

DEFAULTS: dict[str, Any] = {
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_SENDER": "Dân vận khéo <no-reply@localhost>",
    "MAIL_TIMEOUT": 30,
    # Huey retries a mail the server refused for now (or could not be reached).
    "MAIL_RETRIES": 5,
    "MAIL_RETRY_DELAY": 120,
    "BASE_URL": "",
}


def configure(app: Flask, environ: dict[str, str]) -> None:
    """Defaults, then ``DANKHEO_MAIL_*`` from the environment unless already set."""
    for env, (key, kind) in SETTINGS.items():
        if key in app.config or not environ.get(env):
            continue
        raw = environ[env]
        if kind is bool:
            app.config[key] = raw.strip().lower() in TRUE
        elif kind is int:
            app.config[key] = int(raw)
        else:
            app.config[key] = raw
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)


def enabled(app: Flask) -> bool:
    return bool(app.config.get("MAIL_SERVER"))


def build(app: Flask, mail: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = app.config["MAIL_SENDER"]
    msg["To"] = formataddr((mail.get("name") or "", mail["to"]))
    msg["Subject"] = mail["subject"]
    msg["Message-ID"] = make_msgid(domain="dankheo")
    if mail.get("lang"):
        msg["Content-Language"] = mail["lang"]
    msg.set_content(mail["body"])
    return msg


def send(app: Flask, mail: dict[str, Any]) -> None:
    """Send one mail now; any failure raises (the job queue retries it)."""
    cfg = app.config
    host, port, timeout = cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), cfg["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if cfg["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(build(app, mail))
