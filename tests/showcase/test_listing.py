"""Facet counts add up to the list's total; keyset pages have no gaps and no repeats."""

from __future__ import annotations

import pytest

from dankheo.showcase.facets import facet_counts
from dankheo.showcase.listing import Filters, count_public, decode_cursor, public_page

from .conftest import days_ago


@pytest.fixture
def catalogue(publish, make, db):
    """Two campaigns, two communes, every kind, several fields, three states,
    several entries sharing one publication time (ties on the sort key)."""
    c2025 = publish.setup(year=2025)
    c2026 = publish.setup(year=2026)
    other = make.unit(parent=publish.province, name="Phường Bãi Cháy")
    hamlet = make.unit(parent=other, tier="grassroots", name="Khu phố 3")
    same_time = days_ago(3)
    specs = []
    for i in range(23):
        specs.append(
            dict(
                state=("recommended", "commended", "replicated")[i % 3],
                campaign=c2025 if i % 4 == 0 else c2026,
                unit=(publish.commune, other, hamlet)[i % 3],
                kind=("model", "collective", "individual")[i % 3 if i % 5 else 0],
                name=f"Mô hình số {i:02d} " + ("Đường" if i % 2 else "Dân vận"),
                published_at=same_time if i % 6 == 0 else days_ago(10 + i),
                form=i % 2,
            )
        )
    made = []
    for spec in specs:
        campaign = spec["campaign"]
        spec["field_id"] = campaign.fields[
            spec["form"] % 2 + (1 if campaign.year == 2025 else 0)
        ].id
        made.append(publish(**spec))
    publish("draft", name="Bản nháp không hiện")
    publish("rejected", name="Không đạt không hiện")
    return made


FACETS_TO_CHECK = ["campaign", "year", "field", "unit", "kind", "form"]
SCENARIOS = [
    Filters(),
    Filters(q="duong"),
    Filters(kind="model"),
    Filters(year=2026, q="mo hinh"),
    Filters(field="Kinh tế"),
    Filters(form="Bằng khen của Chủ tịch UBND tỉnh"),
]


@pytest.mark.parametrize("f", SCENARIOS)
def test_facet_counts_add_up_to_the_total(catalogue, f):
    total = count_public(f)
    facets = facet_counts(f)
    for name in FACETS_TO_CHECK:
        facet = facets[name]
        # Counted without its own filter: the values add up to the total of the list
        # without that filter, and the chosen value's count is the list's total.
        assert facet.total == count_public(f.without(name)), name
        for value in facet.values:
            if value.value is None:
                continue
            assert value.count == count_public(
                Filters(**{**f.__dict__, name: value.value})
            ), (name, value.label)
    assert total == sum(1 for _ in _walk(f, 4))


def test_chosen_facet_value_equals_the_total(catalogue):
    f = Filters()
    for name in ("kind", "field", "year", "campaign", "form"):
        for value in facet_counts(f)[name].values:
            if value.value is None:
                continue
            chosen = Filters(**{name: value.value})
            selected = [v for v in facet_counts(chosen)[name].values if v.selected]
            assert [v.count for v in selected] == [count_public(chosen)]


def test_locality_facet_rolls_up_subtrees(catalogue, publish):
    facet = facet_counts(Filters())["unit"]
    # One province at the top: the facet opens it and lists its communes.
    labels = {v.label: v.count for v in facet.values}
    assert labels == {"Xã Thử Nghiệm": 8, "Phường Bãi Cháy": 15}
    bai_chay = next(v.value for v in facet.values if v.label == "Phường Bãi Cháy")
    inside = facet_counts(Filters(unit=bai_chay))["unit"]
    assert [u.name for u in inside.trail] == ["Tỉnh Thử Nghiệm", "Phường Bãi Cháy"]
    assert {(v.label, v.value is None): v.count for v in inside.values} == {
        ("Khu phố 3", False): 7,
        ("Phường Bãi Cháy", True): 8,  # registered by the ward itself: not a link
    }
    assert count_public(Filters(unit=bai_chay)) == 15


