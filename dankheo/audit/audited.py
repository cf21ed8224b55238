"""Which models the audit log follows, how each is named, and which unit it belongs to.

A model listed here is audited generically (see :mod:`.recording`): operations need no
audit call of their own. Left out on purpose: votes, scores and attendance (they would
reveal a secret ballot), history (already its own append-only chain), attachments and
the public showcase. Secrets are never written: columns in ``exclude`` are ignored,
columns in ``redact`` are recorded as changed without their values.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session

from ..appraisal.models import Commendation, Council, CouncilMember, Round, StageResult
from ..auth.models import RoleAssignment, User
from ..campaigns.models import Campaign, CommendationForm, Criterion, Field, Stage
from ..domain import N_
from ..lists.models import IssuedList
from ..registry.models import Exemplar
from ..units.models import Unit

#: Shown instead of a redacted value.
REDACTED = "***"

Resolver = Callable[[Session, Any], Any]


@dataclass(frozen=True)
class Audited:
    """How one model is audited."""

    #: The stable key stored in ``audit_log.object_type``.
    type: str
    label: Resolver
    #: The unit the object belongs to (its id), which scopes who may read the record.
    unit_id: Resolver
    exemplar_id: Callable[[Any], int | None] = lambda _obj: None
    exclude: frozenset[str] = frozenset()
    redact: frozenset[str] = frozenset()
    #: Which kinds of change are recorded: "insert", "update", "delete".
    events: frozenset[str] = frozenset({"insert", "update", "delete"})
    #: A named verb for a change, given the generic action and the changes.
    verb: Callable[[str, dict[str, list[Any]]], str] | None = None
    #: Generic actions ("created", "updated", "deleted") recorded without an actor:
    #: who did them must not enter the permanent chain (an objector, say).
    anonymous: frozenset[str] = frozenset()
    columns: list[str] = field(default_factory=list)

    # ``builtins.type``: in this class ``type`` is the field above.
    def audited_columns(self, model: builtins.type) -> list[str]:
        if not self.columns:
            mapper: Mapper[Any] = inspect(model)
            pks = {c.key for c in mapper.primary_key}
            self.columns.extend(
                attr.key
                for attr in mapper.column_attrs
                if attr.key not in pks and attr.key not in self.exclude
            )
        return self.columns


AUDITED: dict[type, Audited] = {}

#: Object types and their labels, in the order the filter lists them.
OBJECT_TYPES: dict[str, str] = {}


def audited(model: type, label_text: str, **spec: Any) -> None:
    """Declare ``model`` audited (``label_text``: the type's name for people)."""
    AUDITED[model] = Audited(**spec)
    OBJECT_TYPES[spec["type"]] = label_text


def spec_for(obj: Any) -> Audited | None:
    return AUDITED.get(type(obj))


# --- resolvers ------------------------------------------------------------------------


def _get(session: Session, model: type, ident: Any) -> Any:
    return session.get(model, ident) if ident is not None else None


def _campaign_unit(session: Session, campaign_id: int | None) -> int | None:
    campaign = _get(session, Campaign, campaign_id)
    return campaign.unit_id if campaign else None


def _stage_unit(session: Session, stage_id: int | None) -> int | None:
    stage = _get(session, Stage, stage_id)
    return _campaign_unit(session, stage.campaign_id) if stage else None


def _council_unit(session: Session, council_id: int | None) -> int | None:
    council = _get(session, Council, council_id)
    return council.unit_id if council else None


def _exemplar_unit(session: Session, exemplar_id: int | None) -> int | None:
    exemplar = _get(session, Exemplar, exemplar_id)
    return exemplar.unit_id if exemplar else None


def name_of(session: Session, model: type, ident: Any, attr: str = "name") -> str:
    obj = _get(session, model, ident)
    return str(getattr(obj, attr)) if obj is not None else ""


def _round_verb(action: str, changes: dict[str, list[Any]]) -> str:
    if action == "created":
        return "opened"
    closed = changes.get("closed_at")
    if closed and closed[0] is None and closed[1] is not None:
        return "closed"
    if closed and closed[0] is not None and closed[1] is None:
        return "reopened"
    return action


#: The columns a password change writes (an own password clears the flag, a reset sets it).
PASSWORD_FIELDS = frozenset({"password_hash", "must_change_password"})


def _user_verb(action: str, changes: dict[str, list[Any]]) -> str:
    if action != "updated":
        return action
    if set(changes) == {"active"}:
        return "unlocked" if changes["active"][1] else "locked"
    # A new password, with or without the flag that the user must choose their own.
    if "password_hash" in changes and set(changes) <= PASSWORD_FIELDS:
        return "password_changed"
    return action


def _role_verb(action: str, _changes: dict[str, list[Any]]) -> str:
    return {"created": "granted", "deleted": "revoked"}.get(action, action)


def _member_verb(action: str, changes: dict[str, list[Any]]) -> str:
    if action == "updated" and set(changes) == {"active"}:
        return "member_returned" if changes["active"][1] else "member_removed"
    return action


def _issued_list_verb(action: str, changes: dict[str, list[Any]]) -> str:
    if action == "created":
        return "issued"
    status = changes.get("status")
    if action == "updated" and status and status[1] in ("annulled", "superseded"):
        return str(status[1])
    return action


# --- the declared set -----------------------------------------------------------------

audited(
    Campaign,
    N_("Đợt thi đua"),
    type="campaign",
    label=lambda _s, o: f"{o.name} ({o.year})",
    unit_id=lambda _s, o: o.unit_id,
)
audited(
    Field,
    N_("Lĩnh vực"),
    type="field",
    label=lambda _s, o: o.name,
    unit_id=lambda s, o: _campaign_unit(s, o.campaign_id),
)
audited(
    CommendationForm,
    N_("Hình thức khen thưởng"),
    type="commendation_form",
    label=lambda _s, o: o.name,
    unit_id=lambda s, o: _campaign_unit(s, o.campaign_id),
)
audited(
    Stage,
    N_("Vòng thẩm định và quy tắc"),
    type="stage",
    label=lambda s, o: f"{o.name} — {name_of(s, Campaign, o.campaign_id)}",
    unit_id=lambda s, o: _campaign_unit(s, o.campaign_id),
)
audited(
    Criterion,
    N_("Tiêu chí chấm điểm"),
    type="criterion",
    label=lambda s, o: f"{o.name} — {name_of(s, Stage, o.stage_id)}",
    unit_id=lambda s, o: _stage_unit(s, o.stage_id),
)
audited(
    Council,
    N_("Hội đồng"),
    type="council",
    label=lambda _s, o: o.name,
    unit_id=lambda _s, o: o.unit_id,
)
audited(
    CouncilMember,
    N_("Thành viên hội đồng"),
    type="council_member",
    label=lambda s, o: (
        f"{name_of(s, User, o.user_id)} — {name_of(s, Council, o.council_id)}"
    ),
    unit_id=lambda s, o: _council_unit(s, o.council_id),
    verb=_member_verb,
)
audited(
    Round,
    N_("Phiên thẩm định"),
    type="round",
    label=lambda s, o: f"{name_of(s, Council, o.council_id)} #{o.number}",
    unit_id=lambda s, o: _council_unit(s, o.council_id),
    # Bumped by every vote: recording it would tell when members vote.
    exclude=frozenset({"vote_writes"}),
    verb=_round_verb,
)
audited(
    StageResult,
    N_("Kết quả thẩm định"),
    type="stage_result",
    label=lambda s, o: name_of(s, Exemplar, o.exemplar_id),
    unit_id=lambda s, o: _exemplar_unit(s, o.exemplar_id),
    exemplar_id=lambda o: o.exemplar_id,
    # Written in bulk when a round closes (the history records that); a later
    # correction or removal is what the audit needs.
    events=frozenset({"update", "delete"}),
)
audited(
    Commendation,
    N_("Quyết định khen thưởng"),
    type="commendation",
    label=lambda s, o: f"{o.decision_number} — {name_of(s, Exemplar, o.exemplar_id)}",
    unit_id=lambda s, o: _exemplar_unit(s, o.exemplar_id),
    exemplar_id=lambda o: o.exemplar_id,
)
audited(
    Exemplar,
    N_("Hồ sơ mô hình, điển hình"),
    type="exemplar",
    label=lambda _s, o: o.name,
    unit_id=lambda _s, o: o.unit_id,
    exemplar_id=lambda o: o.id,
    # Registering is the unit's own act; corrections and removals are audited. State
    # changes go to the history chain; contact details are never copied anywhere.
    events=frozenset({"update", "delete"}),
    exclude=frozenset(
        {
            "state",
            "stage_id",
            "version",
            "updated_at",
            "submitted_at",
            "published_at",
            "slug",
            "search_text",
            "contact_name",
            "contact_phone",
            "contact_email",
        }
    ),
)
audited(
    User,
    N_("Tài khoản"),
    type="user",
    label=lambda _s, o: f"{o.name} ({o.username})",
    unit_id=lambda _s, o: o.unit_id,
    exclude=frozenset({"session_token", "last_login_at"}),
    redact=frozenset({"password_hash"}),
    verb=_user_verb,
)
audited(
    RoleAssignment,
    N_("Vai trò"),
    type="role_assignment",
    label=lambda s, o: (
        f"{name_of(s, User, o.user_id, 'username')}: {o.role} @ "
        f"{name_of(s, Unit, o.unit_id, 'code')}"
    ),
    unit_id=lambda _s, o: o.unit_id,
    verb=_role_verb,
)
audited(
    Unit,
    N_("Đơn vị"),
    type="unit",
    label=lambda _s, o: f"{o.code} — {o.name}",
    unit_id=lambda _s, o: o.id,
    exclude=frozenset({"search_name"}),
)
audited(
    IssuedList,
    N_("Danh sách đã ban hành"),
    type="issued_list",
    label=lambda _s, o: f"{o.title} ({o.digest[:16]})",
    unit_id=lambda _s, o: o.unit_id,
    # The rows issued are in the record itself, under their digest.
    exclude=frozenset({"content"}),
    verb=_issued_list_verb,
)

#: Explicit events (see :func:`dankheo.audit.record_event`) use these types too.
OBJECT_TYPES.setdefault("import", N_("Nhập dữ liệu"))

#: Every action a record may carry, and its label.
ACTIONS: dict[str, str] = {
    "created": N_("Tạo mới"),
    "updated": N_("Sửa"),
    "deleted": N_("Xóa"),
    "opened": N_("Mở phiên"),
    "closed": N_("Kết thúc phiên"),
    "reopened": N_("Mở lại phiên"),
    "granted": N_("Giao vai trò"),
    "revoked": N_("Thu hồi vai trò"),
    "locked": N_("Khóa tài khoản"),
    "unlocked": N_("Mở khóa tài khoản"),
    "password_changed": N_("Đổi mật khẩu"),
    "member_removed": N_("Rút khỏi hội đồng"),
    "member_returned": N_("Trở lại hội đồng"),
    "imported": N_("Nhập dữ liệu"),
    "issued": N_("Ban hành danh sách"),
    "annulled": N_("Hủy bỏ danh sách"),
    "superseded": N_("Thay thế danh sách"),
    "objection_lodged": N_("Gửi phản ánh, kiến nghị"),
    "objection_received": N_("Tiếp nhận phản ánh, kiến nghị"),
    "objection_reviewing": N_("Xem xét phản ánh, kiến nghị"),
    "objection_decided": N_("Xử lý phản ánh, kiến nghị"),
}
