"""The "province" demo preset: a fictional province after the 2025 reorganisation, with
its unit tree, accounts for every role, three yearly campaigns and a few hundred entries
in every state of the workflow.

Everything is drawn from one ``random.Random(seed)``, in a fixed order, so the same seed
builds the same data (names, units, states, metrics) on SQLite and PostgreSQL. Entries
go through the real operations (create, attach, submit) and the appraisal is simulated
by :mod:`dankheo.demo.appraisal` through the real council operations, so the history of
every entry is the one a real campaign would leave.
"""

from __future__ import annotations

import io
import random
import struct
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..auth.models import RoleAssignment, User
from ..auth.operations import create_user, hash_password
from ..campaigns.models import Campaign
from ..campaigns.operations import create_campaign
from ..db import simulated_clock
from ..domain.enums import AttachmentKind, CampaignStatus, Role, UnitKind, UnitTier
from ..domain.text import fold, slugify
from ..domain.workflow import State
from ..extensions import db
from ..registry.attachments import add_attachment
from ..registry.models import Exemplar
from ..registry.operations import create_exemplar, submit_exemplar
from ..units.models import Unit
from ..units.operations import create_unit
from . import content
from .vocabulary import vocabulary

_UNITS = vocabulary().units
_TEXTS = vocabulary().presets

#: One demo password per role; the README quotes what ``seed-demo`` prints.
PASSWORDS = {
    Role.ADMIN: "quantri-2026",
    Role.SECRETARIAT: "thuongtruc-2026",
    Role.UNIT_OFFICER: "donvi-2026",
    Role.COUNCIL_MEMBER: "hoidong-2026",
}


