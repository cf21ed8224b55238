"""Mail that leaves after the commit: any package words a message and queues it here.

:func:`send_after_commit` puts a mail on the session; :mod:`dankheo.notifications`
hands it to the job queue once the transaction commits (never when it rolls back).
:func:`compose` lays out a message to one person in the language the caller set
(``force_locale``), with absolute links built by :func:`absolute_url`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session

#: ``session.info`` key of the mails waiting for the commit: [(savepoint tag, mail)].
MAIL = "notify_mail"


def savepoint_tag(session: Session) -> Any:
    """The savepoint a change is made in (None for the outer transaction)."""
    nested = session.get_nested_transaction()
    return id(nested) if nested is not None else None


def send_after_commit(session: Session, mail: dict[str, Any]) -> None:
    """Queue ``mail`` (``to``, ``name``, ``lang``, ``subject``, ``body``) for sending
    once the current transaction has committed."""
    session.info.setdefault(MAIL, []).append((savepoint_tag(session), mail))


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link, on ``BASE_URL`` when it is set (a mail never trusts the Host
    header of the request that caused it)."""
    base = current_app.config.get("BASE_URL")
    if base:
        path = url_for(endpoint, **values, _external=False)
        root = request.script_root if has_request_context() else ""
        return base.rstrip("/") + path[len(root) :]
    return url_for(endpoint, **values, _external=True)


def compose(
    user: Any,
    subject: str,
    text: str,
    link: str,
    link_label: str | None = None,
    *,
    account: bool = True,
) -> dict[str, Any]:
    """A mail to ``user`` (its address, name and language); the caller has set the
    recipient's language. Only a mail to an account (``account``) links to the
    account's notification settings: a member of the public has none to sign in to."""
    lines = [
        gettext("Kính gửi %(name)s,", name=user.name),
        "",
        text,
        "",
        f"{link_label or gettext('Xem chi tiết')}: {link}",
        "",
        "-- ",
        gettext(
            "Thư tự động của cơ sở dữ liệu “Dân vận khéo”; xin đừng trả lời thư này."
        ),
    ]
    if account:
        lines.append(
            gettext(
                "Chọn cách nhận thông báo: %(url)s",
                url=absolute_url("notifications.preferences"),
            )
        )
    return {
        "to": user.email,
        "name": user.name,
        "lang": getattr(user, "language", None) or "vi",
        "subject": subject,
        "body": "\n".join(lines),
    }
