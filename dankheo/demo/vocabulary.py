"""The demo's Vietnamese vocabulary, read from the TOML files in ``data/``.

Names, places, unit trees, themes and sentence fragments are data: whoever edits them
reads and writes Vietnamese, not Python. This module only loads them into typed,
immutable objects (once per process) and checks what a typo would otherwise break
silently: an unknown unit kind, field or metric, or a placeholder no entry fills (a
fragment whose placeholders cannot all be filled is never used, see ``content``).

Lists keep the files' order, and duplicates in them are kept on purpose (a word listed
twice is drawn twice as often), so the same seed writes the same words.
"""

from __future__ import annotations

import itertools
import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from ..domain.enums import UnitKind

Strings = tuple[str, ...]
T = TypeVar("T")

#: The four standard campaign fields, in the order of ``[field_weights]``.
FIELD_KEYS: Strings = ("economy", "culture", "defence", "party")
#: Metrics a theme may report (the exemplar's metric columns).
METRIC_KEYS: Strings = (
    "households",
    "money_million",
    "land_m2",
    "road_km",
    "person_days",
    "households_out_of_poverty",
    "trees",
    "participants",
)
#: Placeholders an entry fills in the fragments of themes.toml and phrases.toml.
ENTRY_PLACEHOLDERS = frozenset(
    {
        "place",
        "place_cap",
        "commune",
        "unit",
        "year",
        "start_year",
        "years_running",
        "product",
        "direction",
        "n_households",
        "n_people",
        *METRIC_KEYS,
    }
)


class VocabularyError(ValueError):
    """A data file is missing a key, has a value of the wrong type or an unknown name."""


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class NamePool:
    middle: Strings
    given: Strings
    fallback_middle: str  # when the middle name drawn equals the given name
    honorific: str  # "Ông", "Bà"


@dataclass(frozen=True)
class People:
    family: Strings
    family_cum_weights: tuple[float, ...]
    male: NamePool
    female: NamePool
    phone_prefixes: Strings


@dataclass(frozen=True)
class Places:
    provinces: Strings
    commune_first: Strings
    commune_second: Strings
    villages: Strings
    rural_words: Strings
    upland_prefixes: Strings
    upland_word: str
    urban_words: Strings
    school_levels: Strings
    school_patrons: Strings
    directions: Strings
    products: Strings


@dataclass(frozen=True)
class Body:
    code: str  # code, or code suffix for a commune's branch
    name: str
    kind: UnitKind


@dataclass(frozen=True)
class HeadTitle:
    prefix: str
    head: str
    deputy: str


@dataclass(frozen=True)
class Units:
    root: str  # "Tỉnh ủy {province}"
    secretariat: str
    agencies: tuple[Body, ...]
    organisations: tuple[Body, ...]
    forces: tuple[Body, ...]
    committee: str  # "Đảng ủy {commune}"
    commune_word: str
    ward_word: str
    special_zone_word: str
    cell: str  # "Chi bộ {area}"
    branches: tuple[Body, ...]
    head_titles: tuple[HeadTitle, ...]
    collective_prefixes: Strings
    lead_positions: dict[str, Strings]
    individual_positions: dict[str, Strings]
    collective_names: dict[str, str]
    forces_text: dict[str, str]
    field_weights: dict[str, tuple[float, ...]]  # in FIELD_KEYS order


@dataclass(frozen=True)
class Field:
    key: str
    words: Strings  # with diacritics; compared folded
    tag: str


@dataclass(frozen=True)
class Theme:
    key: str
    field: str
    kinds: frozenset[UnitKind]
    names: Strings
    deeds: Strings  # verb phrases for collective / individual names
    problems: Strings
    goals: Strings
    criteria: Strings
    methods: Strings
    targets: Strings
    outputs: Strings
    tags: Strings
    metrics: dict[str, tuple[float, float]]  # in the file's order: the first is kept
    sustain: Strings = ()
    weight: float = 1.0


