"""The summary tables stay equal to a full recount after every kind of change, and the
pages read them: whatever the change, the counts shown are the counts of the rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, text, update

from dankheo.appraisal.models import Commendation
from dankheo.domain.workflow import Action
from dankheo.registry.models import Exemplar
from dankheo.registry.operations import transition, update_exemplar
from dankheo.showcase import counts, facets, statistics
from dankheo.showcase.listing import Filters, count_public
from dankheo.units.models import Unit

RECOUNT_FACETS = (
    "SELECT e.campaign_id, coalesce(e.field_id, 0), e.kind, coalesce(c.form_id, 0), "
    "e.state, count(*) FROM exemplars e "
    "LEFT JOIN commendations c ON c.exemplar_id = e.id GROUP BY 1, 2, 3, 4, 5"
)
RECOUNT_UNITS = (
    "SELECT campaign_id, unit_id, coalesce(field_id, 0), kind, state, count(*) "
    "FROM exemplars GROUP BY 1, 2, 3, 4, 5"
)


def _rows(db, sql: str) -> set[tuple]:
    return {tuple(r) for r in db.session.execute(text(sql))}


def assert_equal_to_recount(db) -> None:
    db.session.flush()
    assert _rows(
        db,
        "SELECT campaign_id, field_id, kind, form_id, state, n FROM tally_facets "
        "WHERE n <> 0",
    ) == _rows(db, RECOUNT_FACETS)
    assert _rows(
        db,
        "SELECT campaign_id, unit_id, field_id, kind, state, n FROM tally_units "
        "WHERE n <> 0",
    ) == _rows(db, RECOUNT_UNITS)


def _shown(f: Filters) -> dict:
    """What the list shows for ``f``: its total and every facet's values."""
    return {
        "total": count_public(f),
        **{
            name: [(v.value, v.label, v.count) for v in facet.values]
            for name, facet in facets.facet_counts(f).items()
        },
    }


def assert_pages_match_the_rows(db, monkeypatch, filters: list[Filters]) -> None:
    """The counts read from the summary tables equal those counted from the rows."""
    counts.clear_counts_cache()
    from_tallies = [_shown(f) for f in filters]
    with monkeypatch.context() as m:
        m.setattr(counts, "tally_table", lambda f, group: None)
        counts.clear_counts_cache()
        from_rows = [_shown(f) for f in filters]
    counts.clear_counts_cache()
    assert from_tallies == from_rows


@pytest.fixture
def world(publish, make, db):
    campaign = publish.setup(year=2025)
    other_commune = make.unit(parent=publish.province, name="Xã Khác")
    hamlet = make.unit(parent=publish.commune, name="Thôn Một")
    fields = campaign.fields
    entries = {
        "a": publish(name="Mô hình A", kind="model", field_id=fields[0].id),
        "b": publish("commended", name="Điển hình B", kind="individual", unit=hamlet),
        "c": publish("replicated", name="Mô hình C", form=1, unit=other_commune),
        "d": publish("submitted", name="Mô hình D", field_id=fields[1].id),
        "e": publish("returned", name="Mô hình E", field_id=fields[1].id),
        "f": publish("draft", name="Mô hình F"),
    }
    db.session.commit()
    return campaign, entries, other_commune, hamlet


def _change_kind(db, entry: Exemplar, kind: str) -> None:
    """Changes ``entry``'s kind through the operation and commits: the triggers
    move its count from one kind to the other."""
    ex = db.session.get(Exemplar, entry.id)
    update_exemplar(ex, actor=None, data={"kind": kind}, expected_version=ex.version)
    db.session.commit()


def _filters(campaign, unit) -> list[Filters]:
    return [
        Filters(),
        Filters(campaign=campaign.id),
        Filters(year=campaign.year, kind="model"),
        Filters(field=campaign.fields[0].name),
        Filters(unit=unit.id),
        Filters(form=campaign.commendation_forms[0].name),
    ]


