"""Privacy by construction: walk every public endpoint over demo-like data in every state
and find none of the secrets (contacts, non-public entries, votes, members' scores and
comments, private files, council members)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import deque
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from dankheo.appraisal.closing import close_round
from dankheo.appraisal.commendations import mark_replicated, record_commendation
from dankheo.appraisal.councils import add_member, create_council, open_round
from dankheo.appraisal.setup import add_criterion, create_stage
from dankheo.appraisal.voting import cast_vote
from dankheo.domain.enums import Role
from dankheo.registry.attachments import add_attachment
from dankheo.registry.operations import submit_exemplar

from .conftest import PDF, PNG, STORY

PUBLIC_PREFIXES = ("/showcase", "/stats", "/api/", "/static/", "/verify")


@pytest.fixture
def world(make, db):
    """A province with a commune, a two-member council, and entries in every state,
    decided by real votes. Returns (secrets, public names)."""
    province = make.unit(name="Tỉnh Bí Mật Thử")
    commune = make.unit(parent=province, name="Xã Công Khai")
    campaign = make.campaign(unit=province)
    stage = create_stage(
        campaign,
        {
            "name": "Bình xét cấp tỉnh",
            "tier": "province",
            "pass_label": "Tiêu biểu cấp tỉnh",
        },
        actor=None,
    )
    criterion = add_criterion(stage, name="Hiệu quả", max_points=9999, actor=None)
    council = create_council(
        stage, province, name="Hội đồng thẩm định tỉnh", actor=None
    )
    chair_user = make.user(
        role=Role.SECRETARIAT, unit=province, name="Chủ Tịch Ẩn Danh"
    )
    member_user = make.user(role=None, unit=province, name="Thành Viên Ẩn Danh")
    chair = add_member(council, chair_user, role="chair", actor=None)
    member = add_member(council, member_user, actor=None)

    secrets = {
        "contact phone": "0987 654 321",
        "contact email": "lien-he-bi-mat@example.vn",
        "contact name": "Người Liên Hệ Kín",
        "council comment": "NHẬN XÉT KÍN CỦA HỘI ĐỒNG",
        "second comment": "Ý kiến riêng thành viên",
        "score of one member": "7351",
        "score of another member": "6829",
        "private attachment": "Biên bản họp kín.pdf",
        "private photo": "Ảnh nội bộ không công khai.png",
        "chair": chair_user.name,
        "member": member_user.name,
        "member email": member_user.email,
        "username": member_user.username,
    }
    private_contact = {
        "contact_phone": secrets["contact phone"],
        "contact_email": secrets["contact email"],
        "contact_name": secrets["contact name"],
    }

    def entry(name, **extra):
        e = make.exemplar(
            campaign=campaign,
            unit=commune,
            name=name,
            **STORY,
            **private_contact,
            **extra,
        )
        add_attachment(
            e,
            actor=None,
            stream=io.BytesIO(PDF),
            filename=secrets["private attachment"],
            kind="report",
        )
        add_attachment(
            e,
            actor=None,
            stream=io.BytesIO(PNG),
            filename=secrets["private photo"],
            kind="photo",
        )
        add_attachment(
            e,
            actor=None,
            stream=io.BytesIO(PNG),
            filename="Ảnh công khai.png",
            kind="photo",
            is_public=True,
        )
        return e

    public = [entry(f"Mô hình công khai {i}", households=100 + i) for i in range(4)]
    rejected = entry("Mô hình không đạt BÍ MẬT")
    returned = entry("Mô hình cần bổ sung BÍ MẬT")
    no_quorum = entry("Mô hình đang thẩm định BÍ MẬT")
    draft = entry("Bản nháp BÍ MẬT chưa gửi")
    for e in [*public, rejected, returned, no_quorum]:
        submit_exemplar(e, actor=None)
    db.session.flush()

    rnd = open_round(council, actor=None)
    points = {criterion.id: int(secrets["score of one member"])}
    other_points = {criterion.id: int(secrets["score of another member"])}
    for e in public:
        cast_vote(
            chair,
            e,
            choice="approve",
            scores=points,
            comment=secrets["council comment"],
        )
        cast_vote(
            member,
            e,
            choice="approve",
            scores=other_points,
            comment=secrets["second comment"],
        )
    cast_vote(
        chair,
        rejected,
        choice="reject",
        scores=points,
        comment=secrets["council comment"],
    )
    cast_vote(
        member,
        rejected,
        choice="reject",
        scores=other_points,
        comment=secrets["second comment"],
    )
    cast_vote(
        chair,
        returned,
        choice="approve",
        scores=points,
        comment=secrets["council comment"],
    )
    from dankheo.appraisal.voting import mark_return

    mark_return(rnd, returned, reason="LÝ DO TRẢ LẠI KÍN", actor=None)
    secrets["return reason"] = "LÝ DO TRẢ LẠI KÍN"
    # no_quorum: nobody votes on it, it stays in appraisal.
    close_round(rnd, actor=None)
    db.session.flush()

    for e in (public[1], public[2]):
        db.session.refresh(e)
    form = campaign.commendation_forms[1]
    record_commendation(
        public[1],
        form=form,
        issuing_body=form.issuing_body,
        decision_number="1034/QĐ-UBND",
        decision_date=date(2026, 11, 18),
        actor=None,
    )
    record_commendation(
        public[2],
        form=form,
        issuing_body=form.issuing_body,
        decision_number="1035/QĐ-UBND",
        decision_date=date(2026, 11, 18),
        actor=None,
    )
    db.session.flush()
    db.session.refresh(public[2])
    mark_replicated(public[2], note="Nhân rộng ra các xã", actor=None)
    db.session.commit()

    states = {e.name: e.state for e in [*public, rejected, returned, no_quorum, draft]}
    assert [states[e.name] for e in public] == [
        "recommended",
        "commended",
        "replicated",
        "recommended",
    ]
    assert states[rejected.name] == "rejected"
    assert states[returned.name] == "returned"
    assert states[no_quorum.name] == "submitted"
    assert states[draft.name] == "draft"
    for name in (rejected.name, returned.name, no_quorum.name, draft.name):
        secrets[f"non-public entry {name}"] = name
    hidden_ids = [rejected.id, returned.id, no_quorum.id, draft.id]
    return secrets, [e.name for e in public], hidden_ids


def _mentions(text: str, value: str) -> bool:
    """``value`` appears in ``text``; a score only as a number of its own, never as
    digits inside a longer one (an XLSX date is a day count such as 46355.6307351...)."""
    if value.isdigit():
        return re.search(rf"(?<!\d){value}(?!\d)", text) is not None
    return value in text


def _texts(resp) -> str:
    """Everything a visitor can read in a response, XLSX unzipped."""
    ctype = resp.mimetype or ""
    if ctype.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(resp.data)) as z:
            return " ".join(
                z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")
            )
    if ctype.startswith("image/"):
        return ""
    text = resp.get_data(as_text=True)
    if ctype == "application/json":
        # Compare decoded JSON, so "\u1ea1"-style escapes cannot hide a value.
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _links(base: str, text: str) -> set[str]:
    found = set(re.findall(r'(?:href|src)="([^"#]+)"', text))
    found |= set(re.findall(r'"(?:url|next_url|funnel_url)": "([^"]+)"', text))
    out = set()
    for link in found:
        link = link.replace("&amp;", "&")
        parts = urlsplit(link)
        if parts.netloc and parts.netloc != "localhost":
            continue
        path = parts.path + (("?" + parts.query) if parts.query else "")
        if path.startswith("/") and (path == "/" or path.startswith(PUBLIC_PREFIXES)):
            out.add(path)
    return out


def _issued_digest(db) -> str:
    """The province's recommended list, issued: its public verification page too."""
    from sqlalchemy import select

    from dankheo.campaigns.models import Campaign
    from dankheo.lists.document import Header, ListDocument
    from dankheo.lists.operations import issue_list
    from dankheo.lists.queries import ListFilters, plan_list

    campaign = db.session.scalars(select(Campaign)).one()
    scopes = [campaign.unit.path]
    doc = ListDocument(
        plan_list(ListFilters(campaign=campaign), scopes), Header(issuing_body="BDV")
    )
    issued = issue_list(doc, scopes=scopes, root=campaign.unit, actor=None)
    db.session.commit()
    return issued.digest