def vietnam_today() -> date:
    """Today in Vietnam, from the real clock: the demo is seeded for the day it is run."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def demo_years(today: date) -> tuple[int, int, int]:
    """Campaign years: two earlier ones fully appraised and closed, and Vietnam's
    current year, open for registration while its first sessions run."""
    return (today.year - 2, today.year - 1, today.year)


YEARS = demo_years(vietnam_today())
#: Entries per campaign at scale 1, oldest year first (the current year is the busiest).
ENTRIES = (140, 180, 300)
#: Share of entries never submitted (left as drafts), oldest year first.
DRAFT_SHARE = (0.03, 0.03, 0.08)
#: Share of the current year's councils that have not closed their session yet.
OPEN_SHARE = 0.35
#: Share of the current year's entries that reach their council after its first session.
LATE_SHARE = 0.05


@dataclass
class CommuneTree:
    unit: Unit
    name: str  # "xã Tân Phú"
    branches: list[Unit] = field(default_factory=list)
    schools: list[Unit] = field(default_factory=list)
    cells: list[Unit] = field(default_factory=list)

    @property
    def units(self) -> list[Unit]:
        return [self.unit, *self.branches, *self.schools, *self.cells]


@dataclass
class ProvinceTree:
    root: Unit
    province: str  # "Bình Sơn"
    secretariat: Unit
    bodies: list[Unit]  # provincial agencies, Front, mass organisations, forces
    communes: list[CommuneTree]

    @property
    def units(self) -> list[Unit]:
        out = [self.root, self.secretariat, *self.bodies]
        for c in self.communes:
            out.extend(c.units)
        return out

    @property
    def registering(self) -> list[tuple[Unit, float]]:
        """Units that register entries, with how many each tends to register."""
        out: list[tuple[Unit, float]] = [(b, 1.6) for b in self.bodies]
        for c in self.communes:
            out.append((c.unit, 3.0))
            out.extend((b, 1.0) for b in c.branches)
            out.extend((s, 0.8) for s in c.schools)
            out.extend((cell, 0.7) for cell in c.cells)
        return out


def _initials(name: str) -> str:
    return "".join(w[0] for w in fold(name).split()).upper()


def build_units(
    rng: random.Random,
    *,
    communes: int = 24,
    ward_share: float = 0.3,
    cells: tuple[int, int] = (3, 6),
    province: str | None = None,
) -> ProvinceTree:
    """Create the unit tree of a province.

    Tiers: the province (its Party committee as root, with the mobilisation committee,
    departments, the Front, mass organisations and forces at province tier) → communes
    and wards (each unit is its Party committee, tier "commune", where the commune
    council sits) → the commune's Front and mass-organisation branches, police and
    military command, schools and residential-area party cells (tier "grassroots"), so
    every entry of a commune is routed to that commune's council.
    """
    province = province or content.province_name(rng)
    code = _initials(province)
    root = create_unit(
        code=code,
        name=_UNITS.root.format(province=province),
        tier=UnitTier.PROVINCE,
        kind=UnitKind.PARTY,
    )
    secretariat = create_unit(
        code=f"{code}.BTGDV",
        name=_UNITS.secretariat,
        tier=UnitTier.PROVINCE,
        kind=UnitKind.PARTY,
        parent=root,
    )
    bodies = [
        create_unit(
            code=f"{code}.{b.code}",
            name=b.name,
            tier=UnitTier.PROVINCE,
            kind=b.kind,
            parent=root,
        )
        for b in (*_UNITS.agencies, *_UNITS.organisations, *_UNITS.forces)
    ]
    trees: list[CommuneTree] = []
    names = content.commune_names(rng, communes)
    special = communes >= 12 and rng.random() < 0.5
    for i, name in enumerate(names, 1):
        if special and i == communes:
            word, prefix = _UNITS.special_zone_word, "D"
        elif rng.random() < ward_share:
            word, prefix = _UNITS.ward_word, "P"
        else:
            word, prefix = _UNITS.commune_word, "X"
        ccode = f"{code}.{prefix}{i:02d}"
        label = f"{word} {name}"
        unit = create_unit(
            code=ccode,
            name=_UNITS.committee.format(commune=label),
            tier=UnitTier.COMMUNE,
            kind=UnitKind.PARTY,
            parent=root,
        )
        tree = CommuneTree(unit=unit, name=label)
        for branch in _UNITS.branches:
            tree.branches.append(
                create_unit(
                    code=f"{ccode}.{branch.code}",
                    name=f"{branch.name} {label}",
                    tier=UnitTier.GRASSROOTS,
                    kind=branch.kind,
                    parent=unit,
                )
            )
        for j, school in enumerate(
            content.school_names(rng, name, rng.randint(1, 3)), 1
        ):
            tree.schools.append(
                create_unit(
                    code=f"{ccode}.TH{j}",
                    name=school,
                    tier=UnitTier.GRASSROOTS,
                    kind=UnitKind.SCHOOL,
                    parent=unit,
                )
            )
        urban = prefix == "P"
        areas = content.village_names(rng, rng.randint(*cells), urban=urban)
        for j, area in enumerate(areas, 1):
            tree.cells.append(
                create_unit(
                    code=f"{ccode}.CB{j:02d}",
                    name=_UNITS.cell.format(area=area[:1].lower() + area[1:]),
                    tier=UnitTier.GRASSROOTS,
                    kind=UnitKind.PARTY,
                    parent=unit,
                )
            )
        trees.append(tree)
    return ProvinceTree(
        root=root,
        province=province,
        secretariat=secretariat,
        bodies=bodies,
        communes=trees,
    )


# --------------------------------------------------------------------------- accounts


@dataclass
class Account:
    username: str
    role: str
    unit: str


def _username(prefix: str, name: str) -> str:
    return f"{prefix}.{slugify(name).replace('-', '')}"[:60]


def _create_accounts(
    rng: random.Random, tree: ProvinceTree, hashes: dict[Role, str]
) -> tuple[list[Account], dict[int, User]]:
    """Admin, secretariat and one officer per commune and provincial body.

    Returns the accounts for the report and the officer of each unit id that has one.
    """
    accounts: list[Account] = []
    officers: dict[int, User] = {}

    def make(username, role, unit, scope, position):
        p = content.person(rng)
        user = create_user(
            username=username,
            name=p.name,
            email=f"{username}@example.vn",
            password_hash=hashes[role],
            unit=unit,
            roles=[(role, scope)],
            position=position,
        )
        accounts.append(Account(user.username, role, unit.name))
        return user

    positions = _TEXTS["accounts"]
    admin = make("quantri", Role.ADMIN, tree.root, tree.root, positions["admin"])
    admin.roles.append(RoleAssignment(role=Role.SECRETARIAT, unit=tree.root))
    make(
        "thuongtruc",
        Role.SECRETARIAT,
        tree.secretariat,
        tree.root,
        positions["secretariat"],
    )
    for body in tree.bodies:
        user = make(
            f"donvi.{body.code.rsplit('.', 1)[-1].lower()}",
            Role.UNIT_OFFICER,
            body,
            body,
            positions["body_officer"],
        )
        officers[body.id] = user
    for commune in tree.communes:
        user = make(
            _username("donvi", commune.name),
            Role.UNIT_OFFICER,
            commune.unit,
            commune.unit,
            positions["commune_officer"],
        )
        officers[commune.unit.id] = user
    db.session.flush()
    return accounts, officers


def _officer_for(unit: Unit, officers: dict[int, User]) -> User | None:
    for uid in reversed(unit.ancestor_ids()):
        if uid in officers:
            return officers[uid]
    return None


# --------------------------------------------------------------------------- files


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + tag
        + data
        + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    )


def tiny_png(rng: random.Random, width: int = 96, height: int = 64) -> bytes:
    """A small valid PNG: sky, fields and a road running to the horizon."""

    def jitter(rgb):
        return bytes(max(0, min(255, c + rng.randint(-25, 25))) for c in rgb)

    sky, field_, road = (
        jitter((150, 200, 235)),
        jitter((90, 160, 80)),
        jitter((150, 150, 150)),
    )
    horizon = int(height * rng.uniform(0.35, 0.5))
    rows = []
    for y in range(height):
        if y < horizon:
            row = sky * width
        else:
            half = min(
                width // 2, 1 + (y - horizon) * width // (2 * (height - horizon))
            )
            side = width // 2 - half
            row = field_ * side + road * (width - 2 * side) + field_ * side
        rows.append(b"\x00" + row)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def _pdf_text(text: str) -> str:
    # The base-14 fonts cannot show Vietnamese marks: the sample report is folded ASCII.
    text = "".join(
        c
        for c in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        if not unicodedata.combining(c)
    )
    text = text.replace("–", "-").replace("“", '"').replace("”", '"').replace("²", "2")
    text = text.encode("ascii", "replace").decode("ascii")
    return text.replace("\\", "").replace("(", "[").replace(")", "]")[:90]


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page valid PDF (a stand-in for the achievement report)."""
    y, ops = 780, []
    for i, line in enumerate(lines):
        size = 16 if i == 0 else 11
        ops.append(f"BT /F1 {size} Tf 56 {y} Td ({_pdf_text(line)}) Tj ET")
        y -= 26 if i == 0 else 18
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _attach_files(rng: random.Random, exemplar: Exemplar, actor: User | None) -> int:
    """Attach a photo and/or an achievement report to a draft; returns how many."""
    n, files = 0, _TEXTS["attachments"]
    if rng.random() < 0.25:
        for k in range(rng.choice((1, 1, 2))):
            add_attachment(
                exemplar,
                actor=actor,
                stream=io.BytesIO(tiny_png(rng)),
                filename=files["photo"].format(number=k + 1, name=exemplar.name[:60]),
                kind=AttachmentKind.PHOTO,
                # Most units agree that photos may be shown once the entry is public.
                is_public=rng.random() < 0.8,
            )
            n += 1
    if rng.random() < 0.12:
        lines = [
            files["report_title"],
            exemplar.name,
            exemplar.unit.name,
            *exemplar.outputs.splitlines()[:6],
        ]
        add_attachment(
            exemplar,
            actor=actor,
            stream=io.BytesIO(tiny_pdf(lines)),
            filename=files["report"],
            kind=AttachmentKind.REPORT,
        )
        n += 1
    return n