def test_counts_equal_a_recount_after_every_kind_of_change(
    world, publish, make, db, monkeypatch
):
    campaign, e, other_commune, hamlet = world
    check = [Filters(), *_filters(campaign, publish.province)]
    assert_equal_to_recount(db)
    assert_pages_match_the_rows(db, monkeypatch, check)

    def publication():
        transition(e["d"], Action.RECOMMEND, actor=None, actor_kind="council")

    def out_of_public():
        # A correction taking a published entry off the list (a repair, say).
        db.session.execute(
            update(Exemplar).where(Exemplar.id == e["a"].id).values(state="rejected")
        )

    def commendation_recorded():
        from dankheo.appraisal.commendations import record_commendation

        form = campaign.commendation_forms[2]
        record_commendation(
            e["d"],
            form=form,
            issuing_body="UBND tỉnh",
            decision_number="9/QĐ",
            decision_date=date(2025, 11, 18),
            actor=None,
        )

    def commendation_corrected():
        db.session.execute(
            update(Commendation)
            .where(Commendation.exemplar_id == e["b"].id)
            .values(form_id=campaign.commendation_forms[1].id)
        )

    def commendation_annulled():
        db.session.execute(
            delete(Commendation).where(Commendation.exemplar_id == e["c"].id)
        )

    def field_changed():
        ex = db.session.get(Exemplar, e["e"].id)
        update_exemplar(
            ex,
            actor=None,
            data={"field_id": campaign.fields[2].id, "kind": "collective"},
            expected_version=ex.version,
        )

    def unit_moved():
        # The hamlet moves under the other commune: its path (and its subtree's) change.
        old, new = hamlet.path, f"{other_commune.path}{hamlet.id}/"
        db.session.execute(
            update(Unit)
            .where(Unit.path.startswith(old))
            .values(path=func.replace(Unit.path, old, new))
        )
        db.session.execute(
            update(Unit).where(Unit.id == hamlet.id).values(parent_id=other_commune.id)
        )

    def units_merged():
        db.session.execute(
            update(Exemplar)
            .where(Exemplar.unit_id == other_commune.id)
            .values(unit_id=publish.commune.id)
        )

    def campaign_changed():
        later = make.campaign(unit=publish.province, year=2026, status="closed")
        db.session.execute(
            update(Exemplar)
            .where(Exemplar.id == e["b"].id)
            .values(campaign_id=later.id, field_id=None)
        )

    def entry_deleted():
        db.session.execute(delete(Exemplar).where(Exemplar.id == e["f"].id))

    changes = [
        publication,
        out_of_public,
        commendation_recorded,
        commendation_corrected,
        commendation_annulled,
        field_changed,
        unit_moved,
        units_merged,
        campaign_changed,
        entry_deleted,
    ]
    for change in changes:
        change()
        db.session.commit()
        db.session.expire_all()
        assert_equal_to_recount(db)
        assert_pages_match_the_rows(
            db, monkeypatch, [*check, Filters(unit=other_commune.id)]
        )


def test_recount_rebuilds_what_was_lost(world, db):
    from dankheo.tallies import recount

    db.session.execute(text("DELETE FROM tally_facets_base"))
    db.session.execute(text("UPDATE tally_units_base SET n = n + 5"))
    recount(db.session.connection())
    assert_equal_to_recount(db)


def test_statistics_read_the_summary_tables(world, db):
    campaign, *_ = world
    by_kind = {
        r.key: (r.registered, r.recommended, r.commended)
        for r in statistics.breakdown_by_kind(campaign)
    }
    # a, b, c public (b, c commended), d submitted, e returned; f is a draft.
    assert sum(v[0] for v in by_kind.values()) == 5
    assert sum(v[1] for v in by_kind.values()) == 3
    assert sum(v[2] for v in by_kind.values()) == 2
    assert statistics.current_campaign() == campaign


def test_the_recount_command(app, world, db):
    db.session.execute(text("DELETE FROM tally_units_base"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert_equal_to_recount(db)


def test_compaction_folds_the_deltas_and_changes_no_count(app, world, db):
    """PostgreSQL writers only insert deltas; folding them into the base rows (the
    periodic job) leaves every count and the version as they were. On SQLite the
    triggers write the base rows themselves and there is nothing to fold."""
    from dankheo import tallies
    from dankheo.tallies import jobs

    campaign, entries, *_ = world
    _change_kind(db, entries["f"], "individual")
    conn = db.session.connection()
    before = tallies.version(conn)
    views = (
        _rows(db, "SELECT * FROM tally_facets WHERE n <> 0"),
        _rows(db, "SELECT * FROM tally_units WHERE n <> 0"),
    )
    pg = conn.dialect.name == "postgresql"
    if pg:
        pending = _rows(db, "SELECT id FROM tally_facets_delta")
        assert pending, "the triggers wrote deltas, not the base rows"
    db.session.commit()

    folded = jobs.run(app)

    assert (folded > 0) == pg
    conn = db.session.connection()
    assert tallies.version(conn) == before
    assert (
        _rows(db, "SELECT * FROM tally_facets WHERE n <> 0"),
        _rows(db, "SELECT * FROM tally_units WHERE n <> 0"),
    ) == views
    if pg:
        for table in ("tally_facets_delta", "tally_units_delta", "tally_changes"):
            assert not _rows(db, f"SELECT * FROM {table}")
    assert_equal_to_recount(db)
    # A change after the fold moves the version on, as before it.
    _change_kind(db, entries["f"], "model")
    assert tallies.version(db.session.connection()) > before
    assert_equal_to_recount(db)


def test_the_version_and_a_value_in_one_read(world, db, monkeypatch):
    """The page cache reads the version with the chains' lengths in one statement:
    the same version as alone; pending changes past the threshold are folded on
    that read too (PostgreSQL); no version row reads as 0."""
    from sqlalchemy import literal

    from dankheo import tallies

    campaign, entries, *_ = world
    seven = literal(7)
    conn = db.session.connection()
    assert tallies.version_and(conn, seven) == (tallies.version(conn), 7)
    _change_kind(db, entries["f"], "individual")
    conn = db.session.connection()
    before = tallies.version(conn)
    pg = conn.dialect.name == "postgresql"
    if pg:
        assert _rows(db, "SELECT id FROM tally_changes")
    monkeypatch.setattr(tallies, "COMPACT_THRESHOLD", 0)
    assert tallies.version_and(conn, seven) == (before, 7)
    if pg:
        assert not _rows(db, "SELECT id FROM tally_changes"), "folded on the read"
    assert tallies.version(conn) == before
    db.session.commit()
    conn = db.session.connection()
    conn.exec_driver_sql("DELETE FROM tally_version")
    assert tallies.version_and(conn, seven) == (0, 7)
    db.session.rollback()
