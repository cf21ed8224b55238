"""Text generators for the demo data: names, places and the registration items.

The words are data (``data/*.toml``, loaded by :mod:`.vocabulary`); this module only
composes them. Everything is driven by the ``random.Random`` passed in, never by the
global generator or the clock, so the same seed always writes the same words. The
registration texts are composed from many small fragments (a context, one or two
problems of the theme, numbered steps in a sensible order, outputs that quote the
structured metrics) so that a few hundred entries do not read alike, and every figure
in the text is the figure stored in the metric columns.

The module has no Flask or database imports: a "unit" is anything with ``name`` and
``kind`` (and optionally ``parent``), so other presets can call :func:`exemplar_data`
with their own objects. It is fast (well under a millisecond per entry).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain.enums import ExemplarKind, UnitKind
from ..domain.text import fold
from .vocabulary import FIELD_KEYS, METRIC_KEYS, Theme, placeholders, vocabulary

_V = vocabulary()
_PEOPLE, _PLACES, _UNITS, _PHRASES = _V.people, _V.places, _V.units, _V.phrases
_ENTRY = _PHRASES.entry

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


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Person:
    name: str
    female: bool

    @property
    def honorific(self) -> str:
        return (_PEOPLE.female if self.female else _PEOPLE.male).honorific

    @property
    def given(self) -> str:
        return self.name.rsplit(" ", 1)[-1]


def person(rng: random.Random, female: bool | None = None) -> Person:
    """A Vietnamese full name (family, middle, given) with its gender."""
    if female is None:
        female = rng.random() < 0.48
    family = rng.choices(_PEOPLE.family, cum_weights=_PEOPLE.family_cum_weights)[0]
    pool = _PEOPLE.female if female else _PEOPLE.male
    middle, given = rng.choice(pool.middle), rng.choice(pool.given)
    if middle == given:
        middle = pool.fallback_middle
    return Person(f"{family} {middle} {given}", female)


def person_name(rng: random.Random, female: bool | None = None) -> str:
    return person(rng, female).name


def phone(rng: random.Random) -> str:
    """A plausible Vietnamese mobile number, "09xx xxx xxx" (not a real subscriber list)."""
    prefix = rng.choice(_PEOPLE.phone_prefixes)
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


def province_name(rng: random.Random) -> str:
    """A plausible province name that is not one of the real 34 provinces."""
    return rng.choice(_PLACES.provinces)


def commune_names(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct two-syllable commune names (no syllable repeated in a name)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        a, b = rng.choice(_PLACES.commune_first), rng.choice(_PLACES.commune_second)
        name = f"{a} {b}"
        if a == b or name in seen:
            continue
        seen.add(name)
        out.append(name)
    return out


def village_names(rng: random.Random, n: int, *, urban: bool) -> list[str]:
    """Residential areas of a commune (thôn, ấp, bản) or a ward (khu phố, tổ dân phố)."""
    if urban:
        word = rng.choice(_PLACES.urban_words)
        numbers = sorted(rng.sample(range(1, 16), n))
        return [f"{word} {i}" for i in numbers]
    upland = _PLACES.upland_word
    out = []
    for name in rng.sample(_PLACES.villages, n):
        if name.startswith(_PLACES.upland_prefixes):
            out.append(name if name.startswith(upland) else f"{upland} {name}")
        else:
            out.append(f"{rng.choice(_PLACES.rural_words)} {name}")
    return out


def school_names(rng: random.Random, commune: str, n: int) -> list[str]:
    out = []
    for level in rng.sample(_PLACES.school_levels, n):
        suffix = commune if rng.random() < 0.7 else rng.choice(_PLACES.school_patrons)
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

_FIELD_WORDS = tuple((f.key, tuple(fold(w) for w in f.words)) for f in _V.fields)
_FIELD_TAG = {f.key: f.tag for f in _V.fields}


def field_key(field_name: str | None) -> str | None:
    """Map a campaign's field name (any wording) to one of the four standard keys."""
    f = fold(field_name)
    if not f:
        return None
    for key, words in _FIELD_WORDS:
        if any(w in f for w in words):
            return key
    return None