# --------------------------------------------------------------------------- campaigns


def registration_window(year: int, today: date, current: bool) -> tuple[date, date]:
    """The movement's usual window (15 February – 25 October); the current year's is
    stretched to include ``today`` and the month after it (within the year), so a
    newcomer running the demo any day of the year finds registration open."""
    opens, closes = date(year, 2, 15), date(year, 10, 25)
    if current:
        opens = min(opens, today)
        closes = max(closes, min(today + timedelta(days=30), date(year, 12, 31)))
    return opens, closes


def _campaign(tree: ProvinceTree, year: int, current: bool, today: date) -> Campaign:
    texts = _TEXTS["campaign"]
    opens, closes = registration_window(year, today, current)
    return create_campaign(
        name=texts["name"].format(year=year),
        year=year,
        unit=tree.root,
        registration_opens=opens,
        registration_closes=closes,
        status=CampaignStatus.REGISTRATION,
        period_label=str(year),
        description=texts["description"].format(year=year, province=tree.province),
    )


def _register(
    rng: random.Random,
    campaign: Campaign,
    tree: ProvinceTree,
    officers: dict[int, User],
    count: int,
    draft_share: float,
    late_share: float = 0.0,
) -> tuple[list[tuple[Exemplar, User | None]], int]:
    """Create ``count`` entries with their files; submit all but about ``draft_share``
    of them (left as drafts) and ``late_share`` (returned to the caller, which submits
    them after the first sessions). Returns (late entries with their officer, files)."""
    registering = tree.registering
    units = [u for u, _w in registering]
    weights = [w for _u, w in registering]
    field_names = [f.name for f in campaign.fields]
    field_ids = {f.name: f.id for f in campaign.fields}
    attachments = 0
    late: list[tuple[Exemplar, User | None]] = []
    for i in range(count):
        unit = rng.choices(units, weights=weights)[0]
        actor = _officer_for(unit, officers)
        field_name = content.pick_field(rng, unit, field_names)
        kind = content.pick_kind(rng, unit)
        data = content.exemplar_data(
            rng,
            unit,
            field_name,
            kind,
            year=campaign.year,
            province=f"tỉnh {tree.province}",
        )
        data["field_id"] = field_ids[field_name]
        exemplar = create_exemplar(campaign=campaign, unit=unit, actor=actor, data=data)
        attachments += _attach_files(rng, exemplar, actor)
        r = rng.random()
        if r < draft_share:
            continue
        # At least one late entry whenever late entries are asked for.
        if r < draft_share + late_share or (late_share and not late and i == count - 1):
            late.append((exemplar, actor))
        else:
            submit_exemplar(exemplar, actor=actor)
    return late, attachments


