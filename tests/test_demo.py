"""The demo data: deterministic from the seed, realistic Vietnamese, every workflow state,
contact data present but kept out of the public texts, and the real CLI."""

from __future__ import annotations

import copy
import hashlib
import random
import re
import time
import tomllib
import unicodedata
from datetime import datetime
from importlib import resources
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dankheo.auth.models import RoleAssignment, User
from dankheo.auth.operations import authenticate
from dankheo.campaigns.lifecycle import registration_open
from dankheo.campaigns.models import Campaign
from dankheo.campaigns.operations import STANDARD_FIELDS
from dankheo.demo import content
from dankheo.demo.province import PASSWORDS, YEARS, build_province, tiny_pdf, tiny_png
from dankheo.demo.vocabulary import (
    FIELD_KEYS,
    VocabularyError,
    _Table,
    _theme,
    placeholders,
    vocabulary,
)
from dankheo.domain.enums import Role
from dankheo.domain.metrics import METRIC_KEYS
from dankheo.domain.workflow import PUBLIC_STATES, State
from dankheo.registry.models import Attachment, Exemplar
from dankheo.registry.operations import EDITABLE_FIELDS
from dankheo.registry.uploads import path_for
from dankheo.units.models import Unit

#: A small province for tests: 3 communes and a few dozen entries per year.
SCALE = 0.12
VIETNAMESE_MARKS = re.compile(
    r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I
)
PHONE = re.compile(r"^0\d{3} \d{3} \d{3}$")
PUBLIC_TEXT = (
    "name",
    "situation",
    "goals",
    "content",
    "area",
    "forces",
    "resources",
    "schedule",
    "outputs",
    "sustainability",
    "tags",
    "address",
    "lead_name",
    "lead_position",
)


def _units():
    root = SimpleNamespace(
        name="Tỉnh ủy Bình Sơn", kind="party", tier="province", parent=None
    )
    commune = SimpleNamespace(
        name="Đảng ủy xã Tân Phú", kind="party", tier="commune", parent=root
    )
    return [
        root,
        commune,
        SimpleNamespace(
            name="Chi bộ thôn Đồng Tâm", kind="party", tier="grassroots", parent=commune
        ),
        SimpleNamespace(
            name="Hội Liên hiệp Phụ nữ xã Tân Phú",
            kind="women",
            tier="grassroots",
            parent=commune,
        ),
        SimpleNamespace(
            name="Công an xã Tân Phú",
            kind="armed_forces",
            tier="grassroots",
            parent=commune,
        ),
        SimpleNamespace(
            name="Trường Tiểu học Tân Phú",
            kind="school",
            tier="grassroots",
            parent=commune,
        ),
        SimpleNamespace(
            name="Sở Y tế", kind="government", tier="province", parent=root
        ),
        SimpleNamespace(
            name="Bảo hiểm xã hội tỉnh", kind="government", tier="province", parent=root
        ),
    ]


def _generate(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)
    units = _units()
    out = []
    for _ in range(n):
        unit = rng.choice(units)
        field = content.pick_field(rng, unit, list(STANDARD_FIELDS))
        out.append(
            content.exemplar_data(rng, unit, field, content.pick_kind(rng), year=2026)
        )
    return out


# --------------------------------------------------------------------------- content


def test_exemplar_data_fills_every_registration_item():
    expected = set(EDITABLE_FIELDS) - {"field_id"}
    for data in _generate(1, 200):
        assert set(data) == expected
        for key in (
            "name",
            "situation",
            "goals",
            "content",
            "area",
            "forces",
            "resources",
            "schedule",
            "outputs",
            "sustainability",
            "tags",
            "address",
            "lead_name",
            "lead_position",
            "contact_name",
        ):
            assert data[key].strip(), key
        assert data["kind"] in ("model", "collective", "individual")
        assert data["start_date"] <= data["evaluation_date"]
        assert data["evaluation_date"].year == 2026
        assert isinstance(data["is_continuing"], bool)
        assert len(data["name"]) <= 300
        for key in METRIC_KEYS:
            assert data[key] is None or data[key] >= 0
        assert any(data[key] is not None for key in METRIC_KEYS)


def test_exemplar_data_is_deterministic_and_varied():
    first, again, other = _generate(5, 300), _generate(5, 300), _generate(6, 300)
    assert first == again
    assert first != other
    # A few hundred entries must not read alike.
    assert len({d["name"] for d in first}) > 150
    assert len({d["situation"] for d in first}) > 290
    assert len({d["content"] for d in first}) > 290


def test_exemplar_data_quotes_its_metrics_in_vietnamese_format():
    for data in _generate(9, 200):
        text = data["outputs"] + data["resources"]
        if (
            data["land_m2"] is not None
            and "hiến" in data["outputs"]
            and "m²" in data["outputs"]
        ):
            assert f"{content.vn_int(data['land_m2'])} m²" in data["outputs"]
        if data["person_days"] is not None and "ngày công" in text:
            assert content.vn_int(data["person_days"]) in text
    assert content.vn_int(15590) == "15.590"
    assert content.vn_dec(1234.5) == "1.234,5"
    assert content.vn_dec(3.0) == "3"