_K = UnitKind
THEMES: tuple[Theme, ...] = _V.themes
_THEME_BY_FIELD: dict[str, list[Theme]] = {
    k: [t for t in THEMES if t.field == k] for k in FIELD_KEYS
}
_INSTITUTIONS = frozenset({_K.GOVERNMENT, _K.ARMED_FORCES, _K.SCHOOL, _K.TRADE_UNION})
_INT_METRICS = {
    "households",
    "person_days",
    "households_out_of_poverty",
    "trees",
    "participants",
}

# Field names each fragment needs, computed once so a fragment is used only when all
# of its placeholders have values (a metric the entry does not report is never quoted).
_NEEDS: dict[str, frozenset[str]] = {}


def _needs(template: str) -> frozenset[str]:
    got = _NEEDS.get(template)
    if got is None:
        got = _NEEDS[template] = placeholders(template)
    return got


def _fill(template: str, values: dict[str, Any]) -> str:
    return template.format_map(values)


def _usable(templates: Iterable[str], values: dict[str, Any]) -> list[str]:
    return [t for t in templates if _needs(t) <= values.keys()]


def _pick(
    rng: random.Random, templates: Iterable[str], values: dict[str, Any], k: int = 1
) -> list[str]:
    pool = _usable(templates, values)
    if not pool:
        return []
    k = min(k, len(pool))
    return [_fill(t, values) for t in rng.sample(pool, k)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def head_title(rng: random.Random, body: str, kind: str | None = None) -> str:
    """ "Bí thư Chi bộ thôn Đồng Tâm", "Hiệu trưởng Trường Tiểu học An Phú"...: the head
    (or, one time in four, the deputy) of ``body``."""
    for prefix in _UNITS.collective_prefixes:
        if body.startswith(prefix + " "):
            body = body.removeprefix(prefix + " ")
            break
    for title in _UNITS.head_titles:
        if body.startswith(title.prefix):
            return f"{title.deputy if rng.random() < 0.25 else title.head} {body}"
    positions = _UNITS.lead_positions
    return rng.choice(positions.get(kind or "", positions[_K.OTHER]))


# --------------------------------------------------------------------------- choice helpers


def choose_theme(rng: random.Random, field: str | None, unit_kind: str | None) -> Theme:
    """A theme of ``field`` that suits the unit's kind (any theme of the field otherwise)."""
    pool = _THEME_BY_FIELD.get(field or "", list(THEMES))
    fitting = [t for t in pool if unit_kind in t.kinds] or pool
    return rng.choices(fitting, weights=[t.weight for t in fitting])[0]


#: Whether a field has at least one theme that suits a kind of unit.
_FITS: dict[tuple[str, str | None], bool] = {
    (f, k): any(k in t.kinds for t in _THEME_BY_FIELD[f])
    for f in FIELD_KEYS
    for k in UnitKind
}


def pick_field(rng: random.Random, unit: Any, field_names: list[str]) -> str:
    """Choose one of the campaign's field names, weighted by what this kind of unit does."""
    kind = getattr(unit, "kind", None)
    weights = _UNITS.field_weights.get(kind or "", (1, 1, 1, 1))
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
    dates = {"start": start, "cut1": cut1, "cut2": cut2, "evaluation": evaluation}
    phases = _PHRASES.schedule
    lines = [
        phases[key].format_map(dates)
        for key in ("survey", "rollout", "midterm", "final")
    ]
    if rng.random() < 0.4:
        lines.insert(2, phases["quarterly"])
    return "\n".join(f"- {line}" for line in lines)


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
    unit_name = getattr(unit, "name", "") or _ENTRY["unit"]
    fkey = field_key(field_name)
    theme = choose_theme(rng, fkey, unit_kind)

    loc = where or locality(unit)
    commune = loc.commune
    province = province or loc.province or _ENTRY["province"]
    if loc.place:
        place = loc.place
    elif commune:
        village = rng.choice(_PLACES.villages)
        number = rng.randrange(1, 12)
        place = rng.choice(_PHRASES.area_in_commune).format(
            village=village, number=number
        )
        if rng.random() < 0.45:
            place = commune
    else:
        place = _ENTRY["area_in_province"].format(number=rng.randrange(3, 12))
    province_scope = commune is None
    if commune is None:
        commune = _ENTRY["communes_in_province"]
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
        "product": rng.choice(_PLACES.products),
        "direction": rng.choice(_PLACES.directions),
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
        positions = _UNITS.individual_positions
        titles = positions.get(unit_kind, positions[_K.OTHER])
        if unit_kind in _INSTITUTIONS:
            position = f"{rng.choice(titles)} {unit_name}"
        elif is_village:
            position = f"{rng.choice(titles)} {place}"
        else:
            position = head_title(rng, unit_name, unit_kind)
        lead_position = _cap(position)
        name = _ENTRY["individual"].format(
            honorific=lead.honorific, name=lead.name, position=position, deed=deed
        )
    elif kind == ExemplarKind.COLLECTIVE:
        # The commune's Party organisation is led by the commune's Party committee.
        led_by_unit = False
        if unit_kind in _INSTITUTIONS or is_village:
            names = _UNITS.collective_names
            template = names.get(unit_kind, names[_K.OTHER])
        elif unit_kind == _K.PARTY and not province_scope:
            template, led_by_unit = _ENTRY["party_organisation"], True
        else:
            template = "{unit}"
        collective = template.format(place=place, unit=unit_name, commune=commune)
        name = f"{collective} {deed}"
        lead_position = head_title(rng, collective, unit_kind)
        if led_by_unit:
            lead_position = head_title(rng, unit_name, unit_kind)
    else:
        name = base_name
        if (
            not province_scope
            and "{place}" not in name_template
            and rng.random() < 0.45
        ):
            at_place, dash_place = _PHRASES.name_with_place
            name = (at_place if rng.random() < 0.5 else dash_place).format(
                name=base_name, place=place, place_cap=_cap(place)
            )
        lead_position = head_title(rng, unit_name, unit_kind)
    name = name[:290]

    # 2. Situation and reason.
    contexts = _PHRASES.context
    if year >= 2026:
        contexts += _PHRASES.context_merged
    situation = _pick(rng, contexts, values, rng.choice((1, 1, 2)))
    situation += _pick(rng, theme.problems, values, rng.choice((1, 2, 2)))
    if continuing:
        situation += _pick(rng, _PHRASES.continuing, values)
    situation += _pick(rng, _PHRASES.reason, values)

    # 3. Goals and criteria.
    goals = _pick(rng, theme.goals, values, rng.choice((1, 2)))
    criteria = _pick(
        rng, theme.criteria, values, min(len(theme.criteria), rng.choice((2, 3, 3)))
    )
    goals_text = (
        " ".join(goals)
        + f"\n{_ENTRY['criteria_heading']}\n"
        + "\n".join(f"- {c}." for c in criteria)
    )

    # 4. Content and methods, in the order the work is done.
    steps = _pick(rng, _PHRASES.survey, values)
    steps += _pick(rng, _PHRASES.propaganda, values)
    steps += _pick(
        rng, theme.methods, values, min(len(theme.methods), rng.choice((2, 2, 3)))
    )
    if rng.random() < 0.8:
        steps += _pick(rng, _PHRASES.review, values)
    content = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))

    # 5-7. Area, forces, resources.
    target = _fill(rng.choice(_usable(theme.targets, values)), values)
    scope = place
    if commune not in place and not province_scope:
        scope += f", {commune}"
    area = "\n".join(
        (
            _ENTRY["area"].format(where=scope, province=province),
            _ENTRY["audience"].format(target=target),
        )
    )
    forces = _UNITS.forces_text.get(unit_kind, _UNITS.forces_text[_K.OTHER])
    resources: list[str] = []
    money = metrics.get("money_million")
    if money:
        state = rng.choice((0, 0.2, 0.3, 0.45))
        people = round(money * (1 - state) * rng.uniform(0.4, 0.8), 1)
        social = round(money * (1 - state) - people, 1)
        if state:
            resources.append(_PHRASES.budget.format(amount=vn_dec(money * state)))
        resources.append(_PHRASES.people.format(amount=vn_dec(people)))
        if social > 0:
            resources.append(_PHRASES.donors.format(amount=vn_dec(social)))
    if metrics.get("person_days"):
        resources.append(_PHRASES.labour.format(person_days=values["person_days"]))
    resources.append(rng.choice(_PHRASES.facilities))

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
    outputs_text = "\n".join(f"- {o}" for o in outputs or [_ENTRY["outputs_default"]])
    sustain = _pick(rng, theme.sustain + _PHRASES.sustain, values, 2)

    tags = list(rng.sample(theme.tags, rng.randint(1, len(theme.tags))))
    if fkey:
        tags.append(_FIELD_TAG[fkey])
    if rng.random() < 0.2:
        tags.append(_ENTRY["movement_tag"])

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