def test_no_public_endpoint_reveals_a_secret(client, world, app, db):
    secrets, public_names, hidden_ids = world
    digest = _issued_digest(db)
    start = {
        f"/verify/{digest}",
        f"/verify?digest={digest[:16]}",
        "/",
        "/showcase",
        "/stats",
        "/showcase/feed.atom",
        "/showcase/export.csv",
        "/showcase/export.xlsx",
        "/stats/export.xlsx",
        "/api/openapi.json",
        "/api/v1/exemplars",
        "/api/v1/campaigns",
        "/showcase?lang=en",
    }
    # Searching for the secrets finds nothing either.
    for value in secrets.values():
        start.add(f"/showcase?q={value}")
        start.add(f"/api/v1/exemplars?q={value}")
    queue, seen = deque(sorted(start)), set()
    statuses = {}
    while queue and len(seen) < 600:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url)
        statuses[url] = resp.status_code
        assert resp.status_code in (200, 301, 302, 304, 400, 404), (
            url,
            resp.status_code,
        )
        if resp.status_code in (301, 302):
            queue.append(urlsplit(resp.headers["Location"]).path)
            continue
        text = _texts(resp)
        folded = text.casefold()
        query = " ".join(parse_qs(urlsplit(url).query).get("q", [])).casefold()
        if query and url.startswith(("/showcase?q=", "/api/v1/exemplars?q=")):
            # Searching for a secret finds nothing (the walk also switches to English).
            assert any(
                zero in text for zero in ("0 kết quả", "Results: 0", '"total": 0')
            ), url
        for what, value in secrets.items():
            if value.casefold() in query:
                continue  # the visitor's own query echoes in the search box
            assert not _mentions(folded, value.casefold()), f"{what} leaked on {url}"
        if not url.startswith("/static/"):
            queue.extend(_links("http://localhost", text) - seen)
    assert len(seen) > 100, len(seen)
    # The walk reached the list, every public entry page, photos, stats, the API.
    visited = " ".join(seen)
    assert "/showcase/photos/" in visited
    assert "/stats/field.csv" in visited or "/stats/funnel.csv" in visited
    # The decision record (page section and API) was walked too: counts only.
    assert "/decisions" in visited
    assert "Cách thức xét chọn" in client.get(
        next(u for u in seen if re.fullmatch(r"/showcase/\d+-[^?]*", u))
    ).get_data(as_text=True)
    assert statuses[f"/verify/{digest}"] == 200
    body = client.get("/showcase").get_data(as_text=True)
    for name in public_names:
        assert name in body
    for i in hidden_ids:
        for url in (
            f"/showcase/{i}",
            f"/showcase/{i}-x",
            f"/api/v1/exemplars/{i}",
            f"/api/v1/exemplars/{i}/decisions",
        ):
            assert client.get(url).status_code == 404


def test_private_attachment_ids_answer_404(client, world, db):
    from sqlalchemy import select

    from dankheo.registry.models import Attachment

    served = 0
    for a in db.session.scalars(select(Attachment)):
        status = client.get(f"/showcase/photos/{a.id}").status_code
        public_entry = a.exemplar.state in ("recommended", "commended", "replicated")
        if a.is_public and public_entry:
            assert status == 200
            served += 1
        else:
            assert status == 404, a.original_name
    assert served == 4