def _walk(f: Filters, size: int):
    cursor = None
    pages = 0
    while True:
        page = public_page(f, cursor, size)
        pages += 1
        assert len(page.items) <= size
        yield from page.items
        if page.next_cursor is None:
            break
        assert len(page.items) == size
        cursor = page.next_cursor
        assert pages < 100


@pytest.mark.parametrize("sort", ["newest", "oldest", "name", "score"])
@pytest.mark.parametrize("size", [1, 4, 7, 25])
def test_pages_have_no_gaps_or_repeats(catalogue, sort, size):
    f = Filters(sort=sort)
    walked = [e.id for e in _walk(f, size)]
    assert len(walked) == len(set(walked)) == count_public(f) == 23
    everything = [e.id for e in public_page(f, None, 100).items]
    assert walked == everything


def test_sort_orders(catalogue):
    newest = public_page(Filters(sort="newest"), None, 100).items
    keys = [(e.published_at, e.id) for e in newest]
    assert keys == sorted(keys, reverse=True)
    by_name = public_page(Filters(sort="name"), None, 100).items
    assert [e.slug for e in by_name] == sorted(e.slug for e in by_name)


def test_new_publications_do_not_shift_the_next_page(catalogue, publish):
    first = public_page(Filters(), None, 5)
    publish(name="Mới công bố giữa chừng")
    second = public_page(Filters(), first.next_cursor, 5)
    assert not {e.id for e in first.items} & {e.id for e in second.items}
    assert second.items[0].published_at <= first.items[-1].published_at


@pytest.mark.parametrize(
    "cursor", ["", "nonsense", "W10", "WyJuYW1lIiwiYSIsMV0", "WyJuZXdlc3QiLCJ4IiwxXQ"]
)
def test_bad_cursors_are_ignored(cursor):
    assert decode_cursor("newest", cursor) is None


def test_filters_round_trip_through_the_url():
    f = Filters(
        q="dân vận",
        campaign=3,
        field="Kinh tế",
        unit=7,
        kind="model",
        form="Bằng khen",
        sort="name",
        year=2026,
    )
    assert Filters.from_args(f.to_args()) == f
    assert (
        Filters.from_args(
            {"kind": "nope", "sort": "drop table", "unit": "-1", "campaign": "x"}
        )
        == Filters()
    )


def test_cached_counts_follow_every_change(publish, db):
    e = publish(name="Một")
    assert count_public(Filters()) == 1
    assert facet_counts(Filters())["form"].total == 1
    publish(name="Hai")
    assert count_public(Filters()) == 2
    from datetime import date

    from dankheo.appraisal.commendations import record_commendation

    form = publish.campaign.commendation_forms[0]
    record_commendation(
        e,
        form=form,
        issuing_body="UBND",
        decision_number="9/QĐ",
        decision_date=date(2026, 1, 2),
        actor=None,
    )
    forms = {v.value: v.count for v in facet_counts(Filters())["form"].values}
    assert forms == {form.name: 1, None: 1}


def _facet_figures(f: Filters) -> dict[str, list[tuple[object, int]]]:
    facets = facet_counts(f)
    return {name: [(v.value, v.count) for v in facets[name].values] for name in facets}


@pytest.mark.parametrize(
    "f",
    [
        Filters(q="duong"),
        Filters(year=2026, q="mo hinh"),
        Filters(q="mo", kind="model", unit=None),
        Filters(q="so 1", field="Kinh tế"),
    ],
)
def test_a_search_counted_in_one_pass_equals_one_query_per_count(
    catalogue, monkeypatch, f
):
    """The total and facets of a search, summed from one grouped pass over its hits,
    equal those of the queries that count each of them over the rows."""
    from dankheo.showcase import counts, search

    counts.clear_counts_cache()
    one_pass = (count_public(f), _facet_figures(f))
    with monkeypatch.context() as m:
        m.setattr(search, "has_terms", lambda q: False)
        counts.clear_counts_cache()
        per_count = (count_public(f), _facet_figures(f))
    counts.clear_counts_cache()
    assert one_pass == per_count
    assert one_pass[0] > 0
