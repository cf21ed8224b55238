"""The closed vocabularies of the registry, stored as lowercase strings.

Each member carries its label. Source strings are Vietnamese, the product's first
language; the English catalogue translates them. ``values()`` feeds the CHECK
constraints in the models.
"""

from __future__ import annotations

from enum import StrEnum

from . import N_


class Labels(dict[StrEnum, str]):
    """Labels of enum members, kept apart by enum type.

    Members are strings, so ``State.RETURNED == Outcome.RETURNED`` ("returned"): keyed
    by the member alone, one label would silently replace the other, the winner decided
    by import order. Keys here are (enum type, value)."""

    @staticmethod
    def _key(member: StrEnum) -> tuple[type, str]:
        return (type(member), member.value)

    def __setitem__(self, member: StrEnum, label: str) -> None:
        super().__setitem__(self._key(member), label)  # type: ignore[index]

    def __getitem__(self, member: StrEnum) -> str:
        return super().__getitem__(self._key(member))  # type: ignore[index]

    def __contains__(self, member: object) -> bool:
        return isinstance(member, StrEnum) and super().__contains__(self._key(member))

    def update(  # type: ignore[override]
        self, other: dict[StrEnum, str] | list[tuple[StrEnum, str]]
    ) -> None:
        """Add labels. Give several enums' members as a list of pairs: in a dict
        literal, members of two enums with the same value would collapse into one key
        before they reach here."""
        pairs = other.items() if isinstance(other, dict) else other
        for member, label in pairs:
            self[member] = label


class LabelledEnum(StrEnum):
    @property
    def label(self) -> str:
        return LABELS[self]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class UnitTier(LabelledEnum):
    """Administrative levels, top down. Districts remain for records before 1 July 2025."""

    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    GRASSROOTS = "grassroots"


TIER_ORDER = {t: i for i, t in enumerate(UnitTier)}


class UnitKind(LabelledEnum):
    PARTY = "party"
    GOVERNMENT = "government"
    FRONT = "front"
    FARMERS = "farmers"
    WOMEN = "women"
    YOUTH = "youth"
    VETERANS = "veterans"
    TRADE_UNION = "trade_union"
    ARMED_FORCES = "armed_forces"
    SCHOOL = "school"
    OTHER = "other"


class Role(LabelledEnum):
    UNIT_OFFICER = "unit_officer"
    COUNCIL_MEMBER = "council_member"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"


class ExemplarKind(LabelledEnum):
    MODEL = "model"
    COLLECTIVE = "collective"
    INDIVIDUAL = "individual"


class CampaignStatus(LabelledEnum):
    DRAFT = "draft"
    REGISTRATION = "registration"
    APPRAISAL = "appraisal"
    CLOSED = "closed"


class AttachmentKind(LabelledEnum):
    REPORT = "report"
    PHOTO = "photo"
    MINUTES = "minutes"
    OTHER = "other"


LABELS: Labels = Labels()
LABELS.update(
    [
        (UnitTier.CENTRAL, N_("Trung ương")),
        (UnitTier.PROVINCE, N_("Tỉnh, thành phố")),
        (UnitTier.DISTRICT, N_("Huyện (trước 01/7/2025)")),
        (UnitTier.COMMUNE, N_("Xã, phường, đặc khu")),
        (UnitTier.GRASSROOTS, N_("Cơ sở")),
        (UnitKind.PARTY, N_("Cấp ủy Đảng")),
        (UnitKind.GOVERNMENT, N_("UBND, cơ quan, sở ngành")),
        (UnitKind.FRONT, N_("Mặt trận Tổ quốc")),
        (UnitKind.FARMERS, N_("Hội Nông dân")),
        (UnitKind.WOMEN, N_("Hội Liên hiệp Phụ nữ")),
        (UnitKind.YOUTH, N_("Đoàn Thanh niên")),
        (UnitKind.VETERANS, N_("Hội Cựu chiến binh")),
        (UnitKind.TRADE_UNION, N_("Công đoàn")),
        (UnitKind.ARMED_FORCES, N_("Lực lượng vũ trang, công an")),
        (UnitKind.SCHOOL, N_("Trường học")),
        (UnitKind.OTHER, N_("Khác")),
        (Role.UNIT_OFFICER, N_("Cán bộ đơn vị")),
        (Role.COUNCIL_MEMBER, N_("Thành viên hội đồng")),
        (Role.SECRETARIAT, N_("Cơ quan thường trực")),
        (Role.ADMIN, N_("Quản trị hệ thống")),
        (ExemplarKind.MODEL, N_("Mô hình")),
        (ExemplarKind.COLLECTIVE, N_("Điển hình tập thể")),
        (ExemplarKind.INDIVIDUAL, N_("Điển hình cá nhân")),
        (CampaignStatus.DRAFT, N_("Đang chuẩn bị")),
        (CampaignStatus.REGISTRATION, N_("Đang nhận đăng ký")),
        (CampaignStatus.APPRAISAL, N_("Đang thẩm định")),
        (CampaignStatus.CLOSED, N_("Đã kết thúc")),
        (AttachmentKind.REPORT, N_("Báo cáo thành tích")),
        (AttachmentKind.PHOTO, N_("Hình ảnh")),
        (AttachmentKind.MINUTES, N_("Biên bản")),
        (AttachmentKind.OTHER, N_("Tài liệu khác")),
    ]
)