def _state_counts(campaign: Campaign) -> Counter:
    rows = db.session.execute(
        select(Exemplar.state, func.count())
        .where(Exemplar.campaign_id == campaign.id)
        .group_by(Exemplar.state)
    ).all()
    return Counter({state: n for state, n in rows})


def _council_accounts() -> tuple[list[Account], int]:
    """Members of the province council and of the first commune council (the rest
    follow the same pattern), and how many council accounts are not listed."""
    from ..appraisal.models import Council, CouncilMember

    rows = db.session.execute(
        select(User.username, Unit.name, Unit.tier, Unit.id)
        .join(CouncilMember, CouncilMember.user_id == User.id)
        .join(Council, Council.id == CouncilMember.council_id)
        .join(Unit, Unit.id == Council.unit_id)
        .order_by(Unit.depth, Unit.id, CouncilMember.id)
    ).all()
    seen: dict[str, Account] = {}
    shown_units: list[int] = []
    hidden: set[str] = set()
    for username, unit_name, tier, unit_id in rows:
        if username in seen:
            continue
        if unit_id not in shown_units and (
            tier == UnitTier.PROVINCE or len(shown_units) < 2
        ):
            shown_units.append(unit_id)
        if unit_id in shown_units:
            seen[username] = Account(username, Role.COUNCIL_MEMBER, unit_name)
        else:
            hidden.add(username)
    return list(seen.values()), len(hidden - seen.keys())


