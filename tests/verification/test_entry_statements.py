"""An entry's public page is mostly a first render (a million entries, each seldom
asked twice): it runs a short fixed list of statements, whatever the entry holds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from dankheo.appraisal.commendations import record_commendation
from dankheo.db import simulated_clock
from dankheo.registry.models import Attachment
from dankheo.units.operations import rename_unit


def _photo(entry, n: int, *, public: bool, content_type: str = "image/png"):
    return Attachment(
        exemplar=entry,
        kind="photo",
        original_name=f"Ảnh {n}.png",
        stored_name=f"{entry.id}-{n}.png",
        content_type=content_type,
        size=10,
        sha256="0" * 64,
        is_public=public,
    )


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
    # Photos: two public, one kept private, one public but not an image.
    shown = [_photo(entry, 1, public=True), _photo(entry, 3, public=True)]
    hidden = [
        _photo(entry, 2, public=False),
        _photo(entry, 4, public=True, content_type="application/pdf"),
    ]
    db.session.add_all([*shown, *hidden])
    # The unit was renamed after the campaign's year: the page names it as it was.
    was = entry.unit.name
    after = datetime(world.campaign.year + 1, 3, 1, tzinfo=UTC)
    with simulated_clock(after, timedelta(0)):
        rename_unit(entry.unit, name="Phường Mới Đặt Tên", actor=None)
    db.session.commit()
    shown_ids = [p.id for p in shown]
    url = f"/showcase/{entry.id}-{entry.slug}"
    statements.clear()
    page = client.get(url).get_data(as_text=True)
    # What the page shows came from those statements.
    for text in ("12/QĐ-UBND", "Hội đồng thẩm định tỉnh", was):
        assert text in page
    timeline = page.split('<ol class="timeline', 1)[1].split("</ol>", 1)[0]
    assert "Tiêu biểu cấp tỉnh" in timeline and "Bình xét cấp tỉnh" in timeline
    assert "nay là Phường Mới Đặt Tên" in page
    photos = [int(i) for i in re.findall(r'<img src="/showcase/photos/(\d+)"', page)]
    assert photos == shown_ids
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # One each for: the entry with its unit, campaign, field, its unit's name that
    # year, its commendation, its photos and whether objections have anything to
    # show; the stages it passed with how each was decided. (With the page cache on,
    # one more reads the data version, its key. 15 before the entry's relations were
    # joined, 9 before the attendance was counted with the decision record, 8 before
    # the name, commendation, photos and objections' check joined the entry's
    # statement and the timeline was read from the decision record.)
    assert len(selects) <= 2, "\n\n".join(selects)

    api = client.get(f"/api/v1/exemplars/{entry.id}").get_json()
    assert [p["id"] for p in api["photos"]] == photos
    assert api["commendation"]["decision_number"] == "12/QĐ-UBND"
    assert [s["label"] for s in api["stages"]] == ["Tiêu biểu cấp tỉnh"]