@dataclass(frozen=True)
class Phrases:
    context: Strings
    context_merged: Strings
    continuing: Strings
    reason: Strings
    survey: Strings
    propaganda: Strings
    review: Strings
    facilities: Strings
    budget: str
    people: str
    donors: str
    labour: str
    schedule: dict[str, str]  # survey, rollout, midterm, final, quarterly
    sustain: Strings
    entry: dict[str, str]
    name_with_place: Strings
    area_in_commune: Strings


@dataclass(frozen=True)
class Appraisal:
    commune_rubric: tuple[tuple[str, int], ...]
    province_rubric: tuple[tuple[str, int], ...]
    return_reasons: Strings
    supplements: Strings


@dataclass(frozen=True)
class Vocabulary:
    people: People
    places: Places
    units: Units
    fields: tuple[Field, ...]
    themes: tuple[Theme, ...]
    phrases: Phrases
    appraisal: Appraisal
    presets: dict[str, dict[str, str]]


# --------------------------------------------------------------------------- reading


class _Table:
    """A TOML table that names its file and key in every error."""

    def __init__(self, data: dict[str, Any], where: str):
        self.data, self.where = data, where

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise VocabularyError(f"{self.where}: missing {key!r}")
        return self.data[key]

    def _fail(self, key: str, wanted: str) -> VocabularyError:
        return VocabularyError(f"{self.where}.{key}: expected {wanted}")

    def names(self) -> list[str]:
        return list(self.data)

    def table(self, key: str) -> _Table:
        value = self._get(key)
        if not isinstance(value, dict):
            raise self._fail(key, "a table")
        return _Table(value, f"{self.where}.{key}")

    def tables(self, key: str) -> list[_Table]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self._fail(key, "an array of tables")
        return [_Table(v, f"{self.where}.{key}[{i}]") for i, v in enumerate(value)]

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def texts(self, key: str, *, optional: bool = False) -> Strings:
        if optional and key not in self.data:
            return ()
        value = self._get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise self._fail(key, "a non-empty array of strings")
        return tuple(value)

    def number(self, key: str) -> float:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self._fail(key, "a number ≥ 0")
        return value

    def numbers(self, key: str, n: int) -> tuple[float, ...]:
        value = self._get(key)
        if (
            not isinstance(value, list)
            or len(value) != n
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value
            )
        ):
            raise self._fail(key, f"{n} numbers")
        return tuple(value)

    def kind(self, key: str) -> UnitKind:
        value = self.text(key)
        if value not in UnitKind.values():
            raise self._fail(key, f"a unit kind, not {value!r}")
        return UnitKind(value)

    def kinds(self, key: str) -> frozenset[UnitKind]:
        values = self.texts(key)
        unknown = set(values) - set(UnitKind.values())
        if unknown:
            raise self._fail(key, f"unit kinds, not {sorted(unknown)}")
        return frozenset(UnitKind(v) for v in values)

    def body(self, code_key: str) -> Body:
        return Body(self.text(code_key), self.text("name"), self.kind("kind"))

    def by_kind(self, read: Callable[[_Table, str], T]) -> dict[str, T]:
        """A table keyed by unit kind, each value read by ``read`` (``_Table.texts``…);
        ``other`` is required, as the fallback of kinds the table does not list."""
        for key in self.data:
            if key not in UnitKind.values():
                raise VocabularyError(f"{self.where}: {key!r} is not a unit kind")
        if UnitKind.OTHER.value not in self.data:
            raise VocabularyError(f"{self.where}: missing 'other'")
        return {UnitKind(k): read(self, k) for k in self.data}


def _read(name: str) -> _Table:
    source = resources.files(__package__).joinpath("data", name)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise VocabularyError(f"{name}: {exc}") from exc
    return _Table(data, name.removesuffix(".toml"))


_FORMATTER = string.Formatter()


