"""Downloads that never break: the filtered list streams whole with bounded memory,
and the full open-data files, once built off the request path, are served from disk
with validators."""

from __future__ import annotations

from sqlalchemy import insert

from dankheo.db import utcnow
from dankheo.registry.models import Exemplar
from dankheo.showcase.listing import Filters, count_public
from dankheo.showcase.views import build_open_data_files

ROWS = 20_000


def _many(publish, db, n: int) -> None:
    campaign = publish.setup()
    now = utcnow()
    db.session.execute(
        insert(Exemplar),
        [
            {
                "campaign_id": campaign.id,
                "unit_id": publish.commune.id,
                "name": f"Mô hình số {i}",
                "slug": f"mo-hinh-so-{i}",
                "search_text": f"mo hinh so {i}",
                "state": "recommended",
                "kind": "model",
                "published_at": now,
            }
            for i in range(n)
        ],
    )
    db.session.commit()


def test_a_large_export_streams_whole(client, publish, db):
    _many(publish, db, ROWS)
    resp = client.get("/showcase/export.csv", buffered=False)
    assert resp.status_code == 200
    assert resp.is_streamed
    chunks = list(resp.response)
    # Sent in many chunks, not buffered into one body.
    assert len(chunks) > 10
    resp.close()
    body = b"".join(chunks).decode("utf-8-sig")
    assert body.count("\n") == ROWS + 1 == count_public(Filters()) + 1


def test_prebuilt_open_data_files_are_served_with_validators(app, client, publish, db):
    _many(publish, db, 30)
    folder = app.instance_path + "/open-data-test"
    app.instance_path, old = folder, app.instance_path
    try:
        from pathlib import Path

        dest = Path(folder) / "open-data"
        written = build_open_data_files(dest)
        assert [p.name for p in written] == [
            "mo-hinh-dien-hinh.csv",
            "mo-hinh-dien-hinh.xlsx",
        ]
        resp = client.get("/showcase/export.csv")
        assert resp.status_code == 200
        assert resp.headers["ETag"] and resp.headers["Last-Modified"]
        assert resp.get_data().decode("utf-8-sig").count("\n") == 31
        again = client.get(
            "/showcase/export.csv", headers={"If-None-Match": resp.headers["ETag"]}
        )
        assert again.status_code == 304
        xlsx = client.get("/showcase/export.xlsx")
        assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
        # A filtered download is never the prebuilt file.
        filtered = client.get("/showcase/export.csv?kind=individual", buffered=False)
        assert filtered.is_streamed and "ETag" not in filtered.headers
        filtered.close()
    finally:
        app.instance_path = old
