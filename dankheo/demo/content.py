"""Vietnamese vocabulary and text generators for the demo data.

Everything here is driven by the ``random.Random`` passed in, never by the global
generator or the clock, so the same seed always writes the same words. The registration
texts are composed from many small fragments (a context, one or two problems of the
theme, numbered steps in a sensible order, outputs that quote the structured metrics)
so that a few hundred entries do not read alike, and every figure in the text is the
figure stored in the metric columns.

The module has no Flask or database imports: a "unit" is anything with ``name`` and
``kind`` (and optionally ``parent``), so other presets can call :func:`exemplar_data`
with their own objects. It is fast (well under a millisecond per entry).
"""

from __future__ import annotations

import itertools
import random
import re
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..domain.enums import ExemplarKind, UnitKind
from ..domain.text import fold

# --------------------------------------------------------------------------- numbers


def vn_int(n: int | float) -> str:
    """1234567 -> "1.234.567" (Vietnamese thousands separator)."""
    return f"{int(round(n)):,}".replace(",", ".")


def vn_dec(x: float, digits: int = 1) -> str:
    """1234.5 -> "1.234,5"; trailing ",0" dropped."""
    text = (
        f"{x:,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    )
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def _weighted(pairs: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    names = [p[0] for p in pairs]
    cum = list(itertools.accumulate(p[1] for p in pairs))
    return names, cum


# --------------------------------------------------------------------------- people

# fmt: off
_FAMILY, _FAMILY_CUM = _weighted(
    [
        ("Nguyễn", 36), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 3),
        ("Phan", 4), ("Vũ", 3), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
        ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Trương", 1), ("Lương", 1),
        ("Mai", 1), ("Tạ", 0.6), ("Cao", 0.6), ("Hà", 0.8), ("Lò", 0.4), ("Nông", 0.4),
        ("Triệu", 0.4), ("Lục", 0.3), ("Thạch", 0.3), ("Kim", 0.3), ("Chu", 0.4),
    ]
)
_MALE_MIDDLE = (
    "Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Ngọc", "Xuân",
    "Trọng", "Đình", "Quốc", "Tiến", "Bá", "Duy", "Anh", "Mạnh", "Thế",
)
_FEMALE_MIDDLE = (
    "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Minh", "Phương",
    "Mỹ", "Bích", "Diệu", "Hoài", "Thúy", "Lan",
)
_MALE_GIVEN = (
    "Hùng", "Dũng", "Tuấn", "Nam", "Sơn", "Long", "Hải", "Thắng", "Bình", "Cường",
    "Phong", "Hoàng", "Khánh", "Lâm", "Tài", "Toàn", "Trung", "Vinh", "Quân", "Hiếu",
    "Đạt", "Lợi", "Phúc", "Thành", "Tùng", "Kiên", "Mạnh", "Chiến", "Thái", "Định",
    "Hòa", "Tâm", "Sáng", "Thịnh", "Việt", "Huy", "Nghĩa", "Đông", "Tú", "Luân", "Khoa",
    "Lực", "Quyết", "Trường", "Hưng", "Bảo", "Nhân", "Phát",
)
_FEMALE_GIVEN = (
    "Lan", "Hương", "Hoa", "Mai", "Hằng", "Ngọc", "Thảo", "Trang", "Linh", "Huyền",
    "Nga", "Yến", "Oanh", "Hạnh", "Dung", "Thủy", "Vân", "Nhung", "Loan", "Liên",
    "Tuyết", "Phượng", "Quyên", "Hà", "Giang", "Nhàn", "Thơm", "Hiền", "Xuân", "Ánh",
    "My", "Chi", "Duyên", "Uyên", "Thoa", "Lụa", "Trinh", "Diệp", "Ngân", "Hồng", "Tươi",
    "Sen", "Huệ", "Lý",
)
# fmt: on


@dataclass(frozen=True)
class Person:
    name: str
    female: bool

    @property
    def honorific(self) -> str:
        return "Bà" if self.female else "Ông"

    @property
    def given(self) -> str:
        return self.name.rsplit(" ", 1)[-1]


def person(rng: random.Random, female: bool | None = None) -> Person:
    """A Vietnamese full name (family, middle, given) with its gender."""
    if female is None:
        female = rng.random() < 0.48
    family = rng.choices(_FAMILY, cum_weights=_FAMILY_CUM)[0]
    if female:
        middle, given = rng.choice(_FEMALE_MIDDLE), rng.choice(_FEMALE_GIVEN)
    else:
        middle, given = rng.choice(_MALE_MIDDLE), rng.choice(_MALE_GIVEN)
    if middle == given:
        middle = "Thị" if female else "Văn"
    return Person(f"{family} {middle} {given}", female)


def person_name(rng: random.Random, female: bool | None = None) -> str:
    return person(rng, female).name


def phone(rng: random.Random) -> str:
    """A plausible Vietnamese mobile number, "09xx xxx xxx" (not a real subscriber list)."""
    prefix = rng.choice(("090", "091", "093", "094", "096", "097", "098", "099"))
    rest = f"{rng.randrange(10_000_000):07d}"
    return f"{prefix}{rest[0]} {rest[1:4]} {rest[4:]}"


def email_for(name: str, rng: random.Random, hint: str = "") -> str:
    """An address at the reserved example.vn domain, built from the folded name."""
    parts = fold(name).split()
    local = parts[-1] + "".join(p[0] for p in parts[:-1]) if parts else "canbo"
    if hint:
        local += "." + re.sub(r"[^a-z0-9]", "", fold(hint))[:12]
    return f"{local}{rng.randrange(10, 100)}@example.vn"


# --------------------------------------------------------------------------- places

# fmt: off
_PLACE_A = (
    "An", "Bình", "Hòa", "Phú", "Tân", "Vĩnh", "Long", "Thạnh", "Đông", "Tây", "Nam",
    "Quảng", "Thanh", "Hưng", "Phước", "Mỹ", "Xuân", "Hải", "Sơn", "Lâm", "Hiệp",
    "Thuận", "Đức", "Trung", "Kim", "Ngọc", "Cẩm", "Minh", "Quang", "Hồng", "Yên",
    "Định", "Thịnh", "Phong", "Lạc", "Tiên", "Đại", "Gia", "Thái", "Nhân", "Nghĩa",
    "Vạn", "Hương", "Liên", "Tường", "Châu", "Tam", "Cát",
)
_PLACE_B = (
    "An", "Bình", "Hòa", "Phú", "Lộc", "Lợi", "Thành", "Hưng", "Thịnh", "Phong", "Sơn",
    "Lâm", "Hải", "Xuân", "Thuận", "Tiến", "Trung", "Đông", "Tây", "Mỹ", "Long",
    "Khánh", "Phước", "Tân", "Hiệp", "Quý", "Điền", "Giang", "Châu", "Yên", "Hồng",
    "Thủy", "Vinh", "Đức", "Nghĩa", "Tài", "Cường", "Hà", "Sương", "Trạch", "Kiều",
)
_VILLAGE = (
    "Đồng Tâm", "Tân Lập", "Bắc Sơn", "Đồng Xuân", "Hợp Thành", "Quyết Tiến", "Đoàn Kết",
    "Thống Nhất", "Tiền Phong", "Tân Tiến", "Bình Minh", "Trung Hòa", "Phú Lợi",
    "Đông Hưng", "Đồng Mới", "Làng Chùa", "Gò Đình", "Bến Đò", "Cây Da", "Rạch Dừa",
    "Mỹ Hòa", "Vườn Chuối", "Cầu Ngang", "Hòa Bình", "Nà Lầu", "Khuổi Khỉ", "Bản Mới",
    "Hồng Phong", "Nam Tiến", "Tân Hương", "Xuân Lai", "Đồng Dầu", "An Phú", "Thạnh Lợi",
    "Phước Thọ", "Đầm Sen", "Sơn Đông", "Thượng Lâm", "Hạ Lâm", "Đông Thái",
)
_PROVINCES = (
    "Bình Sơn", "An Hòa", "Hòa Phong", "Thanh Lâm", "Quảng Lạc", "Vĩnh An", "Tân Giang",
    "Phú Xuân", "Long Châu", "Đông Sơn",
)
# fmt: on


def province_name(rng: random.Random) -> str:
    """A plausible province name that is not one of the real 34 provinces."""
    return rng.choice(_PROVINCES)


def commune_names(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct two-syllable commune names (no syllable repeated in a name)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        a, b = rng.choice(_PLACE_A), rng.choice(_PLACE_B)
        name = f"{a} {b}"
        if a == b or name in seen:
            continue
        seen.add(name)
        out.append(name)
    return out


def village_names(rng: random.Random, n: int, *, urban: bool) -> list[str]:
    """Residential areas of a commune (thôn, ấp, bản) or a ward (khu phố, tổ dân phố)."""
    if urban:
        word = rng.choice(("Khu phố", "Tổ dân phố"))
        numbers = sorted(rng.sample(range(1, 16), n))
        return [f"{word} {i}" for i in numbers]
    names = rng.sample(_VILLAGE, n)
    out = []
    for name in names:
        if name.startswith(("Nà", "Khuổi", "Bản")):
            out.append(
                f"Bản {name.removeprefix('Bản ')}"
                if not name.startswith("Bản")
                else name
            )
        else:
            out.append(f"{rng.choice(('Thôn', 'Thôn', 'Ấp', 'Xóm'))} {name}")
    return out


#: Provincial departments and agencies after the 2025 reorganisation.
PROVINCE_AGENCIES: tuple[tuple[str, str, str], ...] = (
    ("VPUB", "Văn phòng UBND tỉnh", UnitKind.GOVERNMENT),
    ("SNV", "Sở Nội vụ", UnitKind.GOVERNMENT),
    ("STC", "Sở Tài chính", UnitKind.GOVERNMENT),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", UnitKind.GOVERNMENT),
    ("SXD", "Sở Xây dựng", UnitKind.GOVERNMENT),
    ("SYT", "Sở Y tế", UnitKind.GOVERNMENT),
    ("SGDDT", "Sở Giáo dục và Đào tạo", UnitKind.GOVERNMENT),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", UnitKind.GOVERNMENT),
    ("SKHCN", "Sở Khoa học và Công nghệ", UnitKind.GOVERNMENT),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", UnitKind.GOVERNMENT),
    ("TTHCC", "Trung tâm Phục vụ hành chính công tỉnh", UnitKind.GOVERNMENT),
    ("BHXH", "Bảo hiểm xã hội tỉnh", UnitKind.GOVERNMENT),
)
#: The Front and the mass organisations at province tier (code, name, kind).
PROVINCE_ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("MTTQ", "Ủy ban MTTQ Việt Nam tỉnh", UnitKind.FRONT),
    ("HND", "Hội Nông dân tỉnh", UnitKind.FARMERS),
    ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh", UnitKind.WOMEN),
    ("DTN", "Tỉnh đoàn", UnitKind.YOUTH),
    ("HCCB", "Hội Cựu chiến binh tỉnh", UnitKind.VETERANS),
    ("LDLD", "Liên đoàn Lao động tỉnh", UnitKind.TRADE_UNION),
)
PROVINCE_FORCES: tuple[tuple[str, str, str], ...] = (
    ("CA", "Công an tỉnh", UnitKind.ARMED_FORCES),
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", UnitKind.ARMED_FORCES),
    ("BDBP", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", UnitKind.ARMED_FORCES),
)
#: Branches every commune or ward has (code suffix, name prefix, kind).
COMMUNE_BRANCHES: tuple[tuple[str, str, str], ...] = (
    ("MT", "Ủy ban MTTQ Việt Nam", UnitKind.FRONT),
    ("ND", "Hội Nông dân", UnitKind.FARMERS),
    ("PN", "Hội Liên hiệp Phụ nữ", UnitKind.WOMEN),
    ("DTN", "Đoàn Thanh niên", UnitKind.YOUTH),
    ("CCB", "Hội Cựu chiến binh", UnitKind.VETERANS),
    ("CA", "Công an", UnitKind.ARMED_FORCES),
    ("QS", "Ban Chỉ huy Quân sự", UnitKind.ARMED_FORCES),
)
_SCHOOL_LEVELS = (
    "Trường Mầm non",
    "Trường Tiểu học",
    "Trường THCS",
    "Trường TH và THCS",
)


def school_names(rng: random.Random, commune: str, n: int) -> list[str]:
    levels = rng.sample(_SCHOOL_LEVELS, n)
    out = []
    for level in levels:
        suffix = (
            commune
            if rng.random() < 0.7
            else rng.choice(
                (
                    "Hoa Sen",
                    "Sơn Ca",
                    "Họa Mi",
                    "Kim Đồng",
                    "Lê Quý Đôn",
                    "Nguyễn Du",
                    "Võ Thị Sáu",
                    "Trần Quốc Toản",
                    "Chu Văn An",
                    "Lý Tự Trọng",
                )
            )
        )
        out.append(f"{level} {suffix}")
    return out


# --------------------------------------------------------------------------- locality

_RE_PLACE = re.compile(
    r"\b((?:thôn|ấp|bản|xóm|khu phố|tổ dân phố|khu dân cư) [^,;()–]+)", re.I
)
_RE_COMMUNE = re.compile(r"\b((?:xã|phường|đặc khu|thị trấn) (?!hội\b)[^,;()–]+)", re.I)
_RE_PROVINCE = re.compile(r"\b(?:tỉnh ủy|tỉnh|thành phố) ([A-ZĐÂĂÊÔƠƯ][^,;()–]*)", re.I)


@dataclass
class Locality:
    place: str | None  # "thôn Đồng Tâm"
    commune: str | None  # "xã Tân Phú"
    province: str | None  # "tỉnh Bình Sơn"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def locality(unit: Any) -> Locality:
    """Read the residential area, commune and province from a unit and its ancestors."""
    place = commune = province = None
    node, hops = unit, 0
    while node is not None and hops < 8:
        name = getattr(node, "name", "") or ""
        if place is None and (m := _RE_PLACE.search(name)):
            place = _lower_first(m.group(1).strip())
        if commune is None and (m := _RE_COMMUNE.search(name)):
            commune = _lower_first(m.group(1).strip())
        if province is None and (m := _RE_PROVINCE.search(name)):
            rest = m.group(1).strip()
            if rest and not rest.lower().startswith(("ủy", "đoàn")):
                province = f"tỉnh {rest}"
        node, hops = getattr(node, "parent", None), hops + 1
    return Locality(place, commune, province)


# --------------------------------------------------------------------------- themes

FIELD_ECONOMY = "economy"
FIELD_CULTURE = "culture"
FIELD_DEFENCE = "defence"
FIELD_PARTY = "party"
FIELD_KEYS = (FIELD_ECONOMY, FIELD_CULTURE, FIELD_DEFENCE, FIELD_PARTY)


def field_key(field_name: str | None) -> str | None:
    """Map a campaign's field name (any wording) to one of the four standard keys."""
    f = fold(field_name)
    if not f:
        return None
    if "kinh te" in f or "nong thon moi" in f or "giam ngheo" in f:
        return FIELD_ECONOMY
    if "quoc phong" in f or "an ninh" in f:
        return FIELD_DEFENCE
    if "xay dung dang" in f or "he thong chinh tri" in f or "chinh quyen" in f:
        return FIELD_PARTY
    if (
        "van hoa" in f
        or "xa hoi" in f
        or "do thi" in f
        or "chuyen doi so" in f
        or "moi truong" in f
    ):
        return FIELD_CULTURE
    return None


_K = UnitKind
_ALL_KINDS = frozenset(UnitKind)
_GRASS = frozenset(
    {_K.PARTY, _K.FRONT, _K.FARMERS, _K.WOMEN, _K.YOUTH, _K.VETERANS, _K.OTHER}
)


@dataclass
class Theme:
    key: str
    field: str
    kinds: frozenset
    names: tuple[str, ...]
    deeds: tuple[str, ...]  # verb phrases for collective / individual names
    problems: tuple[str, ...]
    goals: tuple[str, ...]
    criteria: tuple[str, ...]
    methods: tuple[str, ...]
    targets: tuple[str, ...]
    outputs: tuple[str, ...]
    tags: tuple[str, ...]
    metrics: dict[str, tuple[float, float]]
    sustain: tuple[str, ...] = ()
    weight: float = 1.0
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)


THEMES: tuple[Theme, ...] = (
    Theme(
        key="land_road",
        field=FIELD_ECONOMY,
        kinds=frozenset(
            {_K.PARTY, _K.FRONT, _K.FARMERS, _K.VETERANS, _K.GOVERNMENT, _K.OTHER}
        ),
        names=(
            "Hiến đất mở rộng đường giao thông nông thôn",
            "Dân hiến đất, Nhà nước hỗ trợ làm đường",
            "Mỗi hộ một mét đất cho đường quê",
            "Con đường đồng thuận",
            "Đường làng rộng đẹp từ lòng dân",
            "Góp đất, góp công làm đường liên thôn",
            "Bê tông hóa đường ngõ xóm theo phương châm Nhà nước và Nhân dân cùng làm",
        ),
        deeds=(
            "vận động {households} hộ hiến {land_m2} m² đất mở đường",
            "tiên phong hiến đất làm đường giao thông nông thôn",
            "đi đầu trong phong trào góp đất, góp công làm đường",
        ),
        problems=(
            "Nhiều tuyến đường trục thôn chỉ rộng 2–2,5 m, lầy lội vào mùa mưa, xe chở nông sản và xe cứu thương không vào được.",
            "Hệ thống đường ngõ xóm xuống cấp, mặt đường hẹp, nhiều đoạn bị tường rào, cổng ngõ lấn ra sát mép đường.",
            "Việc giải phóng mặt bằng để mở rộng đường từng bị đình lại vì một số hộ chưa đồng thuận mức bồi thường.",
            "Tiêu chí giao thông là một trong những tiêu chí nông thôn mới khó đạt nhất của {commune}.",
        ),
        goals=(
            "Mở rộng mặt đường trục thôn lên tối thiểu 5 m, nền đường 6,5 m, không để hộ nào khiếu kiện kéo dài.",
            "Hoàn thành bê tông hóa các tuyến đường ngõ xóm trong năm {year}, đạt tiêu chí giao thông nông thôn mới nâng cao.",
            "Vận động người dân tự nguyện hiến đất, tháo dỡ công trình, không đòi hỏi bồi thường.",
        ),
        criteria=(
            "100% hộ có đất trong chỉ giới được gặp gỡ, vận động trực tiếp",
            "Không phát sinh đơn thư khiếu nại liên quan đến hiến đất",
            "Đường hoàn thành đúng tiến độ, được nghiệm thu có sự giám sát của Ban giám sát cộng đồng",
            "Công khai danh sách hộ hiến đất, đóng góp tại nhà văn hóa",
        ),
        methods=(
            "Chia tuyến đường thành từng đoạn, mỗi đoạn giao một đảng viên và một hội viên đoàn thể phụ trách vận động từng hộ.",
            "Cán bộ, đảng viên có đất trong chỉ giới hiến trước, làm gương cho bà con.",
            "Đo đạc, cắm mốc công khai có chủ hộ chứng kiến; lập biên bản hiến đất và làm thủ tục chỉnh lý giấy chứng nhận miễn phí cho người dân.",
            "Nhà nước hỗ trợ xi măng, Nhân dân góp ngày công và vật liệu cát, đá; doanh nghiệp trên địa bàn hỗ trợ máy móc.",
            "Gặp riêng các hộ còn băn khoăn, mời người có uy tín trong dòng họ cùng trao đổi, không gây áp lực.",
        ),
        targets=(
            "các hộ có đất, tài sản nằm trong chỉ giới mở rộng đường",
            "toàn thể Nhân dân ở các thôn có tuyến đường đi qua",
        ),
        outputs=(
            "{households} hộ tự nguyện hiến {land_m2} m² đất, tháo dỡ tường rào, cổng ngõ không nhận bồi thường.",
            "Mở rộng, bê tông hóa {road_km} km đường trục thôn, đường ngõ xóm.",
            "Nhân dân đóng góp {person_days} ngày công và {money_million} triệu đồng cùng với vốn hỗ trợ của Nhà nước.",
        ),
        tags=("hiến đất làm đường", "nông thôn mới", "giao thông nông thôn"),
        metrics={
            "households": (25, 420),
            "land_m2": (600, 14000),
            "road_km": (0.6, 9.5),
            "person_days": (150, 3200),
            "money_million": (120, 4800),
        },
        sustain=(
            "Các tuyến đường được giao cho tổ tự quản của từng thôn duy tu, trồng hoa hai bên đường.",
            "Cách làm đã được nhiều thôn khác trong xã học tập để làm các tuyến đường nội đồng.",
        ),
        weight=2.2,
    ),
    Theme(
        key="poverty_cow",
        field=FIELD_ECONOMY,
        kinds=frozenset(
            {_K.FARMERS, _K.WOMEN, _K.VETERANS, _K.FRONT, _K.PARTY, _K.ARMED_FORCES}
        ),
        names=(
            "Ngân hàng bò giúp hội viên nghèo",
            "Trao sinh kế, giúp hộ nghèo vươn lên",
            "Nuôi bò luân chuyển giúp nhau thoát nghèo",
            "Đảng viên nhận đỡ đầu hộ nghèo",
            "Tổ liên kết chăn nuôi giúp nhau làm kinh tế",
            "Cho con cá, không bằng cho cần câu",
        ),
        deeds=(
            "giúp {households_out_of_poverty} hộ nghèo thoát nghèo bền vững",
            "nhận đỡ đầu, giúp hộ khó khăn có sinh kế ổn định",
        ),
        problems=(
            "Tỷ lệ hộ nghèo, cận nghèo ở {place} còn cao so với bình quân chung, nhiều hộ thiếu vốn, thiếu kinh nghiệm sản xuất.",
            "Nhiều hộ nghèo có lao động nhưng thiếu tư liệu sản xuất, tâm lý trông chờ vào hỗ trợ của Nhà nước.",
            "Các hình thức hỗ trợ trước đây chủ yếu là tặng quà, hiệu quả không lâu dài.",
        ),
        goals=(
            "Mỗi năm giúp ít nhất {households_out_of_poverty} hộ thoát nghèo, không để hộ tái nghèo.",
            "Tạo sinh kế phù hợp với từng hộ, gắn hỗ trợ vốn với hướng dẫn kỹ thuật và theo dõi thường xuyên.",
        ),
        criteria=(
            "Hộ được hỗ trợ có thu nhập tăng, đạt chuẩn thoát nghèo sau hai năm",
            "Con giống được luân chuyển đúng cam kết cho hộ tiếp theo",
            "Mỗi hộ nghèo có một cán bộ, đảng viên hoặc hội viên khá giả theo dõi, giúp đỡ",
        ),
        methods=(
            "Rà soát, bình xét công khai danh sách hộ được nhận hỗ trợ tại cuộc họp thôn.",
            "Trao bò giống sinh sản cho hộ nghèo; khi bò đẻ lứa đầu, hộ trao bê cho hộ khó khăn tiếp theo.",
            "Phối hợp Ngân hàng Chính sách xã hội cho hộ nghèo, cận nghèo vay vốn ưu đãi qua tổ tiết kiệm và vay vốn.",
            "Tổ chức tập huấn kỹ thuật chăn nuôi, trồng cỏ, phòng bệnh cho vật nuôi; cán bộ thú y đến tận chuồng hướng dẫn.",
            "Mỗi đảng viên nhận đỡ đầu một hộ, hằng tháng đến thăm, ghi sổ theo dõi tiến bộ của hộ.",
        ),
        targets=(
            "hộ nghèo, hộ cận nghèo, hộ mới thoát nghèo có lao động",
            "hội viên có hoàn cảnh khó khăn",
        ),
        outputs=(
            "{households_out_of_poverty} hộ thoát nghèo, chưa có hộ nào tái nghèo.",
            "Huy động {money_million} triệu đồng mua con giống, hỗ trợ vốn cho {households} hộ.",
            "Đàn bò luân chuyển đã qua nhiều lượt, mỗi hộ nhận bò đều cam kết và thực hiện đúng việc trao lại bê giống.",
        ),
        tags=("giảm nghèo", "sinh kế", "chăn nuôi"),
        metrics={
            "households": (8, 120),
            "households_out_of_poverty": (3, 60),
            "money_million": (40, 1900),
        },
        weight=1.6,
    ),
    Theme(
        key="value_chain",
        field=FIELD_ECONOMY,
        kinds=frozenset({_K.FARMERS, _K.WOMEN, _K.YOUTH, _K.GOVERNMENT, _K.PARTY}),
        names=(
            "Liên kết sản xuất {product} theo chuỗi giá trị",
            "Tổ hợp tác trồng {product} an toàn",
            "Chi hội nông dân nghề nghiệp {product}",
            "Nông dân bán {product} trên sàn thương mại điện tử",
            "Xây dựng sản phẩm OCOP từ {product} quê hương",
        ),
        deeds=(
            "liên kết bà con trồng {product} theo hướng an toàn",
            "đưa {product} của địa phương lên sàn thương mại điện tử",
        ),
        problems=(
            "{product} là cây trồng chủ lực nhưng bà con sản xuất nhỏ lẻ, mỗi hộ một kiểu, giá bán phụ thuộc thương lái.",
            "Nhiều vụ được mùa mất giá, nông sản ùn ứ, người dân có ý định chặt bỏ để chuyển cây trồng khác.",
            "Sản phẩm chưa có nhãn hiệu, chưa truy xuất được nguồn gốc nên khó vào siêu thị và bếp ăn tập thể.",
        ),
        goals=(
            "Hình thành tổ hợp tác hoặc hợp tác xã với ít nhất {households} hộ tham gia, có hợp đồng bao tiêu sản phẩm.",
            "Nâng thu nhập của hộ tham gia thêm 15–20% so với sản xuất riêng lẻ.",
        ),
        criteria=(
            "Có quy trình sản xuất thống nhất, được cấp mã số vùng trồng hoặc chứng nhận VietGAP",
            "Có hợp đồng tiêu thụ với doanh nghiệp",
            "Sản phẩm có tem truy xuất nguồn gốc",
        ),
        methods=(
            "Vận động các hộ có diện tích liền vùng cùng tham gia, xây dựng quy chế hoạt động do thành viên tự bàn và thống nhất.",
            "Mời doanh nghiệp về đối thoại trực tiếp với nông dân, ký hợp đồng bao tiêu có giá sàn.",
            "Phối hợp cán bộ khuyến nông mở lớp tập huấn trên đồng ruộng, ghi nhật ký sản xuất điện tử.",
            "Hướng dẫn thành viên chụp ảnh, quay video, bán hàng trực tuyến và trên các sàn thương mại điện tử.",
        ),
        targets=(
            "hộ trồng {product} trên địa bàn",
            "hội viên nông dân, phụ nữ, thanh niên muốn khởi nghiệp từ nông nghiệp",
        ),
        outputs=(
            "{households} hộ tham gia chuỗi liên kết, ký hợp đồng bao tiêu ổn định.",
            "Doanh thu tăng thêm khoảng {money_million} triệu đồng mỗi năm cho các hộ thành viên.",
            "Sản phẩm {product} được công nhận OCOP 3 sao, có mặt tại các cửa hàng nông sản an toàn.",
        ),
        tags=("OCOP", "liên kết sản xuất", "kinh tế tập thể"),
        metrics={
            "households": (12, 160),
            "money_million": (150, 6000),
            "participants": (15, 220),
        },
        weight=1.3,
    ),
    Theme(
        key="house",
        field=FIELD_ECONOMY,
        kinds=frozenset(
            {
                _K.FRONT,
                _K.PARTY,
                _K.VETERANS,
                _K.WOMEN,
                _K.TRADE_UNION,
                _K.GOVERNMENT,
                _K.ARMED_FORCES,
            }
        ),
        names=(
            "Mái ấm tình thương cho hộ khó khăn về nhà ở",
            "Chung tay xóa nhà tạm, nhà dột nát",
            "Ngôi nhà Đại đoàn kết",
            "Góp gạch xây nhà cho đồng đội",
        ),
        deeds=(
            "vận động xây {households} căn nhà Đại đoàn kết cho hộ nghèo",
            "chung tay xóa nhà tạm cho hộ khó khăn",
        ),
        problems=(
            "Qua rà soát, {place} còn nhiều hộ nghèo, gia đình chính sách đang ở nhà tạm, nhà dột nát, không tự cải thiện được chỗ ở.",
            "Nguồn hỗ trợ của Nhà nước chỉ đủ một phần chi phí, nhiều hộ không có khả năng đối ứng.",
        ),
        goals=(
            "Xóa toàn bộ nhà tạm, nhà dột nát cho hộ nghèo, hộ có hoàn cảnh đặc biệt khó khăn trong năm {year}.",
            'Mỗi căn nhà đạt chuẩn "3 cứng" (nền cứng, khung – tường cứng, mái cứng).',
        ),
        criteria=(
            "Bình xét công khai, đúng đối tượng",
            "Nhà hoàn thành đúng tiến độ, đủ điều kiện ở lâu dài",
            "Có sự tham gia đóng góp của cộng đồng và gia đình",
        ),
        methods=(
            "Mặt trận chủ trì rà soát, bình xét hộ được hỗ trợ; công khai danh sách tại nhà văn hóa.",
            'Kêu gọi doanh nghiệp, nhà hảo tâm, con em xa quê ủng hộ qua Quỹ "Vì người nghèo".',
            "Đoàn viên thanh niên, hội viên cựu chiến binh, dân quân góp ngày công tháo dỡ nhà cũ, vận chuyển vật liệu.",
            "Thành lập tổ giám sát gồm đại diện Ban Thanh tra nhân dân và người dân để theo dõi chất lượng công trình.",
        ),
        targets=("hộ nghèo, hộ cận nghèo, gia đình chính sách có khó khăn về nhà ở",),
        outputs=(
            "Xây mới, sửa chữa {households} căn nhà với tổng kinh phí {money_million} triệu đồng.",
            "Các lực lượng góp {person_days} ngày công xây dựng.",
        ),
        tags=("nhà Đại đoàn kết", "an sinh xã hội", "Quỹ Vì người nghèo"),
        metrics={
            "households": (3, 60),
            "money_million": (150, 3600),
            "person_days": (60, 1500),
        },
        weight=1.3,
    ),
    Theme(
        key="saving_group",
        field=FIELD_ECONOMY,
        kinds=frozenset({_K.WOMEN, _K.FARMERS, _K.VETERANS, _K.TRADE_UNION}),
        names=(
            "Tổ tiết kiệm xoay vòng giúp nhau phát triển kinh tế",
            "Phụ nữ khởi nghiệp từ nghề truyền thống",
            "Heo đất nghĩa tình",
            "Hũ gạo tình thương",
            "Nhóm hộ cựu chiến binh giúp nhau làm kinh tế",
        ),
        deeds=("duy trì tổ tiết kiệm giúp hội viên có vốn làm ăn",),
        problems=(
            "Nhiều hội viên thiếu vốn nhỏ để mua giống, phân bón, phải vay nóng với lãi suất cao.",
            "Hội viên phụ nữ ở {place} chủ yếu làm nông, thu nhập bấp bênh, ít cơ hội tiếp cận vốn vay.",
        ),
        goals=(
            "Tạo nguồn vốn quay vòng không lãi hoặc lãi thấp cho hội viên, không để hội viên vay nặng lãi.",
            "Mỗi năm giúp ít nhất {households} hộ hội viên có vốn sản xuất.",
        ),
        criteria=(
            "Quỹ được quản lý công khai, sổ sách rõ ràng",
            "Không có nợ quá hạn",
            "Hội viên tham gia sinh hoạt đều đặn",
        ),
        methods=(
            "Mỗi thành viên góp một khoản cố định hằng tháng; bốc thăm hoặc bình xét hộ khó khăn được nhận vốn trước.",
            "Họp tổ mỗi tháng một lần, kết hợp trao đổi kinh nghiệm làm ăn và phổ biến pháp luật.",
            "Gắn tổ tiết kiệm với các dự án dạy nghề, hỗ trợ hội viên mở cửa hàng, cơ sở sản xuất nhỏ.",
        ),
        targets=(
            "hội viên có hoàn cảnh khó khăn",
            "phụ nữ nông thôn thiếu vốn sản xuất",
        ),
        outputs=(
            "Quỹ đạt {money_million} triệu đồng, đã quay vòng cho {households} lượt hộ vay.",
            "{households_out_of_poverty} hộ hội viên thoát nghèo nhờ có vốn sản xuất kịp thời.",
        ),
        tags=("tổ tiết kiệm", "phụ nữ khởi nghiệp", "giảm nghèo"),
        metrics={
            "households": (10, 140),
            "money_million": (20, 900),
            "households_out_of_poverty": (1, 25),
        },
        weight=1.0,
    ),
    Theme(
        key="five_no_three_clean",
        field=FIELD_CULTURE,
        kinds=frozenset({_K.WOMEN, _K.FRONT, _K.PARTY, _K.FARMERS}),
        names=(
            "Chi hội phụ nữ 5 không 3 sạch",
            "Gia đình 5 không 3 sạch, tuyến đường tự quản",
            "Phụ nữ {place} giữ nhà sạch, ngõ đẹp",
            "Tuyến đường hoa do phụ nữ tự quản",
        ),
        deeds=("vận động hội viên xây dựng gia đình 5 không 3 sạch",),
        problems=(
            "Rác thải sinh hoạt ở {place} còn đổ ven đường, bờ kênh; chuồng trại chăn nuôi gần nhà gây ô nhiễm.",
            "Tiêu chí môi trường trong xây dựng nông thôn mới của {commune} đạt thấp.",
        ),
        goals=(
            'Trên 90% hộ hội viên đạt tiêu chí gia đình "5 không 3 sạch".',
            "Mỗi chi hội nhận tự quản ít nhất một tuyến đường xanh – sạch – đẹp.",
        ),
        criteria=(
            "Hộ đạt 3 sạch: sạch nhà, sạch bếp, sạch ngõ",
            "Tuyến đường tự quản không có rác, có hoa hoặc cây xanh",
            "Được đánh giá, công nhận hằng quý",
        ),
        methods=(
            'Hội viên đăng ký với chi hội, dán biển "Gia đình 5 không 3 sạch" trước cổng để cùng nhau giám sát.',
            "Tổ chức ngày thứ Bảy xanh hằng tuần: dọn vệ sinh, trồng và chăm sóc hoa hai bên đường.",
            "Chấm điểm các hộ hằng quý, biểu dương hộ làm tốt tại buổi sinh hoạt chi hội.",
        ),
        targets=("hộ hội viên phụ nữ và các gia đình trong khu dân cư",),
        outputs=(
            "{households} hộ đăng ký và đạt tiêu chí 5 không 3 sạch.",
            "Trồng {trees} cây hoa, cây xanh trên các tuyến đường tự quản.",
        ),
        tags=("5 không 3 sạch", "môi trường", "nông thôn mới"),
        metrics={
            "households": (40, 380),
            "trees": (200, 6000),
            "participants": (40, 400),
        },
        weight=1.2,
    ),
    Theme(
        key="waste",
        field=FIELD_CULTURE,
        kinds=frozenset(
            {_K.YOUTH, _K.WOMEN, _K.FRONT, _K.PARTY, _K.SCHOOL, _K.GOVERNMENT}
        ),
        names=(
            "Phân loại rác thải tại nguồn",
            "Đổi rác lấy quà",
            "Nói không với rác thải nhựa",
            "Ngày Chủ nhật xanh",
            "Biến rác thành phân bón hữu cơ",
            "Thùng rác nghĩa tình",
        ),
        deeds=(
            "vận động người dân phân loại rác tại nguồn",
            "dẫn đầu phong trào chống rác thải nhựa",
        ),
        problems=(
            "Lượng rác thải sinh hoạt tăng nhanh, bãi tập kết quá tải, nhiều hộ vẫn đốt rác hoặc đổ rác xuống kênh, mương.",
            "Túi ni lông, chai nhựa dùng một lần xuất hiện nhiều ở chợ và khu dân cư.",
            "Người dân chưa quen phân loại rác, chi phí thu gom, vận chuyển ngày càng lớn.",
        ),
        goals=(
            "Trên 70% hộ phân loại rác hữu cơ tại nhà, giảm lượng rác phải thu gom.",
            "Không còn điểm tập kết rác tự phát trên địa bàn.",
        ),
        criteria=(
            "Hộ có thùng hoặc hố ủ rác hữu cơ",
            "Rác tái chế được thu gom riêng",
            "Khu dân cư sạch, không có rác tồn đọng",
        ),
        methods=(
            "Hướng dẫn từng hộ chia rác thành ba loại; phát miễn phí thùng ủ rác hữu cơ cho hộ đăng ký đầu tiên.",
            'Tổ chức phiên "đổi rác lấy quà" mỗi tháng: chai nhựa, giấy vụn đổi lấy cây giống, xà phòng, vở học sinh.',
            "Đoàn viên thanh niên lập nhóm Zalo nhắc lịch thu gom và đăng ảnh các điểm nóng về rác để cùng xử lý.",
            "Tiền bán phế liệu được đưa vào quỹ hỗ trợ học sinh nghèo của khu dân cư.",
        ),
        targets=(
            "các hộ gia đình, tiểu thương ở chợ và khu dân cư",
            "đoàn viên, thanh thiếu nhi",
        ),
        outputs=(
            "{households} hộ thực hiện phân loại rác tại nguồn.",
            "{participants} lượt người tham gia các ngày ra quân; trồng thêm {trees} cây xanh.",
            "Quỹ từ bán phế liệu được {money_million} triệu đồng, dùng hỗ trợ học sinh khó khăn.",
        ),
        tags=("môi trường", "rác thải nhựa", "phân loại rác"),
        metrics={
            "households": (60, 900),
            "participants": (80, 2500),
            "trees": (50, 2000),
            "money_million": (5, 120),
        },
        weight=1.3,
    ),
    Theme(
        key="digital",
        field=FIELD_CULTURE,
        kinds=frozenset(
            {_K.YOUTH, _K.GOVERNMENT, _K.PARTY, _K.FRONT, _K.SCHOOL, _K.ARMED_FORCES}
        ),
        names=(
            "Dân vận số",
            "Tổ công nghệ số cộng đồng",
            "Thanh niên hướng dẫn người dân làm thủ tục trực tuyến",
            "Mỗi khu dân cư một nhóm Zalo kết nối chính quyền",
            "Bình dân học vụ số",
            "Chợ 4.0 – thanh toán không dùng tiền mặt",
        ),
        deeds=(
            "đưa dịch vụ công trực tuyến đến từng hộ dân",
            "hướng dẫn người cao tuổi sử dụng điện thoại thông minh",
        ),
        problems=(
            "Nhiều người dân, nhất là người cao tuổi, chưa biết dùng dịch vụ công trực tuyến, vẫn phải đi lại nhiều lần để làm thủ tục.",
            "Tỷ lệ hồ sơ nộp trực tuyến của {commune} thấp so với chỉ tiêu của tỉnh.",
            "Thông tin từ chính quyền đến người dân còn chậm, ý kiến của dân chưa được tiếp nhận kịp thời.",
        ),
        goals=(
            "Trên 80% hộ có ít nhất một người biết sử dụng dịch vụ công trực tuyến và tài khoản định danh điện tử.",
            "Phản ánh, kiến nghị của người dân được trả lời trong vòng 48 giờ.",
        ),
        criteria=(
            "Số hồ sơ trực tuyến tăng rõ rệt so với năm trước",
            "Nhóm Zalo khu dân cư hoạt động thường xuyên, có người quản trị",
            "Người dân hài lòng khi làm thủ tục",
        ),
        methods=(
            "Thành lập tổ công nghệ số cộng đồng gồm đoàn viên thanh niên, công an viên, giáo viên; đến từng nhà hướng dẫn cài đặt ứng dụng.",
            "Đặt bàn hỗ trợ tại bộ phận một cửa và nhà văn hóa vào sáng thứ Bảy, hướng dẫn làm hồ sơ trực tuyến.",
            "Lập nhóm Zalo mỗi khu dân cư, lãnh đạo xã trực tiếp tham gia để trả lời phản ánh của dân.",
            "Hướng dẫn tiểu thương ở chợ dùng mã QR thanh toán không dùng tiền mặt.",
        ),
        targets=(
            "người dân, nhất là người cao tuổi và hộ kinh doanh nhỏ",
            "cán bộ, công chức bộ phận một cửa",
        ),
        outputs=(
            "Hướng dẫn {participants} người dân kích hoạt tài khoản định danh điện tử và sử dụng dịch vụ công trực tuyến.",
            "{households} hộ tham gia các nhóm Zalo khu dân cư; các phản ánh đều được trả lời, xử lý.",
        ),
        tags=("Dân vận số", "chuyển đổi số", "cải cách hành chính"),
        metrics={"participants": (120, 3800), "households": (80, 1500)},
        weight=1.5,
    ),
    Theme(
        key="insurance",
        field=FIELD_CULTURE,
        kinds=frozenset({_K.GOVERNMENT, _K.FRONT, _K.WOMEN, _K.TRADE_UNION, _K.PARTY}),
        names=(
            "Vận động người dân tham gia bảo hiểm xã hội tự nguyện",
            "Tấm thẻ bảo hiểm y tế nghĩa tình",
            "Không để ai bị bỏ lại phía sau khi ốm đau",
        ),
        deeds=("vận động người dân tham gia bảo hiểm y tế, bảo hiểm xã hội tự nguyện",),
        problems=(
            "Tỷ lệ người dân tham gia bảo hiểm y tế hộ gia đình và bảo hiểm xã hội tự nguyện còn thấp so với chỉ tiêu.",
            "Nhiều hộ cận nghèo không đủ tiền mua thẻ bảo hiểm y tế cho cả gia đình.",
        ),
        goals=("Nâng tỷ lệ bao phủ bảo hiểm y tế trên địa bàn lên trên 95%.",),
        criteria=(
            "Số người tham gia tăng so với năm trước",
            "Có danh sách hộ được tặng thẻ công khai",
        ),
        methods=(
            "Phối hợp cơ quan bảo hiểm xã hội tổ chức hội nghị đối thoại, giải đáp trực tiếp các thắc mắc của người dân.",
            "Vận động mạnh thường quân mua tặng thẻ bảo hiểm y tế cho hộ cận nghèo, học sinh khó khăn.",
            "Cán bộ đoàn thể đến từng hộ lập danh sách người chưa có thẻ, hướng dẫn thủ tục tham gia.",
        ),
        targets=(
            "người dân chưa tham gia bảo hiểm y tế, bảo hiểm xã hội",
            "hộ cận nghèo, lao động tự do",
        ),
        outputs=(
            "Vận động {participants} người tham gia bảo hiểm y tế, bảo hiểm xã hội tự nguyện.",
            "Trao tặng thẻ bảo hiểm y tế cho {households} hộ khó khăn, trị giá {money_million} triệu đồng.",
        ),
        tags=("bảo hiểm y tế", "an sinh xã hội"),
        metrics={
            "participants": (60, 2200),
            "households": (10, 300),
            "money_million": (15, 600),
        },
        weight=0.9,
    ),
    Theme(
        key="school_support",
        field=FIELD_CULTURE,
        kinds=frozenset({_K.SCHOOL, _K.YOUTH, _K.ARMED_FORCES, _K.WOMEN}),
        names=(
            "Nuôi heo đất vì bạn nghèo",
            "Áo ấm đến trường",
            "Nâng bước em đến trường",
            "Bữa cơm có thịt cho học sinh bán trú",
            "Tủ sách cộng đồng",
            "Lớp học tình thương",
            "Thầy cô là điểm tựa",
        ),
        deeds=(
            "giúp học sinh khó khăn được đến trường",
            "đỡ đầu học sinh có hoàn cảnh đặc biệt",
        ),
        problems=(
            "Một số học sinh có hoàn cảnh khó khăn có nguy cơ bỏ học, nhất là vào thời điểm giáp hạt.",
            "Học sinh ở các thôn xa phải đi học đường dài, thiếu áo ấm, đồ dùng học tập.",
            "Phụ huynh mải làm ăn, ít quan tâm đến việc học của con em.",
        ),
        goals=(
            "Không để học sinh nào bỏ học vì hoàn cảnh khó khăn.",
            "Mỗi học sinh khó khăn có một thầy cô hoặc tổ chức đỡ đầu.",
        ),
        criteria=(
            "Tỷ lệ học sinh chuyên cần tăng",
            "Không có học sinh bỏ học giữa chừng",
            "Phụ huynh tham gia họp lớp đầy đủ",
        ),
        methods=(
            "Giáo viên chủ nhiệm đến thăm gia đình từng học sinh có nguy cơ bỏ học, cùng phụ huynh tìm cách tháo gỡ.",
            "Mỗi lớp nuôi một heo đất, cuối học kỳ mổ heo tặng quà cho bạn khó khăn.",
            "Kêu gọi phụ huynh, cựu học sinh, đơn vị bộ đội kết nghĩa ủng hộ sách vở, áo ấm, xe đạp.",
            "Mở tủ sách dùng chung tại nhà văn hóa, học sinh được mượn sách miễn phí.",
        ),
        targets=(
            "học sinh có hoàn cảnh khó khăn, học sinh dân tộc thiểu số",
            "phụ huynh học sinh",
        ),
        outputs=(
            "Hỗ trợ {participants} lượt học sinh với tổng trị giá {money_million} triệu đồng.",
            "Không có học sinh bỏ học giữa chừng; tỷ lệ chuyên cần đạt trên 98%.",
        ),
        tags=("khuyến học", "học sinh khó khăn"),
        metrics={"participants": (20, 650), "money_million": (10, 420)},
        weight=1.2,
    ),
    Theme(
        key="culture_village",
        field=FIELD_CULTURE,
        kinds=frozenset({_K.FRONT, _K.PARTY, _K.YOUTH, _K.VETERANS, _K.OTHER}),
        names=(
            "Khu dân cư văn hóa, không có tệ nạn xã hội",
            "Đám cưới văn minh, đám tang tiết kiệm",
            "Câu lạc bộ văn nghệ dân gian giữ hồn quê",
            "Phát huy vai trò người có uy tín trong đồng bào dân tộc thiểu số",
            "Cơ sở tôn giáo chung tay xây dựng khu dân cư văn hóa",
        ),
        deeds=(
            "gương mẫu thực hiện nếp sống văn minh",
            "phát huy vai trò người có uy tín ở khu dân cư",
        ),
        problems=(
            "Một số hủ tục trong việc cưới, việc tang còn tốn kém, kéo dài, ảnh hưởng đến kinh tế của các hộ.",
            "Sinh hoạt văn hóa cộng đồng ở {place} còn ít, thanh niên ít gắn bó với quê hương.",
        ),
        goals=(
            "100% đám tang thực hiện nếp sống văn minh; đám cưới không mời quá số mâm quy ước.",
        ),
        criteria=(
            "Có hương ước, quy ước được sửa đổi và thực hiện",
            "Khu dân cư giữ danh hiệu văn hóa",
        ),
        methods=(
            "Sửa đổi hương ước, quy ước do chính người dân bàn và biểu quyết.",
            "Mời người có uy tín, chức sắc tôn giáo cùng vận động bà con bỏ hủ tục.",
            "Thành lập câu lạc bộ văn nghệ, thể thao sinh hoạt định kỳ tại nhà văn hóa.",
        ),
        targets=(
            "các hộ gia đình trong khu dân cư",
            "người có uy tín, chức sắc tôn giáo",
        ),
        outputs=(
            "{households} hộ cam kết thực hiện nếp sống văn minh trong việc cưới, việc tang.",
            "Các câu lạc bộ thu hút {participants} người tham gia sinh hoạt thường xuyên.",
        ),
        tags=("nếp sống văn minh", "khu dân cư văn hóa"),
        metrics={"households": (30, 450), "participants": (25, 600)},
        weight=1.0,
    ),
    Theme(
        key="security_camera",
        field=FIELD_DEFENCE,
        kinds=frozenset({_K.ARMED_FORCES, _K.PARTY, _K.FRONT, _K.YOUTH, _K.VETERANS}),
        names=(
            "Camera an ninh khu dân cư",
            "Mắt thần khu phố",
            "Tổ tự quản an ninh trật tự",
            "Tiếng kẻng an ninh",
            "Zalo an ninh trật tự",
            "Khu dân cư an toàn về an ninh trật tự",
        ),
        deeds=(
            "vận động người dân lắp camera giữ gìn an ninh trật tự",
            "giữ bình yên cho khu dân cư",
        ),
        problems=(
            "Trên địa bàn từng xảy ra một số vụ trộm cắp tài sản, gây mất an toàn cho người dân.",
            "Lực lượng công an xã mỏng, địa bàn rộng, khó kiểm soát các tuyến đường vào ban đêm.",
        ),
        goals=(
            "Giảm các vụ trộm cắp, không để xảy ra tội phạm nghiêm trọng trên địa bàn.",
        ),
        criteria=(
            "Camera hoạt động ổn định, được kết nối với công an xã",
            "Tổ tự quản tuần tra định kỳ",
            "Người dân tin tưởng, tích cực cung cấp thông tin",
        ),
        methods=(
            "Công an xã khảo sát các điểm cần lắp camera; người dân tự nguyện đóng góp, doanh nghiệp hỗ trợ thiết bị.",
            "Kết nối hình ảnh camera về trụ sở công an xã và điện thoại của tổ trưởng an ninh.",
            "Lập nhóm Zalo an ninh trật tự để người dân báo tin nhanh về người lạ, phương tiện khả nghi.",
            "Tổ chức tuần tra ban đêm gồm dân quân, đoàn viên thanh niên, cựu chiến binh.",
        ),
        targets=("người dân trong khu dân cư", "hộ kinh doanh, nhà trọ"),
        outputs=(
            "Lắp đặt camera tại các điểm trọng yếu với kinh phí {money_million} triệu đồng do dân và doanh nghiệp đóng góp.",
            "{participants} lượt người tham gia tuần tra; phạm pháp hình sự giảm rõ rệt so với năm trước.",
        ),
        tags=("an ninh trật tự", "camera an ninh", "bảo vệ an ninh Tổ quốc"),
        metrics={
            "money_million": (20, 850),
            "participants": (30, 900),
            "households": (40, 700),
        },
        weight=1.4,
    ),
    Theme(
        key="drug_free",
        field=FIELD_DEFENCE,
        kinds=frozenset({_K.ARMED_FORCES, _K.YOUTH, _K.WOMEN, _K.FRONT, _K.PARTY}),
        names=(
            "Khu dân cư không ma túy",
            "Cảm hóa, giúp đỡ người lầm lỗi tái hòa nhập cộng đồng",
            "Đoàn viên nói không với ma túy",
            "Mẹ đỡ đầu người sau cai nghiện",
        ),
        deeds=("giúp người lầm lỗi tái hòa nhập cộng đồng",),
        problems=(
            "Một số thanh niên ở địa bàn có biểu hiện sử dụng chất gây nghiện, gia đình lo lắng nhưng không biết cách giúp.",
            "Người chấp hành xong án phạt tù trở về địa phương khó tìm việc làm, dễ tái phạm.",
        ),
        goals=(
            "Không phát sinh người nghiện mới; người sau cai nghiện có việc làm ổn định.",
        ),
        criteria=(
            "Không có người tái nghiện, tái phạm",
            "Mỗi người được giúp có người đỡ đầu cụ thể",
        ),
        methods=(
            "Phân công đảng viên, hội viên phụ nữ đỡ đầu từng người sau cai nghiện, người chấp hành xong án phạt tù.",
            "Phối hợp doanh nghiệp nhận người hoàn lương vào làm việc, hỗ trợ vay vốn học nghề.",
            "Tuyên truyền tác hại của ma túy tại trường học, nhà văn hóa bằng hình thức sân khấu hóa.",
        ),
        targets=(
            "thanh thiếu niên trên địa bàn",
            "người sau cai nghiện, người chấp hành xong án phạt tù",
        ),
        outputs=(
            "{participants} lượt người tham gia các buổi tuyên truyền, sân khấu hóa.",
            "Các trường hợp được đỡ đầu đều có việc làm, không tái phạm.",
        ),
        tags=("phòng chống ma túy", "tái hòa nhập cộng đồng"),
        metrics={"participants": (60, 2500)},
        weight=0.9,
    ),
    Theme(
        key="military_call",
        field=FIELD_DEFENCE,
        kinds=frozenset({_K.ARMED_FORCES, _K.YOUTH, _K.VETERANS, _K.PARTY}),
        names=(
            "Dân vận khéo trong công tác tuyển quân",
            "Hậu phương vững chắc cho tân binh",
            "Bộ đội giúp dân mùa thu hoạch",
            "Quân dân chung tay phòng chống thiên tai",
        ),
        deeds=(
            "làm tốt công tác dân vận trong tuyển quân",
            "giúp dân khắc phục hậu quả thiên tai",
        ),
        problems=(
            "Một số gia đình còn băn khoăn khi con em đến tuổi nhập ngũ, lo ảnh hưởng đến việc học và việc làm.",
            "Địa bàn thường chịu ảnh hưởng của mưa lũ, sạt lở; người dân cần được hỗ trợ kịp thời.",
        ),
        goals=(
            "Hoàn thành 100% chỉ tiêu giao quân, không có thanh niên trốn tránh nghĩa vụ.",
            "Sẵn sàng lực lượng giúp dân khi có thiên tai.",
        ),
        criteria=(
            "Đạt chỉ tiêu giao quân đúng thời gian",
            "Gia đình tân binh được thăm hỏi, động viên",
        ),
        methods=(
            "Cán bộ quân sự cùng trưởng thôn đến từng gia đình có con trong độ tuổi gọi nhập ngũ để trò chuyện, giải đáp.",
            "Mời cựu chiến binh, quân nhân xuất ngũ chia sẻ về môi trường quân đội.",
            "Tổ chức lực lượng dân quân giúp dân thu hoạch, gia cố nhà cửa trước mùa mưa bão.",
        ),
        targets=(
            "thanh niên trong độ tuổi nhập ngũ và gia đình",
            "hộ dân vùng thường xuyên bị thiên tai",
        ),
        outputs=(
            "Huy động {person_days} ngày công giúp dân thu hoạch, khắc phục hậu quả thiên tai.",
            "{participants} thanh niên tham gia sơ tuyển; giao quân đạt 100% chỉ tiêu.",
        ),
        tags=("tuyển quân", "phòng chống thiên tai", "quân dân"),
        metrics={"person_days": (80, 2400), "participants": (20, 260)},
        weight=0.9,
    ),
    Theme(
        key="mediation",
        field=FIELD_DEFENCE,
        kinds=frozenset(
            {_K.FRONT, _K.PARTY, _K.VETERANS, _K.WOMEN, _K.ARMED_FORCES, _K.OTHER}
        ),
        names=(
            "Tổ hòa giải giỏi ở cơ sở",
            "Hòa giải tình làng nghĩa xóm",
            "Không để mâu thuẫn nhỏ thành vụ việc lớn",
        ),
        deeds=("hòa giải thành công nhiều vụ mâu thuẫn trong khu dân cư",),
        problems=(
            "Mâu thuẫn về ranh giới đất, lối đi, nước tưới giữa các hộ phát sinh nhiều, có vụ kéo dài nhiều năm.",
            "Nhiều đơn thư gửi vượt cấp trong khi có thể giải quyết ngay tại cơ sở.",
        ),
        goals=(
            "Trên 90% vụ việc được hòa giải thành ở cơ sở, hạn chế đơn thư vượt cấp.",
        ),
        criteria=("Tỷ lệ hòa giải thành", "Không có vụ việc phức tạp kéo dài"),
        methods=(
            "Kiện toàn tổ hòa giải gồm trưởng thôn, cựu chiến binh, hội viên phụ nữ và người có uy tín trong dòng họ.",
            "Nắm bắt sớm các mâu thuẫn qua sinh hoạt tổ tự quản, đến tận nhà các bên để hòa giải.",
            "Mời cán bộ tư pháp, địa chính cùng tham gia với những vụ việc liên quan đến đất đai.",
        ),
        targets=("các hộ gia đình trong khu dân cư",),
        outputs=(
            "Hòa giải thành công nhiều vụ việc, liên quan đến {households} hộ; không có đơn thư vượt cấp.",
        ),
        tags=("hòa giải cơ sở", "khiếu nại tố cáo"),
        metrics={"households": (10, 160), "participants": (8, 60)},
        weight=0.8,
    ),
    Theme(
        key="dialogue",
        field=FIELD_PARTY,
        kinds=frozenset({_K.PARTY, _K.GOVERNMENT, _K.FRONT}),
        names=(
            "Người đứng đầu đối thoại với Nhân dân",
            "Cà phê sáng với dân",
            "Lắng nghe dân nói, nói dân hiểu, làm dân tin",
            "Ngày thứ Bảy cùng dân",
            "Cán bộ một cửa thân thiện, phục vụ Nhân dân",
        ),
        deeds=("gần dân, lắng nghe và giải quyết kịp thời kiến nghị của Nhân dân",),
        problems=(
            "Một số kiến nghị của người dân chậm được trả lời, gây bức xúc và làm giảm niềm tin vào chính quyền.",
            "Thái độ phục vụ của một số cán bộ bộ phận một cửa chưa thân thiện, người dân phải đi lại nhiều lần.",
        ),
        goals=(
            "Định kỳ mỗi quý người đứng đầu cấp ủy, chính quyền đối thoại trực tiếp với Nhân dân.",
            "100% kiến nghị của người dân được tiếp nhận, trả lời công khai.",
        ),
        criteria=(
            "Số cuộc đối thoại được tổ chức",
            "Tỷ lệ kiến nghị được giải quyết",
            "Mức độ hài lòng của người dân",
        ),
        methods=(
            "Tổ chức đối thoại luân phiên tại các khu dân cư; thông báo trước nội dung để người dân chuẩn bị ý kiến.",
            "Công khai kết quả giải quyết kiến nghị trên loa truyền thanh và nhóm Zalo khu dân cư.",
            "Bố trí cán bộ trực bộ phận một cửa vào sáng thứ Bảy; đặt hòm thư góp ý và mã QR đánh giá mức độ hài lòng.",
        ),
        targets=(
            "Nhân dân trên địa bàn",
            "cán bộ, công chức tiếp xúc trực tiếp với người dân",
        ),
        outputs=(
            "Tiếp nhận và trả lời ý kiến, kiến nghị của {participants} lượt người dân.",
            "Không có đơn thư vượt cấp; mức độ hài lòng với bộ phận một cửa tăng rõ rệt.",
        ),
        tags=("dân chủ cơ sở", "cải cách hành chính", "đối thoại"),
        metrics={"participants": (80, 1800)},
        weight=1.3,
    ),
    Theme(
        key="party_cell",
        field=FIELD_PARTY,
        kinds=frozenset({_K.PARTY, _K.YOUTH, _K.VETERANS}),
        names=(
            "Mỗi đảng viên một việc làm tốt vì dân",
            "Chi bộ sinh hoạt chuyên đề gắn với việc của dân",
            "Đảng viên gương mẫu, Nhân dân tin theo",
            "Đảng viên trẻ xung kích nơi khó",
            "Nhân dân góp ý xây dựng Đảng",
        ),
        deeds=("gương mẫu đi đầu, được Nhân dân tin yêu",),
        problems=(
            "Sinh hoạt chi bộ có lúc còn hình thức, chưa bàn sâu những việc người dân đang quan tâm.",
            "Một số đảng viên chưa thật sự gương mẫu ở nơi cư trú.",
        ),
        goals=(
            "Mỗi đảng viên đăng ký ít nhất một việc làm cụ thể vì cộng đồng và thực hiện đến cùng.",
        ),
        criteria=(
            "Chi bộ hoàn thành tốt nhiệm vụ",
            "Đảng viên thực hiện đúng đăng ký",
            "Nhân dân đánh giá tốt",
        ),
        methods=(
            "Đầu năm mỗi đảng viên đăng ký việc làm cụ thể; chi bộ kiểm điểm kết quả tại sinh hoạt hằng tháng.",
            "Sinh hoạt chuyên đề theo từng việc của dân: đường sá, môi trường, an ninh, học hành của con em.",
            "Lấy ý kiến Nhân dân nơi cư trú về đảng viên trước kỳ đánh giá cuối năm.",
        ),
        targets=("đảng viên của chi bộ", "Nhân dân nơi đảng viên cư trú"),
        outputs=(
            "Đảng viên thực hiện {participants} việc làm tốt, huy động {money_million} triệu đồng và {person_days} ngày công cho các công trình của khu dân cư.",
        ),
        tags=("xây dựng Đảng", "đảng viên gương mẫu"),
        metrics={
            "participants": (10, 160),
            "money_million": (10, 400),
            "person_days": (30, 800),
        },
        weight=1.1,
    ),
)

_THEME_BY_FIELD: dict[str, list[Theme]] = {
    k: [t for t in THEMES if t.field == k] for k in FIELD_KEYS
}

# fmt: off
PRODUCTS = (
    "bưởi da xanh", "chè Shan tuyết", "cam sành", "vải thiều", "quế hữu cơ", "lúa thơm",
    "sầu riêng", "xoài cát", "hồ tiêu", "cà phê", "tôm càng xanh", "dừa xiêm", "nấm rơm",
    "mật ong rừng", "rau an toàn", "dứa", "na dai", "ổi lê", "bò thịt", "cá lồng",
)
# fmt: on

# --------------------------------------------------------------------------- generic pools

_CONTEXT = (
    "{place_cap} có {n_households} hộ với khoảng {n_people} nhân khẩu, phần lớn sống bằng nghề nông và làm thuê.",
    "Là địa bàn có đông đồng bào dân tộc thiểu số, đời sống Nhân dân ở {place} còn nhiều khó khăn.",
    "{place_cap} nằm ở phía {direction} {commune}, địa hình chia cắt, giao thông đi lại chưa thuận lợi.",
    "Qua nắm tình hình Nhân dân đầu năm {year}, cấp ủy nhận thấy đây là việc người dân quan tâm nhất.",
    "Tại các cuộc họp thôn, tiếp xúc cử tri, nhiều ý kiến của bà con đề nghị sớm có giải pháp.",
    "{place_cap} là khu dân cư đông, nhiều lao động đi làm ăn xa, người ở nhà chủ yếu là người già và trẻ nhỏ.",
)
#: Only true once the two-tier local government started (1 July 2025).
_CONTEXT_MERGED = (
    "Sau khi sắp xếp đơn vị hành chính, {commune} có địa bàn rộng hơn, dân số đông hơn nên khối lượng công việc tăng lên nhiều.",
    "Từ ngày 01/7/2025, {commune} được thành lập trên cơ sở sắp xếp các xã cũ, nhiều khu dân cư lần đầu sinh hoạt chung.",
)
_REASON = (
    "Từ thực tế đó, {unit} lựa chọn xây dựng mô hình để vận động Nhân dân cùng tháo gỡ.",
    'Vì vậy, cấp ủy chỉ đạo xây dựng mô hình theo phương châm "dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng".',
    "Việc này không thể làm bằng mệnh lệnh, mà phải bằng vận động khéo léo, bền bỉ và sự gương mẫu của cán bộ, đảng viên.",
    'Xuất phát từ đó, {unit} đăng ký thực hiện mô hình trong phong trào thi đua "Dân vận khéo" năm {year}.',
)
_CONTINUING = (
    "Mô hình được triển khai từ năm {start_year}, năm nay tiếp tục duy trì và mở rộng ra các khu dân cư khác.",
    "Đây là năm thứ {years_running} mô hình được duy trì; năm {year} tập trung nâng cao chất lượng.",
)
_SURVEY = (
    "Khảo sát thực trạng, lập danh sách các hộ, các điểm cần làm; xây dựng kế hoạch chi tiết, phân công rõ người, rõ việc, rõ thời gian, rõ kết quả.",
    "Cấp ủy ban hành nghị quyết chuyên đề; thành lập ban chỉ đạo do đồng chí bí thư làm trưởng ban.",
    "Họp chi bộ, thống nhất chủ trương; giao Ban công tác Mặt trận và các chi hội đoàn thể chủ trì vận động.",
)
_PROPAGANDA = (
    "Tuyên truyền trên loa truyền thanh, nhóm Zalo khu dân cư và tại các buổi sinh hoạt chi hội.",
    "Tổ chức họp dân công khai mục đích, cách làm, mức đóng góp để bà con bàn bạc và biểu quyết.",
    "Cán bộ, đảng viên đến từng nhà trò chuyện, lắng nghe ý kiến, giải thích những điều người dân còn băn khoăn.",
)
_REVIEW = (
    "Hằng quý sơ kết, biểu dương hộ gia đình, cá nhân tiêu biểu; kịp thời điều chỉnh những việc chưa phù hợp.",
    "Ban Thanh tra nhân dân và Ban giám sát đầu tư cộng đồng theo dõi, giám sát suốt quá trình thực hiện.",
    "Cuối năm tổng kết, công khai kết quả và các khoản đóng góp tại nhà văn hóa.",
)
_FORCES_BY_KIND = {
    _K.PARTY: "Cấp ủy lãnh đạo, chỉ đạo; chính quyền quản lý, hỗ trợ nguồn lực; Mặt trận và các đoàn thể chủ trì vận động hội viên; đảng viên phụ trách từng nhóm hộ.",
    _K.GOVERNMENT: "Lãnh đạo đơn vị trực tiếp chỉ đạo; các phòng chuyên môn phối hợp; công đoàn, chi đoàn thanh niên cơ quan tham gia; phối hợp chính quyền và Mặt trận các xã, phường.",
    _K.FRONT: "Ban Thường trực Ủy ban MTTQ chủ trì; các tổ chức chính trị – xã hội phối hợp; Ban công tác Mặt trận khu dân cư và người có uy tín trực tiếp vận động.",
    _K.FARMERS: "Ban Chấp hành Hội Nông dân chủ trì; các chi hội trưởng và hội viên nòng cốt thực hiện; phối hợp cán bộ khuyến nông, thú y và Ngân hàng Chính sách xã hội.",
    _K.WOMEN: "Ban Chấp hành Hội Phụ nữ chủ trì; các chi hội phụ nữ và tổ phụ nữ tự quản thực hiện; phối hợp Đoàn Thanh niên và các nhà hảo tâm.",
    _K.YOUTH: "Ban Chấp hành Đoàn chủ trì; các chi đoàn và đội thanh niên tình nguyện trực tiếp thực hiện; phối hợp công an xã, nhà trường.",
    _K.VETERANS: "Ban Chấp hành Hội Cựu chiến binh chủ trì; hội viên cựu chiến binh gương mẫu đi đầu; phối hợp Mặt trận và chính quyền.",
    _K.TRADE_UNION: "Ban Chấp hành Công đoàn chủ trì; đoàn viên công đoàn, người lao động tham gia; phối hợp chuyên môn đơn vị và doanh nghiệp.",
    _K.ARMED_FORCES: "Chỉ huy đơn vị trực tiếp chỉ đạo; tổ công tác dân vận, dân quân, công an viên thực hiện; phối hợp cấp ủy, chính quyền và đoàn thể địa phương.",
    _K.SCHOOL: "Ban Giám hiệu chỉ đạo; giáo viên chủ nhiệm, Liên đội, Chi đoàn giáo viên thực hiện; Ban đại diện cha mẹ học sinh phối hợp.",
    _K.OTHER: "Ban điều hành khu dân cư chủ trì; các tổ tự quản, hội viên đoàn thể và người dân tham gia.",
}
_FACILITIES = (
    "Sử dụng nhà văn hóa làm nơi họp dân, sinh hoạt định kỳ.",
    "Tận dụng hệ thống loa truyền thanh và nhóm Zalo sẵn có để thông tin.",
    "Doanh nghiệp trên địa bàn hỗ trợ máy móc, phương tiện vận chuyển.",
    "Sử dụng trụ sở, điểm sinh hoạt của đơn vị, không phát sinh chi phí thuê địa điểm.",
)
_SUSTAIN = (
    "Mô hình không đòi hỏi nhiều kinh phí, dễ làm, có thể nhân rộng ra các khu dân cư có điều kiện tương tự.",
    "Quy chế hoạt động được đưa vào hương ước, quy ước của khu dân cư nên được duy trì thường xuyên.",
    "Kết quả được người dân thấy rõ nên chính người dân là lực lượng giữ gìn và phát huy mô hình.",
    "Cấp ủy đưa nội dung mô hình vào nghị quyết hằng năm, gắn với đánh giá chất lượng tổ chức đảng và đảng viên.",
    "Đã có các đơn vị bạn đến học tập kinh nghiệm; cách làm được giới thiệu trên báo, đài của tỉnh.",
    "Nguồn lực chủ yếu từ xã hội hóa và sự đóng góp tự nguyện của Nhân dân nên mô hình chủ động, không phụ thuộc ngân sách.",
)
_DIRECTIONS = ("đông", "tây", "nam", "bắc", "đông nam", "tây bắc")

_LEAD_POSITION = {
    _K.PARTY: ("Bí thư Chi bộ", "Phó Bí thư Thường trực Đảng ủy", "Bí thư Đảng ủy"),
    _K.GOVERNMENT: ("Giám đốc", "Phó Giám đốc", "Chánh Văn phòng", "Trưởng phòng"),
    _K.FRONT: (
        "Chủ tịch Ủy ban MTTQ",
        "Trưởng ban công tác Mặt trận",
        "Phó Chủ tịch Ủy ban MTTQ",
    ),
    _K.FARMERS: ("Chủ tịch Hội Nông dân", "Chi hội trưởng Nông dân"),
    _K.WOMEN: ("Chủ tịch Hội Liên hiệp Phụ nữ", "Chi hội trưởng Phụ nữ"),
    _K.YOUTH: ("Bí thư Đoàn", "Bí thư Chi đoàn", "Phó Bí thư Đoàn"),
    _K.VETERANS: ("Chủ tịch Hội Cựu chiến binh", "Chi hội trưởng Cựu chiến binh"),
    _K.TRADE_UNION: ("Chủ tịch Công đoàn", "Chủ tịch Công đoàn cơ sở"),
    _K.ARMED_FORCES: (
        "Trưởng Công an xã",
        "Chỉ huy trưởng Ban Chỉ huy Quân sự",
        "Đội trưởng Đội công tác",
    ),
    _K.SCHOOL: ("Hiệu trưởng", "Phó Hiệu trưởng", "Tổng phụ trách Đội"),
    _K.OTHER: ("Trưởng thôn", "Tổ trưởng tổ dân phố"),
}
_INDIVIDUAL_POSITION = {
    _K.PARTY: ("Bí thư Chi bộ", "Trưởng", "đảng viên"),
    _K.GOVERNMENT: ("công chức", "chuyên viên", "viên chức"),
    _K.FRONT: ("Trưởng ban công tác Mặt trận", "người có uy tín"),
    _K.FARMERS: ("Chi hội trưởng Nông dân", "hội viên nông dân"),
    _K.WOMEN: ("Chi hội trưởng Phụ nữ", "hội viên phụ nữ"),
    _K.YOUTH: ("Bí thư Chi đoàn", "đoàn viên thanh niên"),
    _K.VETERANS: ("Chi hội trưởng Cựu chiến binh", "hội viên cựu chiến binh"),
    _K.TRADE_UNION: ("Chủ tịch Công đoàn cơ sở", "đoàn viên công đoàn"),
    _K.ARMED_FORCES: ("cán bộ", "chiến sĩ"),
    _K.SCHOOL: ("giáo viên", "Tổng phụ trách Đội", "Hiệu trưởng"),
    _K.OTHER: ("Trưởng", "Tổ trưởng tự quản"),
}
#: Titles of the head (and deputy) of a body, by how its name begins.
_HEAD_TITLES: tuple[tuple[str, tuple[str, str]], ...] = (
    ("Công an tỉnh", ("Giám đốc", "Phó Giám đốc")),
    ("Công an", ("Trưởng", "Phó Trưởng")),
    ("Ban Chỉ huy", ("Chỉ huy trưởng", "Chính trị viên")),
    ("Bộ Chỉ huy", ("Chỉ huy trưởng", "Chính ủy")),
    ("Văn phòng", ("Chánh", "Phó Chánh")),
    ("Sở", ("Giám đốc", "Phó Giám đốc")),
    ("Trung tâm", ("Giám đốc", "Phó Giám đốc")),
    ("Bảo hiểm", ("Giám đốc", "Phó Giám đốc")),
    ("Trường", ("Hiệu trưởng", "Phó Hiệu trưởng")),
    ("Đảng ủy", ("Bí thư", "Phó Bí thư Thường trực")),
    ("Tỉnh ủy", ("Phó Bí thư", "Ủy viên Ban Thường vụ")),
    ("Chi bộ", ("Bí thư", "Phó Bí thư")),
    ("Ban Tuyên giáo", ("Trưởng", "Phó Trưởng")),
    ("Ban công tác Mặt trận", ("Trưởng", "Phó Trưởng")),
    ("Tỉnh đoàn", ("Bí thư", "Phó Bí thư")),
    ("Đoàn", ("Bí thư", "Phó Bí thư")),
    ("Chi đoàn", ("Bí thư", "Phó Bí thư")),
    ("Chi hội", ("Chi hội trưởng", "Chi hội phó")),
    ("Ủy ban", ("Chủ tịch", "Phó Chủ tịch")),
    ("Hội", ("Chủ tịch", "Phó Chủ tịch")),
    ("Liên đoàn", ("Chủ tịch", "Phó Chủ tịch")),
    ("Công đoàn", ("Chủ tịch", "Phó Chủ tịch")),
    ("Tổ", ("Tổ trưởng", "Tổ phó")),
)


def head_title(rng: random.Random, body: str, kind: str | None = None) -> str:
    """ "Bí thư Chi bộ thôn Đồng Tâm", "Hiệu trưởng Trường Tiểu học An Phú"...: the head
    (or, one time in four, the deputy) of ``body``."""
    for prefix in ("Tập thể giáo viên ", "Tập thể ", "Tổ công tác dân vận "):
        if body.startswith(prefix):
            body = body.removeprefix(prefix)
            break
    for prefix, (head, deputy) in _HEAD_TITLES:
        if body.startswith(prefix):
            return f"{deputy if rng.random() < 0.25 else head} {body}"
    return rng.choice(_LEAD_POSITION.get(kind, _LEAD_POSITION[_K.OTHER]))


_INSTITUTIONS = frozenset({_K.GOVERNMENT, _K.ARMED_FORCES, _K.SCHOOL, _K.TRADE_UNION})
_COLLECTIVE_BY_KIND = {
    _K.PARTY: "Chi bộ {place}",
    _K.GOVERNMENT: "Tập thể {unit}",
    _K.FRONT: "Ban công tác Mặt trận {place}",
    _K.FARMERS: "Chi hội Nông dân {place}",
    _K.WOMEN: "Chi hội Phụ nữ {place}",
    _K.YOUTH: "Chi đoàn {place}",
    _K.VETERANS: "Chi hội Cựu chiến binh {place}",
    _K.TRADE_UNION: "Công đoàn {unit}",
    _K.ARMED_FORCES: "Tổ công tác dân vận {unit}",
    _K.SCHOOL: "Tập thể giáo viên {unit}",
    _K.OTHER: "Tổ tự quản {place}",
}
_FIELD_TAG = {
    FIELD_ECONOMY: "kinh tế",
    FIELD_CULTURE: "văn hóa – xã hội",
    FIELD_DEFENCE: "quốc phòng – an ninh",
    FIELD_PARTY: "xây dựng Đảng",
}
_INT_METRICS = {
    "households",
    "person_days",
    "households_out_of_poverty",
    "trees",
    "participants",
}
METRIC_KEYS = (
    "households",
    "money_million",
    "land_m2",
    "road_km",
    "person_days",
    "households_out_of_poverty",
    "trees",
    "participants",
)

# Field names each fragment needs, computed once so a fragment is used only when all
# of its placeholders have values (a metric the entry does not report is never quoted).
_FORMATTER = string.Formatter()
_NEEDS: dict[str, frozenset[str]] = {}


def _needs(template: str) -> frozenset[str]:
    got = _NEEDS.get(template)
    if got is None:
        got = frozenset(f for _l, f, _s, _c in _FORMATTER.parse(template) if f)
        _NEEDS[template] = got
    return got


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format_map(values)


def _usable(templates, values) -> list[str]:
    return [t for t in templates if _needs(t) <= values.keys()]


def _pick(rng: random.Random, templates, values, k: int = 1) -> list[str]:
    pool = _usable(templates, values)
    if not pool:
        return []
    k = min(k, len(pool))
    return [_fill(t, values) for t in rng.sample(pool, k)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- choice helpers


def choose_theme(rng: random.Random, field: str | None, unit_kind: str | None) -> Theme:
    """A theme of ``field`` that suits the unit's kind (any theme of the field otherwise)."""
    pool = _THEME_BY_FIELD.get(field or "", list(THEMES))
    fitting = [t for t in pool if unit_kind in t.kinds] or pool
    return rng.choices(fitting, weights=[t.weight for t in fitting])[0]


#: Whether a field has at least one theme that suits a kind of unit.
_FITS = {
    (f, k): any(k in t.kinds for t in _THEME_BY_FIELD[f])
    for f in FIELD_KEYS
    for k in UnitKind
}

#: How likely each kind of unit registers in each field (economy, culture, defence, party).
_FIELD_WEIGHTS = {
    _K.PARTY: (4, 3, 2, 3),
    _K.GOVERNMENT: (2, 4, 1, 3),
    _K.FRONT: (3, 4, 2, 2),
    _K.FARMERS: (7, 2, 1, 1),
    _K.WOMEN: (4, 5, 1, 1),
    _K.YOUTH: (2, 5, 2, 1),
    _K.VETERANS: (4, 2, 3, 1),
    _K.TRADE_UNION: (3, 4, 0.5, 1),
    _K.ARMED_FORCES: (1, 2, 7, 0.5),
    _K.SCHOOL: (0.2, 8, 0.3, 0.5),
    _K.OTHER: (3, 3, 2, 1),
}


def pick_field(rng: random.Random, unit: Any, field_names: list[str]) -> str:
    """Choose one of the campaign's field names, weighted by what this kind of unit does."""
    kind = getattr(unit, "kind", None)
    weights = _FIELD_WEIGHTS.get(kind, (1, 1, 1, 1))
    keyed = [(name, field_key(name)) for name in field_names]
    w = [
        (weights[FIELD_KEYS.index(k)] if _FITS.get((k, kind), True) else 0)
        if k in FIELD_KEYS
        else 0.5
        for _n, k in keyed
    ]
    if not any(w):
        w = [1] * len(keyed)
    return rng.choices([n for n, _k in keyed], weights=w)[0]


def pick_kind(rng: random.Random, unit: Any = None) -> str:
    """Models are most registrations; collectives and individuals share the rest."""
    r = rng.random()
    if r < 0.64:
        return ExemplarKind.MODEL
    if r < 0.84:
        return ExemplarKind.COLLECTIVE
    return ExemplarKind.INDIVIDUAL


def _metric_values(
    rng: random.Random, theme: Theme, kind: str, tier: str | None
) -> dict[str, float | int]:
    scale = 1.0
    if kind == ExemplarKind.INDIVIDUAL:
        scale = 0.35
    elif tier == "grassroots":
        scale = 0.6
    elif tier == "province":
        scale = 2.5
    out: dict[str, float | int] = {}
    for key, (lo, hi) in theme.metrics.items():
        # The first metric of a theme is always reported; others most of the time.
        if out and rng.random() < 0.2:
            continue
        # Skewed towards the low end, as real figures are.
        x = lo + (hi - lo) * (rng.random() ** 1.7)
        x *= scale
        if key in _INT_METRICS:
            out[key] = max(1, int(round(x)))
        elif key == "road_km":
            out[key] = max(0.1, round(x, 1))
        elif key == "land_m2":
            out[key] = float(max(10, int(round(x, -1))))
        else:
            out[key] = max(1.0, round(x, 1) if x < 100 else float(int(round(x))))
    if out.get("households_out_of_poverty") and out.get("households"):
        out["households_out_of_poverty"] = min(
            out["households_out_of_poverty"], out["households"]
        )
    if "participants" not in out and rng.random() < 0.35:
        base = out.get("households", 40)
        out["participants"] = int(base * rng.uniform(1.2, 2.6)) + rng.randrange(5, 40)
    return out


def _format_metric(key: str, value: float | int) -> str:
    if key in _INT_METRICS:
        return vn_int(value)
    if key == "land_m2":
        return vn_int(value)
    return vn_dec(float(value), 1)


def _schedule(rng: random.Random, start: date, evaluation: date) -> str:
    """Phases between the start and the evaluation date, as dated lines."""
    total = (evaluation - start).days
    cut1 = start + timedelta(days=max(14, int(total * rng.uniform(0.08, 0.15))))
    cut2 = start + timedelta(days=max(45, int(total * rng.uniform(0.45, 0.6))))
    lines = [
        f"- {start:%m/%Y}: khảo sát, xây dựng kế hoạch, họp dân thống nhất cách làm.",
        f"- {cut1:%m/%Y} – {cut2:%m/%Y}: triển khai đồng loạt, kiểm tra tiến độ hằng tháng.",
        f"- {cut2:%m/%Y}: sơ kết, rút kinh nghiệm, điều chỉnh.",
        f"- {evaluation:%m/%Y}: tổng kết, đánh giá, đề nghị công nhận.",
    ]
    if rng.random() < 0.4:
        lines.insert(
            2, "- Hằng quý: giao ban giữa cấp ủy, chính quyền và Mặt trận, đoàn thể."
        )
    return "\n".join(lines)


def exemplar_data(
    rng: random.Random,
    unit: Any,
    field_name: str | None,
    kind: str,
    *,
    year: int = 2026,
    province: str | None = None,
    where: Locality | None = None,
) -> dict[str, Any]:
    """Every registration item of one entry (the keys of ``EDITABLE_FIELDS`` but ``field_id``).

    ``unit`` needs ``name`` and ``kind`` (``tier`` and ``parent`` are used when present);
    ``field_name`` is the campaign's field the entry is registered in. The residential
    area, commune and province are read from the unit's ancestors' names unless ``where``
    gives them (saves the parent look-ups for callers that bulk-insert units), and
    ``province`` ("tỉnh Quảng Ninh") overrides the province. Metrics are non-negative and
    quoted verbatim in the texts; contact data is fake (example.vn, random 09x numbers).
    """
    unit_kind = getattr(unit, "kind", None) or _K.OTHER
    tier = getattr(unit, "tier", None)
    unit_name = getattr(unit, "name", "") or "đơn vị"
    fkey = field_key(field_name)
    theme = choose_theme(rng, fkey, unit_kind)

    loc = where or locality(unit)
    commune = loc.commune
    province = province or loc.province or "tỉnh"
    if loc.place:
        place = loc.place
    elif commune:
        village = rng.choice(_VILLAGE)
        place = rng.choice(
            (f"thôn {village}", f"khu phố {rng.randrange(1, 12)}", f"ấp {village}")
        )
        if rng.random() < 0.45:
            place = commune
    else:
        place = f"{rng.randrange(3, 12)} xã, phường"
    province_scope = commune is None
    if commune is None:
        commune = "các xã, phường"
    continuing = rng.random() < 0.3
    start_year = year - rng.choice((1, 1, 2, 3)) if continuing else year

    metrics = _metric_values(rng, theme, kind, tier)
    values: dict[str, Any] = {
        "place": place,
        "place_cap": _cap(place),
        "commune": commune,
        "unit": unit_name,
        "year": year,
        "start_year": start_year,
        "years_running": year - start_year + 1,
        "product": rng.choice(PRODUCTS),
        "direction": rng.choice(_DIRECTIONS),
        "n_households": vn_int(rng.randrange(120, 900)),
        "n_people": vn_int(rng.randrange(500, 3600)),
    }
    values.update({k: _format_metric(k, v) for k, v in metrics.items()})
    if province_scope:
        # "the commune lies to the east..." makes no sense for a provincial agency.
        for key in ("place_cap", "direction", "n_households", "n_people"):
            del values[key]

    # 1. Name.
    name_template = rng.choice(_usable(theme.names, values))
    base_name = _fill(name_template, values)
    is_village = not province_scope and place != commune
    lead = person(rng)
    deed = _fill(rng.choice(_usable(theme.deeds, values) or [theme.deeds[-1]]), values)
    if kind == ExemplarKind.INDIVIDUAL:
        if unit_kind in _INSTITUTIONS:
            position = f"{rng.choice(_INDIVIDUAL_POSITION[unit_kind])} {unit_name}"
        elif is_village:
            title = rng.choice(
                _INDIVIDUAL_POSITION.get(unit_kind, _INDIVIDUAL_POSITION[_K.OTHER])
            )
            position = f"{title} {place}"
        else:
            position = head_title(rng, unit_name, unit_kind)
        lead_position = _cap(position)
        name = f"{lead.honorific} {lead.name}, {position}, {deed}"
    elif kind == ExemplarKind.COLLECTIVE:
        if unit_kind in _INSTITUTIONS or is_village:
            template = _COLLECTIVE_BY_KIND.get(unit_kind, "Tập thể {unit}")
        elif unit_kind == _K.PARTY and not province_scope:
            template = "Đảng bộ {commune}"
        else:
            template = "{unit}"
        collective = template.format(place=place, unit=unit_name, commune=commune)
        name = f"{collective} {deed}"
        lead_position = head_title(rng, collective, unit_kind)
        if collective.startswith("Đảng bộ"):
            lead_position = head_title(rng, unit_name, unit_kind)
    else:
        name = base_name
        if (
            not province_scope
            and "{place}" not in name_template
            and rng.random() < 0.45
        ):
            name = (
                f"{base_name} ở {place}"
                if rng.random() < 0.5
                else f"{base_name} – {_cap(place)}"
            )
        lead_position = head_title(rng, unit_name, unit_kind)
    name = name[:290]

    # 2. Situation and reason.
    contexts = _CONTEXT + _CONTEXT_MERGED if year >= 2026 else _CONTEXT
    situation = _pick(rng, contexts, values, rng.choice((1, 1, 2)))
    situation += _pick(rng, theme.problems, values, rng.choice((1, 2, 2)))
    if continuing:
        situation += _pick(rng, _CONTINUING, values)
    situation += _pick(rng, _REASON, values)

    # 3. Goals and criteria.
    goals = _pick(rng, theme.goals, values, rng.choice((1, 2)))
    criteria = _pick(
        rng, theme.criteria, values, min(len(theme.criteria), rng.choice((2, 3, 3)))
    )
    goals_text = (
        " ".join(goals)
        + "\nTiêu chí đánh giá:\n"
        + "\n".join(f"- {c}." for c in criteria)
    )

    # 4. Content and methods, in the order the work is done.
    steps = _pick(rng, _SURVEY, values) + _pick(rng, _PROPAGANDA, values)
    steps += _pick(
        rng, theme.methods, values, min(len(theme.methods), rng.choice((2, 2, 3)))
    )
    if rng.random() < 0.8:
        steps += _pick(rng, _REVIEW, values)
    content = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))

    # 5-7. Area, forces, resources.
    target = _fill(rng.choice(_usable(theme.targets, values)), values)
    area = f"Địa bàn: {place}" + (
        f", {commune}" if commune not in place and not province_scope else ""
    )
    area += f", {province}.\nĐối tượng: {target}."
    forces = _FORCES_BY_KIND.get(unit_kind, _FORCES_BY_KIND[_K.OTHER])
    resources = []
    money = metrics.get("money_million")
    if money:
        state = rng.choice((0, 0.2, 0.3, 0.45))
        people = round(money * (1 - state) * rng.uniform(0.4, 0.8), 1)
        social = round(money * (1 - state) - people, 1)
        if state:
            resources.append(f"Ngân sách hỗ trợ: {vn_dec(money * state)} triệu đồng.")
        resources.append(f"Nhân dân đóng góp: {vn_dec(people)} triệu đồng.")
        if social > 0:
            resources.append(
                f"Xã hội hóa từ doanh nghiệp, nhà hảo tâm: {vn_dec(social)} triệu đồng."
            )
    if metrics.get("person_days"):
        resources.append(f"Ngày công lao động: {values['person_days']} ngày công.")
    resources.append(rng.choice(_FACILITIES))

    # 8. Timeline.
    start = date(start_year, rng.randint(1, 5), rng.randint(1, 28))
    evaluation = date(year, rng.randint(9, 11), rng.randint(1, 28))
    schedule = _schedule(
        rng,
        start if start.year == year else date(year, 1, rng.randint(2, 28)),
        evaluation,
    )

    # 9-10. Outputs, sustainability.
    outputs = _pick(rng, theme.outputs, values, len(theme.outputs))
    rng.shuffle(outputs)
    outputs_text = "\n".join(f"- {o}" for o in outputs) or "- Đạt các mục tiêu đề ra."
    sustain = _pick(rng, theme.sustain + _SUSTAIN, values, 2)

    tags = list(rng.sample(theme.tags, rng.randint(1, len(theme.tags))))
    if fkey:
        tags.append(_FIELD_TAG[fkey])
    if rng.random() < 0.2:
        tags.append("Dân vận khéo")

    contact = person(rng)
    address = ", ".join(
        p
        for p in (_cap(place), commune if commune not in place else None, province)
        if p
    )
    if province_scope:
        address = f"{unit_name}, {province}"

    data: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "situation": " ".join(situation),
        "goals": goals_text,
        "content": content,
        "area": area,
        "forces": forces,
        "resources": "\n".join(resources),
        "start_date": start,
        "evaluation_date": evaluation,
        "schedule": schedule,
        "outputs": outputs_text,
        "sustainability": " ".join(sustain),
        "tags": ", ".join(tags),
        "address": address[:290],
        "lead_name": lead.name,
        "lead_position": lead_position[:190],
        "contact_name": contact.name,
        "contact_phone": phone(rng),
        "contact_email": email_for(contact.name, rng),
        "is_continuing": continuing,
    }
    for key in METRIC_KEYS:
        data[key] = metrics.get(key)
    return data