def _leave_returns(campaign: Campaign, rng: random.Random) -> int:
    """Close the session of a few councils still in session after each returned one or
    two entries for supplement, which the units have not sent back yet (the councils of
    the earliest stage that has any in session).

    The simulated season resubmits every returned entry at once; in a campaign still
    running some are waiting for the unit, and the workspace should show them. The
    chair uses the real operations (mark, close, open the next session).
    """
    from ..appraisal.closing import close_round
    from ..appraisal.councils import open_round
    from ..appraisal.models import Council, MemberRole
    from ..appraisal.recusal import queue_condition
    from ..appraisal.voting import mark_return
    from ..campaigns.models import Stage
    from .appraisal import RETURN_REASONS, return_marker

    councils = db.session.scalars(
        select(Council)
        .join(Stage, Stage.id == Council.stage_id)
        .where(Stage.campaign_id == campaign.id)
        .order_by(Stage.position, Council.id)
    ).all()
    in_session = []
    for council in councils:
        rnd = council.open_round
        if rnd is None:
            continue
        queue = db.session.scalars(
            select(Exemplar).where(queue_condition(council)).order_by(Exemplar.id)
        ).all()
        if queue:
            in_session.append((council, rnd, queue))
    if not in_session:
        return 0
    # Mostly commune councils (listed first); the province council only when alone.
    first = [c for c in in_session if c[0].stage_id == in_session[0][0].stage_id]
    returned = 0
    for council, rnd, queue in rng.sample(first, max(1, len(first) // 3)):
        chair = next(
            (m.user for m in council.active_members if m.role == MemberRole.CHAIR), None
        )
        # Never return the last waiting entry of the only council in session.
        keep = 1 if len(in_session) == 1 else 0
        k = min(rng.randint(1, 2), len(queue) - keep)
        if k <= 0:
            continue
        for exemplar in rng.sample(queue, k):
            marker = return_marker(council, exemplar)
            if marker is None:
                continue
            mark_return(rnd, exemplar, reason=rng.choice(RETURN_REASONS), actor=marker)
            returned += 1
        close_round(rnd, actor=chair)
        open_round(council, actor=chair)
    return returned


def build_province(
    seed: int, echo: Callable[[str], None] = print, *, scale: float | None = None
) -> list[str]:
    """Build the whole preset; returns the report lines (accounts, passwords, counts).

    ``scale`` (default: the app's ``DEMO_SCALE`` setting, else 1) shrinks or grows the
    number of communes and entries, so tests can build a small province quickly.
    """
    from .appraisal import setup_appraisal, simulate_appraisal

    started = time.perf_counter()
    if scale is None:
        scale = float(current_app.config.get("DEMO_SCALE", 1.0))
    rng = random.Random(seed)
    n_communes = max(2, round(24 * scale))

    echo(f"Tạo cây đơn vị ({n_communes} xã, phường)…")
    tree = build_units(rng, communes=n_communes)
    hashes = {role: hash_password(pw) for role, pw in PASSWORDS.items()}
    accounts, officers = _create_accounts(rng, tree, hashes)

    campaign_lines: list[str] = []
    total_attachments = 0
    today = vietnam_today()
    years = demo_years(today)
    for position, year in enumerate(years):
        current = year == years[-1]
        campaign = _campaign(tree, year, current, today)
        echo(f"Năm {year}: hội đồng, đăng ký và thẩm định…")
        # Each year's records carry that year's dates: registration from March,
        # appraisal from late October (the movement's usual calendar).
        with simulated_clock(
            datetime(year, 3, 2, 1, 30, tzinfo=UTC), timedelta(minutes=7)
        ):
            # Stages, rubrics and councils exist before the first entry is submitted.
            setup_appraisal(campaign, rng, password_hash=hashes[Role.COUNCIL_MEMBER])
            count = max(12, round(ENTRIES[position] * scale))
            late, attached = _register(
                rng,
                campaign,
                tree,
                officers,
                count,
                DRAFT_SHARE[position],
                LATE_SHARE if current else 0.0,
            )
        total_attachments += attached
        # This year's registration stays open until its late entries are in.
        campaign.status = (
            CampaignStatus.REGISTRATION if current else CampaignStatus.APPRAISAL
        )
        db.session.flush()
        with simulated_clock(
            datetime(year, 10, 20, 1, 30, tzinfo=UTC), timedelta(minutes=2)
        ):
            simulate_appraisal(
                campaign,
                rng,
                leave_open_fraction=OPEN_SHARE if current else 0.0,
                commend=True,
            )
            if current:
                # Entries that reached the councils after their first session wait for
                # the next one, and a few entries wait for the unit to supplement them.
                for exemplar, actor in late:
                    submit_exemplar(exemplar, actor=actor)
                _leave_returns(campaign, rng)
        # The current year stays open for registration (its first sessions already
        # ran); earlier years are closed.
        campaign.status = (
            CampaignStatus.REGISTRATION if current else CampaignStatus.CLOSED
        )
        db.session.flush()
        counts = _state_counts(campaign)
        parts = ", ".join(f"{State(s).label} {counts[s]}" for s in State if counts[s])
        campaign_lines.append(f"  {year}: {sum(counts.values())} hồ sơ — {parts}")

    council_accounts, unlisted = _council_accounts()
    accounts.extend(council_accounts)
    elapsed = time.perf_counter() - started
    return _report(
        tree, accounts, unlisted, campaign_lines, total_attachments, seed, elapsed
    )


def _report(
    tree: ProvinceTree,
    accounts: list[Account],
    unlisted: int,
    campaign_lines: list[str],
    attachments: int,
    seed: int,
    elapsed: float,
) -> list[str]:
    lines = [
        f"Dữ liệu mẫu: tỉnh {tree.province} (seed {seed}).",
        f"Đơn vị: {len(tree.units)}, trong đó {len(tree.communes)} xã, phường, đặc khu.",
        "Hồ sơ theo đợt thi đua và trạng thái:",
        *campaign_lines,
        f"Tệp đính kèm mẫu: {attachments}.",
        "Mật khẩu mẫu (mỗi vai trò một mật khẩu):",
    ]
    for role in (Role.ADMIN, Role.SECRETARIAT, Role.UNIT_OFFICER, Role.COUNCIL_MEMBER):
        lines.append(f"  {Role(role).label}: {PASSWORDS[role]}")
    lines.append("Tài khoản (tên đăng nhập — vai trò — đơn vị):")
    width = max(len(a.username) for a in accounts)
    for a in accounts:
        lines.append(f"  {a.username.ljust(width)}  {Role(a.role).label} — {a.unit}")
    if unlisted:
        lines.append(
            f"  … và {unlisted} thành viên hội đồng cấp xã khác"
            " (hd1.<mã đơn vị>.<1–5>, cùng mật khẩu)."
        )
    lines.append(f"Thời gian tạo: {elapsed:.1f} giây.")
    return lines