def placeholders(template: str) -> frozenset[str]:
    """The names a template fills: "{place_cap} có {n_households} hộ" -> both names."""
    return frozenset(f for _l, f, _s, _c in _FORMATTER.parse(template) if f)


def _check_placeholders(where: str, templates: Strings) -> None:
    for template in templates:
        unknown = placeholders(template) - ENTRY_PLACEHOLDERS
        if unknown:
            raise VocabularyError(
                f"{where}: unknown placeholder {sorted(unknown)} in {template!r}"
            )


# --------------------------------------------------------------------------- files


def _people(t: _Table) -> People:
    family = t.table("family_names")
    names = family.names()
    weights = [family.number(n) for n in names]

    def pool(key: str) -> NamePool:
        p = t.table(key)
        return NamePool(
            p.texts("middle"),
            p.texts("given"),
            p.text("fallback_middle"),
            p.text("honorific"),
        )

    return People(
        family=tuple(names),
        family_cum_weights=tuple(itertools.accumulate(weights)),
        male=pool("male"),
        female=pool("female"),
        phone_prefixes=t.table("contact").texts("phone_prefixes"),
    )


def _places(t: _Table) -> Places:
    commune, area, school, misc = (
        t.table("commune"),
        t.table("area"),
        t.table("school"),
        t.table("misc"),
    )
    return Places(
        provinces=t.table("province").texts("names"),
        commune_first=commune.texts("first"),
        commune_second=commune.texts("second"),
        villages=area.texts("villages"),
        rural_words=area.texts("rural_words"),
        upland_prefixes=area.texts("upland_prefixes"),
        upland_word=area.text("upland_word"),
        urban_words=area.texts("urban_words"),
        school_levels=school.texts("levels"),
        school_patrons=school.texts("patrons"),
        directions=misc.texts("directions"),
        products=misc.texts("products"),
    )


def _units(t: _Table) -> Units:
    province, commune, titles = (
        t.table("province"),
        t.table("commune"),
        t.table("titles"),
    )
    weights = t.table("field_weights")
    field_weights = {}
    for key, row in weights.by_kind(_Table.table).items():
        field_weights[key] = tuple(row.number(f) for f in FIELD_KEYS)
    return Units(
        root=province.text("root"),
        secretariat=province.text("secretariat"),
        agencies=tuple(b.body("code") for b in province.tables("agencies")),
        organisations=tuple(b.body("code") for b in province.tables("organisations")),
        forces=tuple(b.body("code") for b in province.tables("forces")),
        committee=commune.text("committee"),
        commune_word=commune.text("commune_word"),
        ward_word=commune.text("ward_word"),
        special_zone_word=commune.text("special_zone_word"),
        cell=commune.text("cell"),
        branches=tuple(b.body("suffix") for b in commune.tables("branches")),
        head_titles=tuple(
            HeadTitle(h.text("prefix"), h.text("head"), h.text("deputy"))
            for h in titles.tables("heads")
        ),
        collective_prefixes=titles.texts("collective_prefixes"),
        lead_positions=t.table("lead_positions").by_kind(_Table.texts),
        individual_positions=t.table("individual_positions").by_kind(_Table.texts),
        collective_names=t.table("collective_names").by_kind(_Table.text),
        forces_text=t.table("forces").by_kind(_Table.text),
        field_weights=field_weights,
    )


def _fields(t: _Table) -> tuple[Field, ...]:
    fields = tuple(
        Field(f.text("key"), f.texts("words"), f.text("tag")) for f in t.tables("field")
    )
    if sorted(f.key for f in fields) != sorted(FIELD_KEYS):
        raise VocabularyError(f"themes.field: expected the fields {FIELD_KEYS}")
    return fields


_THEME_LISTS = (
    "names",
    "deeds",
    "problems",
    "goals",
    "criteria",
    "methods",
    "targets",
    "outputs",
)