def test_exemplar_data_is_fast_enough_for_a_large_province():
    start = time.perf_counter()
    _generate(3, 2705)
    assert time.perf_counter() - start < 10


def test_names_places_and_contacts_look_vietnamese():
    rng = random.Random(4)
    names = [content.person_name(rng) for _ in range(200)]
    assert all(len(n.split()) >= 3 for n in names)
    assert sum(bool(VIETNAMESE_MARKS.search(n)) for n in names) > 150
    assert len(set(content.commune_names(rng, 40))) == 40
    for _ in range(50):
        assert PHONE.match(content.phone(rng))
    assert content.email_for("Nguyễn Thị Lan", rng).endswith("@example.vn")
    loc = content.locality(_units()[2])
    assert (loc.place, loc.commune, loc.province) == (
        "thôn Đồng Tâm",
        "xã Tân Phú",
        "tỉnh Bình Sơn",
    )
    # "xã hội" is not a commune.
    assert content.locality(_units()[7]).commune is None


def test_generated_files_are_valid():
    png = tiny_png(random.Random(1))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    pdf = tiny_pdf(["BÁO CÁO THÀNH TÍCH", "Hiến đất mở đường – thôn Đồng Tâm"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"Hien dat mo duong - thon Dong Tam" in pdf


# --------------------------------------------------------------------------- vocabulary

DATA_FILES = [
    "appraisal.toml",
    "people.toml",
    "phrases.toml",
    "places.toml",
    "presets.toml",
    "themes.toml",
    "units.toml",
]


def _data_text(name: str) -> str:
    return (
        resources.files("dankheo.demo")
        .joinpath("data", name)
        .read_text(encoding="utf-8")
    )


def test_the_words_are_utf8_toml_data_inside_the_package():
    folder = resources.files("dankheo.demo").joinpath("data")
    assert sorted(p.name for p in folder.iterdir()) == DATA_FILES
    for name in DATA_FILES:
        text = _data_text(name)
        assert VIETNAMESE_MARKS.search(text), name
        # Precomposed marks, as typed on Vietnamese keyboards and stored in the database.
        assert unicodedata.is_normalized("NFC", text), name
        tomllib.loads(text)
    v = vocabulary()
    assert vocabulary() is v  # read once per process
    assert len(v.themes) >= 15 and len(v.people.family) >= 20
    # The field words are written with their marks and matched folded.
    assert {content.field_key(f) for f in STANDARD_FIELDS} == set(FIELD_KEYS)
    assert [t.key for t in v.themes].count("land_road") == 1


def test_every_theme_can_always_be_written():
    """The smallest entry (a provincial body reporting one metric) still finds a name,
    a target and a deed: a fragment is skipped when a placeholder has no value, and a
    theme left with none would fail."""
    always = {"place", "commune", "unit", "year", "start_year", "years_running"}
    for theme in vocabulary().themes:
        values = dict.fromkeys({*always, "product", next(iter(theme.metrics))}, "1")
        for key in ("names", "targets", "deeds"):
            assert content._usable(getattr(theme, key), values), (theme.key, key)
        assert placeholders(theme.deeds[-1]) <= values.keys(), theme.key


def test_a_mistake_in_the_data_is_refused_with_its_place():
    raw = tomllib.loads(_data_text("themes.toml"))["theme"][0]
    _theme(_Table(raw, "themes.theme[0]"))  # as shipped
    typo = copy.deepcopy(raw)
    typo["problems"].append("Đường ở {plase} lầy lội.")
    with pytest.raises(VocabularyError, match=r"theme\[0\]\.problems.*plase"):
        _theme(_Table(typo, "themes.theme[0]"))
    kind = copy.deepcopy(raw)
    kind["kinds"] = ["farmer"]
    with pytest.raises(VocabularyError, match="kinds.*farmer"):
        _theme(_Table(kind, "themes.theme[0]"))
    metric = copy.deepcopy(raw)
    metric["metrics"]["hectares"] = [1, 2]
    with pytest.raises(VocabularyError, match="unknown metric 'hectares'"):
        _theme(_Table(metric, "themes.theme[0]"))


# --------------------------------------------------------------------------- the province


def _digest(db) -> str:
    rows = db.session.execute(
        select(
            Campaign.year,
            Unit.code,
            Unit.name,
            Exemplar.name,
            Exemplar.kind,
            Exemplar.state,
            Exemplar.households,
            Exemplar.money_million,
            Exemplar.land_m2,
            Exemplar.contact_phone,
        )
        .join(Campaign, Campaign.id == Exemplar.campaign_id)
        .join(Unit, Unit.id == Exemplar.unit_id)
        .order_by(Campaign.year, Exemplar.id)
    ).all()
    users = db.session.scalars(select(User.username).order_by(User.id)).all()
    return hashlib.sha256(repr((rows, users)).encode()).hexdigest()


def _seed_via_cli(app, db, seed: int):
    db.session.remove()  # the CLI drops and recreates the tables
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--seed", str(seed), "--reset"]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_demo_cli_is_deterministic(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_SCALE", SCALE * 0.7)
    output = _seed_via_cli(app, db, 7)
    first = _digest(db)
    for password in PASSWORDS.values():
        assert password in output
    assert "quantri" in output and "thuongtruc" in output
    for year in YEARS:
        assert f"{year}:" in output

    _seed_via_cli(app, db, 7)
    assert _digest(db) == first

    _seed_via_cli(app, db, 8)
    assert _digest(db) != first

    # Without --reset a filled database is refused, not doubled.
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(Campaign.id))) == len(YEARS)


