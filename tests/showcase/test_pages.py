"""The public pages, downloads and feed."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree as ET

import pytest
from openpyxl import load_workbook

from dankheo.appraisal.setup import add_criterion, create_stage

from .conftest import PDF, PNG


def test_home_shows_the_funnel_as_text_and_recent_entries(client, publish, db):
    campaign = publish.setup()
    create_stage(
        campaign,
        {
            "name": "Bình xét cấp tỉnh",
            "tier": "province",
            "pass_label": "Tiêu biểu cấp tỉnh",
        },
        actor=None,
    )
    for i in range(3):
        publish(name=f"Mô hình tiêu biểu {i}")
    publish("commended", name="Mô hình được khen")
    publish("submitted", name="Đang thẩm định")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    # 5 registered (not drafts); 4 recommended or later; 1 commended.
    assert "4</strong> / 5" in html
    assert "1</strong> / 5" in html
    assert "Tiêu biểu cấp tỉnh" in html
    assert "Mô hình được khen" in html
    assert "Đang thẩm định" not in html.split("Mới được đề nghị khen thưởng")[1]
    assert 'href="/showcase?field=' in html


def test_home_and_lists_without_data(client, db):
    for url in ("/", "/showcase", "/stats", "/showcase?q=dan"):
        resp = client.get(url)
        assert resp.status_code == 200, url
    assert "Chưa có đợt thi đua nào được công bố." in client.get("/stats").get_data(
        as_text=True
    )
    assert "Không tìm thấy" in client.get("/showcase").get_data(as_text=True)


def test_numbers_use_the_vietnamese_format(client, publish, db):
    e = publish(name="Nhiều hộ", households=2705, money_million=15590.5)
    db.session.commit()
    html = client.get(f"/showcase/{e.id}-{e.slug}").get_data(as_text=True)
    assert "2.705" in html
    assert "15.590,5" in html


def test_list_filters_live_in_the_url(client, publish, db):
    publish(name="Dân vận khéo hiến đất", kind="model")
    publish(name="Cá nhân tiêu biểu", kind="individual")
    db.session.commit()
    html = client.get("/showcase?q=dan+van&kind=model").get_data(as_text=True)
    # The matched words are marked; the others are not.
    assert "<mark>Dân</mark> <mark>vận</mark> khéo hiến đất" in html
    assert "Cá nhân tiêu biểu" not in html
    assert 'value="dan van"' in html
    # The facet links keep the other filters.
    assert re.search(r'href="/showcase\?q=dan\+van"', html)
    assert "1 kết quả" in html


def test_list_pages_forward_with_a_cursor(client, publish, db, app):
    for i in range(30):
        publish(name=f"Mô hình {i:02d}")
    db.session.commit()
    first = client.get("/showcase").get_data(as_text=True)
    nxt = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    ids1 = set(re.findall(r'href="/showcase/(\d+)-', first))
    ids2 = set(re.findall(r'href="/showcase/(\d+)-', second))
    assert len(ids1) == app.config["PAGE_SIZE"] and len(ids2) == 30 - len(ids1)
    assert not ids1 & ids2
    assert "Về trang đầu" in second


def test_detail_page_tells_the_story(client, publish, db):
    campaign = publish.setup()
    stage = create_stage(
        campaign,
        {
            "name": "Bình xét cấp tỉnh",
            "tier": "province",
            "pass_label": "Tiêu biểu cấp tỉnh",
        },
        actor=None,
    )
    add_criterion(stage, name="Hiệu quả", max_points=100, actor=None)
    e = publish(
        "commended",
        name="Hiến đất làm đường liên thôn",
        situation="Đường hẹp, lầy lội",
        outputs="Mở rộng 2,5 km đường",
        road_km=2.5,
        households=120,
    )
    db.session.commit()
    resp = client.get(f"/showcase/{e.id}")
    assert resp.status_code == 301
    assert resp.headers["Location"].endswith(
        f"/showcase/{e.id}-hien-dat-lam-duong-lien-thon"
    )
    assert client.get(f"/showcase/{e.id}-wrong-slug").status_code == 301
    html = client.get(f"/showcase/{e.id}-{e.slug}").get_data(as_text=True)
    assert "<title>Hiến đất làm đường liên thôn" in html
    assert (
        f'<link rel="canonical" href="http://localhost/showcase/{e.id}-{e.slug}">'
        in html
    )
    assert '<meta property="og:title" content="Hiến đất làm đường liên thôn">' in html
    assert '<meta name="description" content="Mở rộng 2,5 km đường">' in html
    assert "Đường hẹp, lầy lội" in html
    assert "2,5" in html and "120" in html
    assert f"{e.id}/QĐ-UBND" in html and "18/11/2026" in html
    assert "Giấy khen của Chủ tịch UBND cấp xã" in html


def test_non_public_entries_answer_404(client, publish, db):
    ids = [
        publish(state, name=f"Ẩn {state}").id
        for state in ("draft", "submitted", "rejected", "returned")
    ]
    db.session.commit()
    for i in ids:
        assert client.get(f"/showcase/{i}").status_code == 404
        assert client.get(f"/showcase/{i}-an").status_code == 404
        assert client.get(f"/api/v1/exemplars/{i}").status_code == 404


def test_photos_are_served_only_when_public(client, publish, db):
    e = publish(
        name="Có ảnh",
        files=[
            ("Ảnh hoạt động.png", PNG, "photo", True),
            ("Ảnh riêng.png", PNG, "photo", False),
            ("Báo cáo.pdf", PDF, "report", False),
        ],
    )
    hidden = publish(
        "submitted", name="Chưa công khai", files=[("Ảnh.png", PNG, "photo", True)]
    )
    db.session.commit()
    public, private, report = e.attachments
    html = client.get(f"/showcase/{e.id}-{e.slug}").get_data(as_text=True)
    assert f"/showcase/photos/{public.id}" in html
    assert f"/showcase/photos/{private.id}" not in html
    assert "Báo cáo.pdf" not in html and "Ảnh riêng" not in html
    resp = client.get(f"/showcase/photos/{public.id}")
    assert resp.status_code == 200
    assert resp.mimetype == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert resp.data == PNG
    for attachment in (private, report, hidden.attachments[0]):
        assert client.get(f"/showcase/photos/{attachment.id}").status_code == 404


def test_exports_honour_the_filters(client, publish, db):
    publish(name="Dân vận khéo =HYPERLINK(1)", kind="model", households=12)
    publish("commended", name="Đường hoa", kind="collective")
    publish("draft", name="Nháp")
    db.session.commit()
    resp = client.get("/showcase/export.csv?kind=model")
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][1] == "Tên mô hình, điển hình"
    assert [r[1] for r in rows[1:]] == ["Dân vận khéo =HYPERLINK(1)"]
    assert "12" in rows[1]
    all_rows = list(
        csv.reader(
            io.StringIO(client.get("/showcase/export.csv").get_data(as_text=True))
        )
    )
    assert len(all_rows) == 3
    commended = next(r for r in all_rows if r[1] == "Đường hoa")
    assert commended[10] == "Giấy khen của Chủ tịch UBND cấp xã" and commended[
        11
    ].endswith("/QĐ-UBND")

    resp = client.get("/showcase/export.xlsx?q=duong")
    wb = load_workbook(io.BytesIO(resp.data), read_only=True)
    sheet = wb.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[1] for r in values[1:]] == ["Đường hoa"]
    wb.close()


def test_csv_cells_cannot_run_formulas(client, publish, db):
    publish(name="=1+2 mô hình")
    db.session.commit()
    body = client.get("/showcase/export.csv").get_data(as_text=True)
    assert "'=1+2 mô hình" in body


def test_atom_feed_lists_newly_recommended(client, publish, db):
    publish(name="Mô hình mới đề nghị")
    publish("submitted", name="Chưa xong")
    db.session.commit()
    resp = client.get("/showcase/feed.atom")
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [t.text for t in root.findall("a:entry/a:title", ns)]
    assert titles == ["Mô hình mới đề nghị"]
    assert (
        root.find("a:entry/a:link", ns)
        .get("href")
        .startswith("http://localhost/showcase/")
    )


def test_stats_tables_charts_and_downloads(client, publish, make, db):
    campaign = publish.setup()
    other = make.unit(parent=publish.province, name="Phường Bãi Cháy", kind="youth")
    publish(name="A", kind="model")
    publish("commended", name="B", kind="individual", unit=other)
    publish("rejected", name="C", unit=other)
    publish("draft", name="D")
    db.session.commit()
    html = client.get(f"/stats?campaign={campaign.id}").get_data(as_text=True)
    for title in (
        "Theo lĩnh vực",
        "Theo địa bàn",
        "Theo loại đơn vị",
        "Theo loại mô hình, điển hình",
        "Qua các năm",
    ):
        assert title in html
    assert "Phường Bãi Cháy" in html and "Đoàn Thanh niên" in html
    assert client.get("/stats?campaign=999999").status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/stats/locality.csv?campaign={campaign.id}")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0] == ["Địa bàn", "Đăng ký", "Đề nghị khen thưởng", "Được khen thưởng"]
    assert ["Phường Bãi Cháy", "2", "1", "1"] in rows
    assert ["Xã Thử Nghiệm", "1", "1", "0"] in rows
    years = list(
        csv.reader(
            io.StringIO(
                client.get("/stats/years.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert years[1] == ["2026", "3", "2", "1"]
    assert client.get("/stats/nope.csv").status_code == 404
    wb = load_workbook(
        io.BytesIO(client.get(f"/stats/export.xlsx?campaign={campaign.id}").data),
        read_only=True,
    )
    assert wb.sheetnames == [
        "Phễu thi đua",
        "Theo lĩnh vực",
        "Theo địa bàn",
        "Theo loại đơn vị",
        "Theo loại mô hình, điển hình",
        "Qua các năm",
    ]
    wb.close()


def test_english_pages_translate_the_kind_labels(client, publish, make, db):
    campaign = publish.setup()
    party = make.unit(parent=publish.province, name="Đảng ủy xã Mẫu", kind="party")
    publish(name="Tập thể tiêu biểu", kind="collective", unit=party)
    publish(name="Mô hình mẫu", kind="model")
    db.session.commit()
    stats = client.get(f"/stats?campaign={campaign.id}&lang=en").get_data(as_text=True)
    showcase = client.get("/showcase?lang=en").get_data(as_text=True)
    for html in (stats, showcase):
        assert "Collective exemplar" in html
        assert "Điển hình tập thể" not in html
    assert "Party committee" in stats and "Cấp ủy Đảng" not in stats
    # Names are data and stay as written.
    assert "Đảng ủy xã Mẫu" in stats
    # The facet links keep the stored value, whatever the language.
    assert 'href="/showcase?kind=collective"' in showcase
    csv_body = client.get(f"/stats/unit_kind.csv?campaign={campaign.id}").get_data(
        as_text=True
    )
    assert "Party committee" in csv_body
    # And Vietnamese is still Vietnamese.
    client.get("/showcase?lang=vi")
    html = client.get(f"/stats?campaign={campaign.id}").get_data(as_text=True)
    assert "Điển hình tập thể" in html and "Cấp ủy Đảng" in html


@pytest.mark.parametrize(
    "url", ["/showcase/export.csv", "/stats/years.csv", "/stats/kind.csv"]
)
def test_csv_downloads_name_the_charset_once(client, publish, db, url):
    publish.setup()
    publish(name="Mô hình")
    db.session.commit()
    campaign = publish.campaign.id
    resp = client.get(url + (f"?campaign={campaign}" if "kind" in url else ""))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
