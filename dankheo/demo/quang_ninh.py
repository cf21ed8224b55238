"""The "quang-ninh" preset: a province-scale season sized on Quảng Ninh's reported year
(2,705 models and exemplars registered at all levels, 922 recommended for commendation),
with the 54 commune-level units the province has had since 1 July 2025.

The figures are not set: 2,705 entries are submitted by their units, commune councils
and the provincial council vote through the real operations, and the provincial stage
carries a quota of 922 seats (best average score first, ties to more approvals) so that
the close of the provincial round lands on exactly 922 recommendations. A few drafts are
left unsubmitted (they are not registered). Deterministic for a given seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from ..appraisal import setup
from ..appraisal.models import Council
from ..appraisal.queries import campaign_funnel
from ..auth.operations import hash_password
from ..campaigns.models import Campaign, Stage
from ..campaigns.operations import create_campaign
from ..db import simulated_clock
from ..domain.enums import CampaignStatus, Role
from ..extensions import db
from ..registry.operations import create_exemplar, submit_exemplar
from . import content
from .appraisal import setup_appraisal, simulate_appraisal
from .vocabulary import vocabulary

PROVINCE = "Quảng Ninh"
REGISTERED = 2705
RECOMMENDED = 922
COMMUNES = 54
DRAFTS = 37
YEAR = 2025


def build_quang_ninh(seed: int, echo: Callable[[str], None] = print) -> list[str]:
    """Build the preset; returns the report lines (figures, accounts, timing)."""
    from .province import PASSWORDS, _create_accounts, _officer_for, build_units

    started = time.perf_counter()
    rng = random.Random(seed)
    echo(f"Tạo cây đơn vị tỉnh Quảng Ninh ({COMMUNES} xã, phường, đặc khu)…")
    tree = build_units(rng, communes=COMMUNES, cells=(2, 4), province=PROVINCE)
    hashes = {role: hash_password(pw) for role, pw in PASSWORDS.items()}
    accounts, officers = _create_accounts(rng, tree, hashes)
    texts = vocabulary().presets["campaign"]
    campaign = create_campaign(
        name=texts["name"].format(year=YEAR),
        year=YEAR,
        unit=tree.root,
        registration_opens=date(YEAR, 2, 15),
        registration_closes=date(YEAR, 10, 25),
        status=CampaignStatus.REGISTRATION,
        period_label=str(YEAR),
        description=texts["season_description"].format(province=PROVINCE),
    )
    echo("Vòng thẩm định, tiêu chí và hội đồng…")
    council_users = setup_appraisal(
        campaign, rng, password_hash=hashes[Role.COUNCIL_MEMBER]
    )
    last = db.session.scalar(
        select(Stage)
        .where(Stage.campaign_id == campaign.id)
        .order_by(Stage.position.desc())
    )
    assert last is not None  # setup_appraisal has just created the stages
    setup.update_stage(
        last, {"quota": RECOMMENDED, "tie_rule": "most_approvals"}, actor=None
    )

    echo(f"Đăng ký {REGISTERED:,} hồ sơ…".replace(",", "."))
    t0 = time.perf_counter()
    # Entries carry dates inside the registration window of YEAR, which has closed.
    with simulated_clock(
        datetime(YEAR, 3, 2, 1, 30, tzinfo=UTC), timedelta(seconds=30)
    ):
        _register(rng, campaign, tree, officers, _officer_for)
    t_register = time.perf_counter() - t0
    campaign.status = CampaignStatus.APPRAISAL
    db.session.flush()

    echo("Hội đồng các cấp bỏ phiếu, kết thúc phiên…")
    t0 = time.perf_counter()
    stats = simulate_appraisal(campaign, rng, leave_open_fraction=0.0, commend=True)
    t_appraise = time.perf_counter() - t0
    funnel = campaign_funnel(campaign)
    elapsed = time.perf_counter() - started
    councils = db.session.scalar(
        select(func.count(Council.id))
        .join(Stage)
        .where(Stage.campaign_id == campaign.id)
    )
    lines = [
        f"Dữ liệu mẫu: tỉnh Quảng Ninh năm {YEAR} (seed {seed}).",
        f"Đơn vị: {len(tree.units)}, trong đó {len(tree.communes)} xã, phường, đặc khu; "
        f"{councils} hội đồng, {len(council_users)} thành viên hội đồng.",
        f"Đăng ký: {funnel['registered']} hồ sơ.",
        *[
            f"  {s['name']} — {s['pass_label']}: {s['passed']}"
            for s in funnel["stages"]
        ],
        f"Đề nghị khen thưởng: {funnel['recommended']}; đã khen thưởng: {funnel['commended']}; "
        f"nhân rộng: {funnel['replicated']}.",
        f"Phiếu thẩm định: {stats.get('votes', 0)}; phiên đã kết thúc: {stats.get('rounds', 0)}; "
        f"trả lại bổ sung rồi gửi lại: {stats.get('resubmitted', 0)}.",
        "Mật khẩu mẫu (mỗi vai trò một mật khẩu):",
        *[f"  {Role(r).label}: {PASSWORDS[r]}" for r in PASSWORDS],
        "Tài khoản tiêu biểu:",
        *[f"  {a.username} — {Role(a.role).label} — {a.unit}" for a in accounts[:6]],
        f"  {council_users[0].username} — {Role.COUNCIL_MEMBER.label}"
        if council_users
        else "",
        f"Thời gian: đăng ký {t_register:.1f} giây, thẩm định {t_appraise:.1f} giây, "
        f"tổng {elapsed:.1f} giây.",
    ]
    return [line for line in lines if line]


def _register(rng, campaign: Campaign, tree, officers, officer_for) -> None:
    """2,705 submitted entries plus a few drafts, spread like a real province: communes
    register most, then their branches, schools and cells, then provincial bodies."""
    registering = tree.registering
    units = [u for u, _w in registering]
    weights = [w for _u, w in registering]
    field_names = [f.name for f in campaign.fields]
    field_ids = {f.name: f.id for f in campaign.fields}
    province = f"tỉnh {tree.province}"
    order = [True] * REGISTERED + [False] * DRAFTS
    rng.shuffle(order)
    for submit in order:
        unit = rng.choices(units, weights=weights)[0]
        actor = officer_for(unit, officers)
        field_name = content.pick_field(rng, unit, field_names)
        kind = content.pick_kind(rng, unit)
        data = content.exemplar_data(
            rng, unit, field_name, kind, year=YEAR, province=province
        )
        data["field_id"] = field_ids[field_name]
        exemplar = create_exemplar(campaign=campaign, unit=unit, actor=actor, data=data)
        if submit:
            submit_exemplar(exemplar, actor=actor)