def test_demo_province(db):
    """One build (the slow part), then each property in turn."""
    report = build_province(seed=2026, echo=lambda _m: None, scale=SCALE * 1.5)
    db.session.commit()
    _every_state_in_the_current_and_earlier_years(db)
    _texts_are_vietnamese_and_contacts_stay_out_of_public_fields(db)
    _accounts_for_every_role_log_in_with_the_printed_passwords(db, report)
    _attachments_are_real_files_and_public_photos_exist(db)


def _every_state_in_the_current_and_earlier_years(db):
    rows = db.session.execute(
        select(Campaign.year, Exemplar.state, func.count())
        .join(Campaign, Campaign.id == Exemplar.campaign_id)
        .group_by(Campaign.year, Exemplar.state)
    ).all()
    by_year: dict[int, dict[str, int]] = {}
    for year, state, n in rows:
        by_year.setdefault(year, {})[state] = n
    assert sorted(by_year) == list(YEARS)
    everywhere = {s for counts in by_year.values() for s in counts}
    assert everywhere == set(State.values())
    current = by_year[YEARS[-1]]
    assert current.get(State.DRAFT, 0) > 0
    assert current.get(State.SUBMITTED, 0) > 0  # some councils still open
    for year in YEARS[:-1]:
        assert (
            by_year[year].get(State.SUBMITTED, 0) == 0
        )  # earlier years fully appraised
    # The current year is the busiest.
    assert sum(current.values()) > sum(by_year[YEARS[0]].values())
    statuses = dict(db.session.execute(select(Campaign.year, Campaign.status)).all())
    assert all(statuses[y] == "closed" for y in YEARS[:-1])
    # A newcomer running the demo any day finds registration open in Vietnam's year.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    open_now = [
        c for c in db.session.scalars(select(Campaign)) if registration_open(c, today)
    ]
    assert [c.year for c in open_now] == [today.year]


def _texts_are_vietnamese_and_contacts_stay_out_of_public_fields(db):
    exemplars = db.session.scalars(select(Exemplar)).all()
    assert len(exemplars) > 50
    assert all(
        VIETNAMESE_MARKS.search(e.name)
        for e in exemplars[:50]
        if e.kind != "individual"
    )
    units = db.session.scalars(select(Unit)).all()
    assert sum(bool(VIETNAMESE_MARKS.search(u.name)) for u in units) > len(units) * 0.9
    for e in exemplars:
        assert PHONE.match(e.contact_phone)
        assert e.contact_email.endswith("@example.vn")
        assert e.contact_name
        public = " ".join(getattr(e, f) for f in PUBLIC_TEXT)
        assert e.contact_phone not in public
        assert e.contact_email not in public
        assert "@" not in public
        assert e.slug and e.search_text
        assert e.field_id is not None
        assert e.unit.path.startswith(e.campaign.unit.path)
        for key in METRIC_KEYS:
            value = getattr(e, key)
            assert value is None or value >= 0
        if e.state != State.DRAFT:
            assert e.submitted_at is not None
            assert e.history, e


def _accounts_for_every_role_log_in_with_the_printed_passwords(db, lines):
    report = "\n".join(lines)
    roles = set(db.session.scalars(select(RoleAssignment.role)).all())
    assert roles == set(Role.values())
    users = db.session.scalars(select(User).order_by(User.id)).all()
    for role in Role:
        # The first account holding ``role`` and no higher one (the admin is also
        # secretariat, so the secretariat's account is the next one).
        user = next(
            u
            for u in users
            if role in {r.role for r in u.roles}
            and (role == Role.ADMIN or not u.is_admin)
        )
        assert user.username in report
        assert authenticate(user.username, PASSWORDS[role]) is not None, role
    assert authenticate("quantri", "sai-mat-khau") is None


def _attachments_are_real_files_and_public_photos_exist(db):
    attachments = db.session.scalars(select(Attachment)).all()
    assert attachments
    for a in attachments[:20]:
        data = path_for(a).read_bytes()
        assert hashlib.sha256(data).hexdigest() == a.sha256
        assert len(data) == a.size
        if a.content_type == "image/png":
            assert data.startswith(b"\x89PNG")
        else:
            assert data.startswith(b"%PDF-")
    assert any(a.original_name.startswith("Báo cáo") for a in attachments)
    assert all(
        a.is_public is False for a in attachments if a.content_type != "image/png"
    )
    shown = [
        a for a in attachments if a.is_public and a.exemplar.state in PUBLIC_STATES
    ]
    assert shown, "the showcase needs a few public photos"
