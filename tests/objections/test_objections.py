"""Objections to an entry of an issued recommended list: the window, the address check,
the limits, the secretariat's queue and outcomes, what the public sees (never who
objected), the audit log and the hash chains."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dankheo import clock
from dankheo.audit.models import AuditRecord
from dankheo.audit.verify import verify_all
from dankheo.db import simulated_clock
from dankheo.domain.enums import Role, UnitTier
from dankheo.domain.objections import MAX_WINDOW_DAYS
from dankheo.extensions import limiter
from dankheo.notifications.models import Notification
from dankheo.objections import queries
from dankheo.objections.models import Objection
from dankheo.registry.models import Exemplar, History
from dankheo.showcase import entry
from tests.conftest import recorded_statements
from tests.notifications.conftest import link_in, text_of

EMAIL = "nguoi-phan-anh@example.vn"
REASON = "Mô hình này đã được khen thưởng năm trước với cùng nội dung."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(exemplar, **extra):
    data = {"entry": str(exemplar.id), "reason": REASON, "evidence": "Quyết định số 12"}
    data.update(extra)
    return data


def _post(client, record, exemplar, **extra):
    return client.post(f"/objections/lists/{record.id}", data=_form(exemplar, **extra))


def _objections(db):
    db.session.rollback()
    return db.session.scalars(select(Objection).order_by(Objection.id)).all()


def _signed_in(app, make, province):
    user = make.user(role=Role.UNIT_OFFICER, unit=province.communes[0])
    user.name = "Người Gửi Có Tài Khoản"
    client = app.test_client()
    from tests.factories import PASSWORD

    assert (
        client.post(
            "/auth/login", data={"login": user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client, user


def _lodge_received(app, make, province, record, key="hoa"):
    client, user = _signed_in(app, make, province)
    resp = _post(client, record, province.entries[key])
    assert resp.status_code == 303, resp.get_data(as_text=True)[:600]
    return user


def _told(db, user):
    db.session.rollback()
    return db.session.scalars(
        select(Notification).where(
            Notification.user_id == user.id, Notification.message == "objection"
        )
    ).all()


# --- the window --------------------------------------------------------------------------


def test_the_window_opens_with_the_issue_and_closes_after_the_campaign_days(
    issued, client, province, db
):
    _, record = issued
    hoa = province.entries["hoa"]
    today = clock.today()
    page = client.get(f"/objections/lists/{record.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Thời hạn nhận phản ánh, kiến nghị" in text
    assert hoa.name in text  # the entries of the list are offered

    # Issued 16 days ago with the default 15 days: closed, the dates said, 409.
    record.issued_on = today - timedelta(days=16)
    db.session.commit()
    for resp in (
        client.get(f"/objections/lists/{record.id}"),
        _post(client, record, hoa, email=EMAIL),
    ):
        assert resp.status_code == 409
        body = resp.get_data(as_text=True)
        assert "hiện không trong thời hạn" in body
        assert f"{record.issued_on:%d/%m/%Y}" in body
        assert f"{record.issued_on + timedelta(days=15):%d/%m/%Y}" in body
    assert _objections(db) == []

    # The last day is still inside; the campaign's own length counts.
    record.issued_on = today - timedelta(days=15)
    db.session.commit()
    assert client.get(f"/objections/lists/{record.id}").status_code == 200
    record.issued_on = today - timedelta(days=25)
    province.campaign.objection_days = 30
    db.session.commit()
    assert client.get(f"/objections/lists/{record.id}").status_code == 200


def test_only_recommended_lists_in_force_take_objections(issued, client, db):
    _, record = issued
    record.status = "annulled"
    db.session.commit()
    assert client.get(f"/objections/lists/{record.id}").status_code == 404
    assert client.get("/objections/lists/999999").status_code == 404


def test_the_secretariat_sets_the_window_on_the_campaign_page(issued, db, province):
    admin, _ = issued
    campaign = province.campaign
    form = {
        "name": campaign.name,
        "year": str(campaign.year),
        "unit_code": campaign.unit.code,
        "objection_days": "30",
    }
    assert admin.post(f"/admin/campaigns/{campaign.id}", data=form).status_code == 302
    bad = admin.post(
        f"/admin/campaigns/{campaign.id}", data={**form, "objection_days": "0"}
    )
    assert bad.status_code == 400
    db.session.rollback()
    assert db.session.get(type(campaign), campaign.id).objection_days == 30
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.object_type == "campaign")
    ).all()[-1]
    assert record.changes["objection_days"] == [15, 30]


# --- lodging -----------------------------------------------------------------------------


def test_a_member_of_the_public_confirms_the_address_by_mail(
    issued, app, db, province, smtp
):
    admin, record = issued
    hoa = province.entries["hoa"]
    anonymous = app.test_client()
    missing = _post(anonymous, record, hoa)
    assert missing.status_code == 400  # the address is required
    resp = _post(anonymous, record, hoa, email=EMAIL)
    assert resp.status_code == 303
    (objection,) = _objections(db)
    assert objection.state == "unverified" and objection.email == EMAIL
    assert objection.received_at is None
    assert _told(db, province.secretariat) == []  # nothing to tell yet
    # Not in the queue, not on the public page, until confirmed.
    assert f"/admin/objections/{objection.id}" not in admin.get(
        "/admin/objections/"
    ).get_data(as_text=True)
    assert admin.get(f"/admin/objections/{objection.id}").status_code == 404

    (mail,) = smtp.to(EMAIL)
    assert hoa.name in text_of(mail)
    # The sender has no account: no link to an account's notification settings.
    assert "/notifications/preferences" not in text_of(mail)
    link = urlsplit(link_in(mail)).path
    token = link.rsplit("/", 1)[1]
    assert objection.token_hash and token not in objection.token_hash
    # Opening the link (as a mail scanner does) confirms nothing; the button does.
    assert anonymous.get(link).status_code == 200
    assert _objections(db)[0].state == "unverified"
    assert anonymous.post(link).status_code == 303
    (objection,) = _objections(db)
    assert objection.state == "received" and objection.received_at is not None
    assert objection.token_hash is None
    # The secretariat is told, in the inbox and by mail, with a link to the objection.
    (told,) = _told(db, province.secretariat)
    assert told.link.endswith(f"/admin/objections/{objection.id}")
    assert hoa.name in told.data["name"]
    (mail,) = smtp.to(province.secretariat.email)
    assert "Phản ánh, kiến nghị mới" in mail["Subject"]
    assert EMAIL not in text_of(mail)
    again = anonymous.post(link)
    assert again.status_code == 409
    assert "không hợp lệ, đã dùng hoặc đã hết hạn" in again.get_data(as_text=True)
    assert f"/admin/objections/{objection.id}" in admin.get(
        "/admin/objections/"
    ).get_data(as_text=True)


def test_an_expired_link_confirms_nothing(issued, app, db, province, smtp):
    _, record = issued
    anonymous = app.test_client()
    assert _post(anonymous, record, province.entries["hoa"], email=EMAIL).status_code
    link = urlsplit(link_in(smtp.to(EMAIL)[0])).path
    (objection,) = _objections(db)
    objection.token_expires_at = objection.lodged_at - timedelta(seconds=1)
    db.session.commit()
    assert anonymous.post(link).status_code == 409
    assert _objections(db)[0].state == "unverified"
    assert anonymous.post("/objections/confirm/" + "x" * 300).status_code == 409


def test_a_signed_in_user_objects_at_once_with_an_evidence_file(
    issued, app, db, make, province
):
    admin, record = issued
    client, user = _signed_in(app, make, province)
    hoa = province.entries["hoa"]
    bad = client.post(
        f"/objections/lists/{record.id}",
        data={**_form(hoa), "file": (io.BytesIO(b"MZ not a pdf"), "chung-cu.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "Chỉ nhận tệp PDF" in bad.get_data(as_text=True)
    assert _objections(db) == []
    resp = client.post(
        f"/objections/lists/{record.id}",
        data={**_form(hoa), "file": (io.BytesIO(PNG), "ảnh chụp.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    (objection,) = _objections(db)
    assert objection.state == "received" and objection.user_id == user.id
    assert objection.email == user.email
    assert objection.file_name == "ảnh chụp.png"
    assert objection.file_content_type == "image/png"
    assert len(_told(db, province.secretariat)) == 1
    served = admin.get(f"/admin/objections/{objection.id}/file")
    assert served.status_code == 200 and served.data == PNG
    assert client.get(f"/admin/objections/{objection.id}/file").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "This field is required"),
        ({"reason": "x" * 4001}, "4000"),
        ({"entry": "999999"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_a_400(issued, app, db, province, data, message):
    _, record = issued
    anonymous = app.test_client()
    resp = _post(anonymous, record, province.entries["hoa"], email=EMAIL, **data)
    assert resp.status_code == 400
    assert _objections(db) == []


def test_posting_is_limited_per_address_and_per_email(issued, app, db, province):
    _, record = issued
    hoa = province.entries["hoa"]
    app.config["RATELIMIT_OBJECTION_EMAIL"] = "2 per minute"
    app.config["RATELIMIT_OBJECTION"] = "3 per minute"
    limiter.reset()

    def client_at(address):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = address
        return c

    # One email from many machines: the third is refused.
    for i in (1, 2):
        assert (
            _post(client_at(f"198.51.100.{i}"), record, hoa, email=EMAIL).status_code
            == 303
        )
    assert _post(client_at("198.51.100.3"), record, hoa, email=EMAIL).status_code == 429
    # One machine with many emails: the fourth is refused.
    one = client_at("203.0.113.9")
    for i in (1, 2, 3):
        assert _post(one, record, hoa, email=f"a{i}@example.vn").status_code == 303
    assert _post(one, record, hoa, email="a4@example.vn").status_code == 429
    assert len(_objections(db)) == 5
    # Reading the form is not limited.
    assert one.get(f"/objections/lists/{record.id}").status_code == 200


# --- the secretariat ---------------------------------------------------------------------


def test_the_queue_is_scoped_filtered_paged_and_exported(
    issued, app, db, make, province, login_as
):
    admin, record = issued
    _lodge_received(app, make, province, record, "hoa")
    _lodge_received(app, make, province, record, "formula")
    hoa_objection, formula_objection = _objections(db)
    page = admin.get("/admin/objections/").get_data(as_text=True)
    assert province.entries["hoa"].name in page
    filtered = admin.get(
        "/admin/objections/", query_string={"entry": province.entries["hoa"].id}
    ).get_data(as_text=True)
    assert f"/admin/objections/{hoa_objection.id}" in filtered
    assert f"/admin/objections/{formula_objection.id}" not in filtered
    decided = admin.get("/admin/objections/", query_string={"state": "decided"})
    assert f'/admin/objections/{hoa_objection.id}"' not in decided.get_data(
        as_text=True
    )
    app.config["PAGE_SIZE"], saved = 1, app.config["PAGE_SIZE"]
    try:
        first = admin.get("/admin/objections/").get_data(as_text=True)
        assert "page=2" in first
    finally:
        app.config["PAGE_SIZE"] = saved

    xlsx = admin.get(
        "/admin/objections/export.xlsx", query_string={"campaign": province.campaign.id}
    )
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][8] == REASON

    # Another province's secretariat sees none of it.
    other_root = make.unit(tier=UnitTier.PROVINCE, name="Tỉnh khác")
    other = make.user(role=Role.SECRETARIAT, unit=other_root)
    db.session.commit()
    stranger = login_as(other)
    assert province.entries["hoa"].name not in stranger.get(
        "/admin/objections/"
    ).get_data(as_text=True)
    assert stranger.get(f"/admin/objections/{hoa_objection.id}").status_code == 404
    assert (
        stranger.post(
            f"/admin/objections/{hoa_objection.id}/decide",
            data={"decide-outcome": "dismissed", "decide-note": "x"},
        ).status_code
        == 404
    )
    rows = list(
        load_workbook(
            io.BytesIO(stranger.get("/admin/objections/export.xlsx").data)
        ).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1
    # A unit officer has no queue.
    officer = make.user(role=Role.UNIT_OFFICER, unit=province.communes[0])
    db.session.commit()
    assert login_as(officer).get("/admin/objections/").status_code == 403


def _recommend_history(db, province, key):
    """The recommendation step in the history, as the appraisal writes it."""
    entry = province.entries[key]
    db.session.add(
        History(
            exemplar_id=entry.id,
            action="recommend",
            from_state="submitted",
            to_state="recommended",
            stage_id=province.stages[-1].id,
            note="Đề nghị khen thưởng",
        )
    )
    db.session.commit()


@pytest.mark.parametrize("outcome", ["dismissed", "corrected", "withdrawn"])
def test_each_outcome_is_recorded_shown_and_audited(
    issued, app, db, make, province, outcome
):
    admin, record = issued
    _recommend_history(db, province, "hoa")
    _lodge_received(app, make, province, record, "hoa")
    (objection,) = _objections(db)
    url = f"/admin/objections/{objection.id}"
    assert admin.get(url).status_code == 200
    assert admin.post(url + "/review", data={"review-note": ""}).status_code == 400
    assert (
        admin.post(url + "/review", data={"review-note": "Đang xác minh"}).status_code
        == 303
    )
    bad = admin.post(url + "/decide", data={"decide-outcome": "x", "decide-note": "y"})
    assert bad.status_code == 400
    resp = admin.post(
        url + "/decide",
        data={"decide-outcome": outcome, "decide-note": "Đã xác minh với đơn vị"},
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:600]
    (objection,) = _objections(db)
    assert objection.state == "decided" and objection.outcome == outcome
    assert objection.reviewed_at and objection.decided_at
    hoa = db.session.get(Exemplar, province.entries["hoa"].id)
    if outcome == "withdrawn":
        assert hoa.state == "submitted"  # back to the last stage: off the list
        last = db.session.scalars(
            select(History).where(History.exemplar_id == hoa.id).order_by(History.id)
        ).all()[-1]
        assert last.action == "correct"
        assert f"phản ánh, kiến nghị số {objection.id}" in last.note
    else:
        assert hoa.state == "recommended"
    # Deciding twice is refused.
    again = admin.post(
        url + "/decide", data={"decide-outcome": "dismissed", "decide-note": "z"}
    )
    assert again.status_code == 409

    labels = {
        "dismissed": "Bác phản ánh",
        "corrected": "Đã đính chính hồ sơ",
        "withdrawn": "Đưa hồ sơ ra khỏi danh sách",
    }
    page = app.test_client().get(f"/verify/{record.digest}").get_data(as_text=True)
    assert labels[outcome] in page
    assert f"{clock.today():%d/%m/%Y}" in page

    actions = [
        r.action
        for r in db.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.object_type == "objection")
            .order_by(AuditRecord.id)
        )
    ]
    assert actions == ["objection_lodged", "objection_reviewing", "objection_decided"]
    for report in verify_all(db.engine):
        assert report.intact, report.broken
    db.session.rollback()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["verify-history"])
    assert result.exit_code == 0, result.output
    assert "nguyên vẹn" in result.output


def test_a_withdrawal_the_correction_refuses_changes_nothing(
    issued, app, db, make, province
):
    admin, record = issued
    _lodge_received(app, make, province, record, "hoa")  # no recommendation step
    (objection,) = _objections(db)
    resp = admin.post(
        f"/admin/objections/{objection.id}/decide",
        data={"decide-outcome": "withdrawn", "decide-note": "Rút khỏi danh sách"},
    )
    assert resp.status_code == 409
    assert "Chỉ đính chính được bước gần nhất" in resp.get_data(as_text=True)
    assert _objections(db)[0].state == "received"


# --- privacy -----------------------------------------------------------------------------


def test_the_objector_never_appears_on_public_pages_or_the_api(
    issued, app, db, make, province, smtp
):
    admin, record = issued
    road = province.entries["road"]  # commended: public
    user = _lodge_received(app, make, province, record, "road")
    anonymous = app.test_client()
    assert _post(anonymous, record, road, email=EMAIL).status_code == 303
    anonymous.post(urlsplit(link_in(smtp.to(EMAIL)[0])).path)
    first, _second = _objections(db)
    admin.post(
        f"/admin/objections/{first.id}/decide",
        data={"decide-outcome": "dismissed", "decide-note": "Không có căn cứ"},
    )
    db.session.rollback()
    road = db.session.get(Exemplar, road.id)
    road.published_at = record.issued_at
    db.session.commit()
    pages = [
        anonymous.get(f"/verify/{record.digest}"),
        anonymous.get(f"/showcase/{road.id}-{road.slug}"),
        anonymous.get(f"/api/v1/exemplars/{road.id}"),
        anonymous.get(f"/api/v1/exemplars/{road.id}/decisions"),
    ]
    for resp in pages:
        assert resp.status_code == 200, resp.request.path
        body = resp.get_data(as_text=True)
        for secret in (EMAIL, user.email, user.name, user.username, REASON):
            assert secret not in body, (resp.request.path, secret)
    verify_page = pages[0].get_data(as_text=True)
    showcase_page = pages[1].get_data(as_text=True)
    for body in (verify_page, showcase_page):
        assert "Bác phản ánh" in body and "Đã tiếp nhận" in body
    record_api = pages[3].get_json()
    assert record_api["objections"] == [
        {
            "received_on": f"{clock.today():%Y-%m-%d}",
            "state": "decided",
            "outcome": "dismissed",
            "decided_on": f"{clock.today():%Y-%m-%d}",
        },
        {
            "received_on": f"{clock.today():%Y-%m-%d}",
            "state": "received",
            "outcome": None,
            "decided_on": None,
        },
    ]
    # The secretariat reads who objected.
    inside = admin.get(f"/admin/objections/{first.id}").get_data(as_text=True)
    assert user.email in inside


def test_the_entry_page_invites_objections_only_while_the_window_is_open(
    issued, app, db, make, province
):
    admin, record = issued
    road = db.session.get(Exemplar, province.entries["road"].id)
    road.published_at = record.issued_at
    db.session.commit()
    anonymous = app.test_client()
    page = anonymous.get(f"/showcase/{road.id}-{road.slug}").get_data(as_text=True)
    assert f"/objections/lists/{record.id}?entry={road.id}" in page
    _lodge_received(app, make, province, record, "road")
    record.issued_on = clock.today() - timedelta(days=40)
    db.session.commit()
    page = anonymous.get(f"/showcase/{road.id}-{road.slug}").get_data(as_text=True)
    assert "/objections/lists/" not in page
    assert "Đã tiếp nhận" in page  # the objection stays on the record
    # An annulled list still shows the objections it received, without the form;
    # so does the entry's page, with no list of its campaign in force.
    record.status = "annulled"
    db.session.commit()
    page = anonymous.get(f"/verify/{record.digest}").get_data(as_text=True)
    assert "Đã tiếp nhận" in page and "/objections/lists/" not in page
    page = anonymous.get(f"/showcase/{road.id}-{road.slug}").get_data(as_text=True)
    assert "Đã tiếp nhận" in page and "/objections/lists/" not in page


def _objection_reads(statements: list[str]) -> list[str]:
    """The statements reading an entry's objections or its campaign's lists in force
    (not the entry's own statement, which only asks whether there are any)."""
    return [
        s
        for s in statements
        if s.startswith(
            (
                "SELECT objections.exemplar_id, objections.received_at",
                "SELECT issued_lists.id, issued_lists.digest, issued_lists.filters",
            )
        )
    ]


def test_entry_pages_read_objections_only_while_some_may_show(
    issued, app, db, province, monkeypatch
):
    """An entry page reads objections and lists only when one was received about
    the entry or a recommended list of its campaign in force may still take them
    (it read both on every page); the window's bound is today's, read when the page
    is asked for, not when the statement was built."""
    monkeypatch.setitem(app.config, "SHOWCASE_CACHE_SECONDS", 0)
    _admin, record = issued
    road = db.session.get(Exemplar, province.entries["road"].id)
    road.published_at = record.issued_at
    record.issued_on = clock.today() - timedelta(days=10)
    db.session.commit()
    path = f"/showcase/{road.id}-{road.slug}"
    anonymous = app.test_client()
    with recorded_statements(db.engine) as seen:
        page = anonymous.get(path).get_data(as_text=True)
    assert _objection_reads(seen) and "/objections/lists/" in page
    # A hundred days on, no window of that list can be open.
    assert entry.find(road.id).objections_to_show
    later = clock.now() + timedelta(days=MAX_WINDOW_DAYS + 10)
    with simulated_clock(later, timedelta(0)):
        assert not entry.find(road.id).objections_to_show
    # Issued longer ago than the longest window: nothing read.
    record.issued_on = clock.today() - timedelta(days=MAX_WINDOW_DAYS + 1)
    db.session.commit()
    with recorded_statements(db.engine) as seen:
        page = anonymous.get(path).get_data(as_text=True)
    assert not _objection_reads(seen), seen
    assert road.name in page and "/objections/lists/" not in page


def test_entry_pages_read_an_open_lists_rows_once(issued, app, db, province):
    """While a list's window is open, every entry page of its campaign asks whether
    the list holds the entry: the list's rows (a province's 922) are read once per
    process, not on every page (they were: one read of the content per page)."""
    _admin, record = issued
    queries._ENTRY_IDS.clear()
    anonymous = app.test_client()
    paths = []
    for key in ("road", "hoa", "formula"):
        entry = db.session.get(Exemplar, province.entries[key].id)
        entry.published_at = record.issued_at
        paths.append(f"/showcase/{entry.id}-{entry.slug}")
    db.session.commit()
    with recorded_statements(db.engine) as seen:
        pages = [anonymous.get(p).get_data(as_text=True) for p in paths]
    # the columns of the list named, not a whole row, which carries every entry
    assert sum("issued_lists.content" in s for s in seen) == 1
    for key, page in zip(("road", "hoa", "formula"), pages, strict=True):
        assert f"/objections/lists/{record.id}?entry={province.entries[key].id}" in page


def test_the_form_names_the_campaign_with_its_year_once(issued, app, province):
    """The campaign's name holds its year already: "… năm 2026 (2026)" was shown."""
    _admin, record = issued
    hoa = province.entries["hoa"]
    page = app.test_client().get(f"/objections/lists/{record.id}?entry={hoa.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    name = record.content["title"]["campaign"]
    year = str(record.content["title"]["year"])
    assert year in name and name in text
    assert f"{name} ({year})" not in text
