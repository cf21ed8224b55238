"""A tree larger than any database's limit of bound parameters (SQLite 32,766,
PostgreSQL 65,535): the public pages still answer, and no statement binds a list of
unit ids."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, insert, select, text

from dankheo.domain.enums import UnitKind, UnitTier
from dankheo.domain.text import fold, slugify
from dankheo.domain.workflow import State
from dankheo.registry.models import Exemplar
from dankheo.units.models import Unit

from .conftest import days_ago

DISTRICTS = 40
COMMUNES_PER_DISTRICT = 830  # 33,200 communes, each with a public entry


def _bulk_tree(db, province: Unit) -> list[tuple[int, int]]:
    """Districts and communes inserted in bulk with ids, paths, depths and folded
    names as ``create_unit`` sets them; returns (district id, commune id) pairs."""
    next_id = db.session.scalar(select(func.max(Unit.id))) + 1
    units, pairs = [], []

    def unit(uid, parent_id, path, depth, tier, name):
        units.append(
            {
                "id": uid,
                "parent_id": parent_id,
                "path": path,
                "depth": depth,
                "code": f"T{uid:06d}",
                "name": name,
                "search_name": fold(f"{name} T{uid:06d}"),
                "tier": tier,
                "kind": UnitKind.PARTY.value,
                "active": True,
            }
        )

    for d in range(DISTRICTS):
        did = next_id
        next_id += 1
        dpath = f"{province.path}{did}/"
        unit(did, province.id, dpath, 1, UnitTier.DISTRICT.value, f"Huyện Thử {d}")
        for c in range(COMMUNES_PER_DISTRICT):
            cid = next_id
            next_id += 1
            unit(cid, did, f"{dpath}{cid}/", 2, UnitTier.COMMUNE.value, f"Xã {d}-{c}")
            pairs.append((did, cid))
    db.session.execute(insert(Unit), units)
    return pairs


def _bulk_entries(db, campaign, pairs) -> None:
    published = days_ago(3)
    rows = []
    for i, (_district, commune) in enumerate(pairs):
        name = f"Mô hình dân vận khéo số {i}"
        rows.append(
            {
                "campaign_id": campaign.id,
                "unit_id": commune,
                "kind": "model",
                "state": State.RECOMMENDED.value,
                "name": name,
                "slug": slugify(name),
                "search_text": fold(name),
                "submitted_at": published,
                "published_at": published,
            }
        )
    db.session.execute(insert(Exemplar), rows)


def _resync_sequences(db) -> None:
    if db.engine.dialect.name == "postgresql":
        for table in ("units", "exemplars"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )


@pytest.fixture
def big_tree(publish, db):
    campaign = publish.setup()
    pairs = _bulk_tree(db, publish.province)
    _bulk_entries(db, campaign, pairs)
    _resync_sequences(db)
    # One entry through the real operations, at the province itself.
    publish(name="Mô hình của tỉnh", unit=publish.province)
    db.session.commit()
    return campaign, pairs


@pytest.fixture
def max_parameters(db):
    """The largest number of parameters bound to one statement of this thread (the
    requests of the test client) while active: work another module left running in a
    thread of its own on the same engine is not this test's pages."""
    most: list = [0, None]
    here = threading.get_ident()

    def record(_conn, _cursor, _statement, parameters, _context, executemany):
        if (
            not executemany
            and parameters
            and threading.get_ident() == here
            and len(parameters) > most[0]
        ):
            most[:] = [len(parameters), _statement]

    event.listen(db.engine, "before_cursor_execute", record)
    yield most
    event.remove(db.engine, "before_cursor_execute", record)


def test_public_pages_answer_over_a_tree_past_the_parameter_limits(
    client, big_tree, max_parameters
):
    campaign, pairs = big_tree
    total = len(pairs) + 1
    assert len(pairs) > 33_000

    home = client.get("/")
    assert home.status_code == 200
    body = home.get_data(as_text=True)
    # The province is the only top bucket: the home page opens its districts.
    assert f'unit={pairs[0][0]}">Huyện Thử 0</a>' in body
    assert f"({COMMUNES_PER_DISTRICT})" in body

    listing = client.get("/showcase")
    assert listing.status_code == 200
    assert "Huyện Thử 39" in listing.get_data(as_text=True)

    district = pairs[0][0]
    within = client.get(f"/showcase?unit={district}")
    assert within.status_code == 200
    assert "Xã 0-0" in within.get_data(as_text=True)

    # A search whose hits lie in every commune: its locality counts name no unit ids.
    found = client.get("/showcase?q=dan+van+kheo")
    assert found.status_code == 200
    assert "Huyện Thử 39" in found.get_data(as_text=True)

    stats = client.get(f"/stats?campaign={campaign.id}")
    assert stats.status_code == 200
    assert "Huyện Thử 17" in stats.get_data(as_text=True)

    api = client.get("/api/v1/exemplars?per_page=1")
    assert api.status_code == 200

    csv = client.get(f"/stats/locality.csv?campaign={campaign.id}")
    lines = csv.get_data(as_text=True).strip().splitlines()
    # A header, one row per district, and the province's own entry.
    assert len(lines) == 1 + DISTRICTS + 1
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == total
    assert max_parameters[0] < 100, max_parameters
