"""An entry's public page is mostly a first render (a million entries, each seldom
asked twice): it runs a short fixed list of statements, whatever the entry holds."""

from __future__ import annotations

from datetime import date

from dankheo.appraisal.commendations import record_commendation


def test_a_full_entry_page_runs_a_short_fixed_list_of_statements(
    world, db, client, app, statements, monkeypatch
):
    monkeypatch.setitem(app.config, "SHOWCASE_CACHE_SECONDS", 0)
    entry = world.entries["Mô hình A"]  # passed the stage by vote
    form = world.campaign.commendation_forms[0]
    record_commendation(
        entry,
        form=form,
        issuing_body=form.issuing_body,
        decision_number="12/QĐ-UBND",
        decision_date=date(world.campaign.year, 11, 18),
        actor=None,
    )
    db.session.commit()
    url = f"/showcase/{entry.id}-{entry.slug}"
    statements.clear()
    page = client.get(url).get_data(as_text=True)
    # What the page shows came from those statements.
    for shown in ("Tiêu biểu cấp tỉnh", "12/QĐ-UBND", "Hội đồng thẩm định tỉnh"):
        assert shown in page
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # One each for: the entry with its unit, campaign and field; the stages passed;
    # the commendation with its form; the photos; its unit's name that year; the
    # decision record with its attendance; the objections and the lists open for
    # them (15 before the entry's relations were joined and the name read in one, 9
    # before the attendance was counted in the decision record's statement).
    assert len(selects) <= 8, "\n\n".join(selects)
