"""A real SMTP server on loopback that receives the mail the application sends."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """What the server received; ``fail_next`` answers that many messages with a
    temporary refusal (451) first."""

    messages: list[EmailMessage] = field(default_factory=list)
    attempts: int = 0
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server, _session, envelope) -> str:
        with self.lock:
            self.attempts += 1
            if self.fail_next:
                self.fail_next -= 1
                return "451 4.3.0 Try again later"
            msg = message_from_bytes(envelope.content, policy=default)
            self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def clear(self) -> None:
        self.messages.clear()
        self.attempts = 0


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def link_in(msg: EmailMessage) -> str:
    """The first absolute link of the message."""
    found = re.search(r"https?://\S+", text_of(msg))
    assert found, text_of(msg)
    return found.group(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """The server and its port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def smtp(app, monkeypatch, smtp_server):
    """The server, and the application pointed at it for this test."""
    inbox, port = smtp_server
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(
        app.config, "MAIL_SENDER", "Dân vận khéo <thongbao@dankheo.test>"
    )
    return inbox
