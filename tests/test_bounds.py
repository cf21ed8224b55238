"""Public heavy downloads have a per-client budget; error pages say what to do."""

from __future__ import annotations

import io
import re

import pytest

from dankheo.domain.enums import Role
from dankheo.extensions import limiter


@pytest.fixture
def export_limit(app):
    saved = app.config["RATELIMIT_EXPORT"]
    app.config["RATELIMIT_EXPORT"] = "3 per minute"
    limiter.reset()
    yield app
    limiter.reset()
    app.config["RATELIMIT_EXPORT"] = saved


def test_exports_and_stats_downloads_share_one_budget_per_client(export_limit, db):
    c = export_limit.test_client()
    c.environ_base["REMOTE_ADDR"] = "203.0.113.40"
    assert c.get("/showcase/export.csv").status_code == 200
    assert c.get("/showcase/export.xlsx").status_code == 200
    assert c.get("/stats/export.xlsx").status_code == 200
    resp = c.get("/stats/years.csv")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    text = resp.get_data(as_text=True)
    assert re.search(r"Vui lòng thử lại sau khoảng \d+ phút\.", text)
    assert "đăng nhập sai" not in text
    # Pages are not limited, and another client has its own budget.
    assert c.get("/showcase").status_code == 200
    other = export_limit.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.41"
    assert other.get("/showcase/export.csv").status_code == 200


def test_too_large_upload_page_states_the_limit_and_goes_back(app, make, login_as):
    commune = make.unit(parent=make.unit())
    officer = make.user(role=Role.UNIT_OFFICER, unit=commune)
    exemplar = make.exemplar(unit=commune, actor=officer)
    make.db.session.commit()
    client = login_as(officer)
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        back = f"http://localhost/registry/{exemplar.id}"
        resp = client.post(
            f"/registry/{exemplar.id}/attachments",
            data={"file": (io.BytesIO(b"x" * 4096), "anh.png"), "kind": "photo"},
            headers={"Referer": back},
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert resp.status_code == 413
    text = resp.get_data(as_text=True)
    max_mb = app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
    assert f"Mỗi tệp gửi lên tối đa {max_mb} MB." in text
    assert f'href="{back}"' in text and "Quay lại trang trước" in text