def _theme(t: _Table) -> Theme:
    field = t.text("field")
    if field not in FIELD_KEYS:
        raise VocabularyError(f"{t.where}.field: unknown field {field!r}")
    metrics: dict[str, tuple[float, float]] = {}
    table = t.table("metrics")
    for key in table.names():
        if key not in METRIC_KEYS:
            raise VocabularyError(f"{table.where}: unknown metric {key!r}")
        lo, hi = table.numbers(key, 2)
        metrics[key] = (lo, hi)
    if not metrics:
        raise VocabularyError(f"{table.where}: a theme reports at least one metric")
    texts = {key: t.texts(key) for key in _THEME_LISTS}
    sustain = t.texts("sustain", optional=True)
    for key, values in (*texts.items(), ("sustain", sustain)):
        _check_placeholders(f"{t.where}.{key}", values)
    return Theme(
        key=t.text("key"),
        field=field,
        kinds=t.kinds("kinds"),
        tags=t.texts("tags"),
        metrics=metrics,
        sustain=sustain,
        weight=t.number("weight"),
        **texts,
    )


def _phrases(t: _Table) -> Phrases:
    situation, steps, res = t.table("situation"), t.table("steps"), t.table("resources")
    schedule, entry = t.table("schedule"), t.table("entry")
    phrases = Phrases(
        context=situation.texts("context"),
        context_merged=situation.texts("context_merged"),
        continuing=situation.texts("continuing"),
        reason=situation.texts("reason"),
        survey=steps.texts("survey"),
        propaganda=steps.texts("propaganda"),
        review=steps.texts("review"),
        facilities=res.texts("facilities"),
        budget=res.text("budget"),
        people=res.text("people"),
        donors=res.text("donors"),
        labour=res.text("labour"),
        schedule={
            k: schedule.text(k)
            for k in ("survey", "rollout", "midterm", "final", "quarterly")
        },
        sustain=t.table("sustainability").texts("general"),
        entry={
            k: entry.text(k)
            for k in entry.names()
            if k not in ("name_with_place", "area_in_commune")
        },
        name_with_place=entry.texts("name_with_place"),
        area_in_commune=entry.texts("area_in_commune"),
    )
    for key in ("context", "context_merged", "continuing", "reason"):
        _check_placeholders(f"phrases.situation.{key}", getattr(phrases, key))
    for key in ("survey", "propaganda", "review"):
        _check_placeholders(f"phrases.steps.{key}", getattr(phrases, key))
    _check_placeholders("phrases.sustainability.general", phrases.sustain)
    if len(phrases.name_with_place) != 2:
        raise VocabularyError("phrases.entry.name_with_place: expected two templates")
    return phrases


def _appraisal(t: _Table) -> Appraisal:
    def rubric(key: str) -> tuple[tuple[str, int], ...]:
        rows = tuple((r.text("name"), int(r.number("points"))) for r in t.tables(key))
        if sum(points for _n, points in rows) != 100:
            raise VocabularyError(f"appraisal.{key}: the points must add up to 100")
        return rows

    return Appraisal(
        commune_rubric=rubric("commune_rubric"),
        province_rubric=rubric("province_rubric"),
        return_reasons=t.texts("return_reasons"),
        supplements=t.texts("supplements"),
    )


def _presets(t: _Table) -> dict[str, dict[str, str]]:
    return {
        name: {k: t.table(name).text(k) for k in t.table(name).names()}
        for name in t.names()
    }


@cache
def vocabulary() -> Vocabulary:
    """Load and check every data file (once; the objects are shared and read-only)."""
    themes = _read("themes.toml")
    return Vocabulary(
        people=_people(_read("people.toml")),
        places=_places(_read("places.toml")),
        units=_units(_read("units.toml")),
        fields=_fields(themes),
        themes=tuple(_theme(t) for t in themes.tables("theme")),
        phrases=_phrases(_read("phrases.toml")),
        appraisal=_appraisal(_read("appraisal.toml")),
        presets=_presets(_read("presets.toml")),
    )
