"""The inbox: list, pages, mark read, mark all read, the empty state, the header's count,
and the reader's own language."""

from __future__ import annotations

from sqlalchemy import func, select

from dankheo.domain.enums import Role
from dankheo.notifications.models import Notification


def _fill(db, user, n: int) -> None:
    db.session.add_all(
        Notification(
            user_id=user.id,
            message="passed",
            data={"name": f"Mô hình {i}", "label": "Đạt cấp xã"},
            link="/registry/",
        )
        for i in range(n)
    )
    db.session.commit()


def test_empty_inbox(make, db, login_as):
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.commit()
    page = login_as(user).get("/notifications/").get_data(as_text=True)
    assert "Chưa có thông báo nào." in page
    assert "badge text-bg-warning" not in page


def test_list_pages_mark_read_and_the_header_count(make, db, login_as, app):
    user = make.user(role=Role.UNIT_OFFICER)
    other = make.user(role=Role.UNIT_OFFICER)
    _fill(db, user, app.config["PAGE_SIZE"] + 5)
    _fill(db, other, 1)
    client = login_as(user)

    first = client.get("/notifications/").get_data(as_text=True)
    assert f"{app.config['PAGE_SIZE'] + 5} thông báo chưa đọc" in first
    assert "Hồ sơ “Mô hình 29” đã đạt vòng thẩm định" in first  # newest first
    assert 'rel="next"' in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "Hồ sơ “Mô hình 0” đã đạt vòng thẩm định" in second
    assert '>30<span class="visually-hidden"> chưa đọc</span>' in client.get(
        "/registry/"
    ).get_data(as_text=True)

    newest = db.session.scalar(
        select(Notification.id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
    )
    assert client.post(f"/notifications/{newest}/read").status_code == 303
    page = client.get("/notifications/").get_data(as_text=True)
    assert "29 thông báo chưa đọc" in page
    # Someone else's notification is not found, and stays unread.
    theirs = db.session.scalar(
        select(Notification.id).where(Notification.user_id == other.id)
    )
    assert client.post(f"/notifications/{theirs}/read").status_code == 404

    assert client.post("/notifications/read-all").status_code == 303
    page = client.get("/notifications/").get_data(as_text=True)
    assert "0 thông báo chưa đọc" in page and "badge text-bg-warning" not in page
    db.session.rollback()
    unread = select(func.count(Notification.id)).where(Notification.read_at.is_(None))
    assert db.session.scalar(unread) == 1  # the other person's


def test_rows_read_in_the_readers_language(make, db, login_as):
    user = make.user(role=Role.UNIT_OFFICER)
    db.session.add(
        Notification(
            user_id=user.id,
            message="digest",
            data={"counts": {"passed": 3, "rejected": 1}},
            link="/registry/",
        )
    )
    db.session.commit()
    client = login_as(user)
    page = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "4 new notifications" in page
    assert "3 entries passed a stage" in page and "1 entry not recognised" in page
    page = client.get("/notifications/?lang=vi").get_data(as_text=True)
    assert "3 hồ sơ đạt vòng thẩm định" in page


def test_signed_out_visitors_are_sent_to_log_in(client):
    resp = client.get("/notifications/")
    assert resp.status_code == 302 and "/auth/login" in resp.location


def test_notification_labels_leave_the_shared_ones_alone():
    """ "returned", "rejected", "commended" are states and kinds alike: each keeps its
    own label."""
    from dankheo.domain.tally import Outcome
    from dankheo.domain.workflow import State
    from dankheo.notifications.kinds import Channel, NotificationKind

    assert State.REJECTED.label == "Không đạt"
    assert Outcome.PASSED.label != NotificationKind.DECIDED.label
    assert NotificationKind.RETURNED.label == "Hồ sơ được trả lại để bổ sung"
    assert Channel.NONE.label == "Không nhận"
