"""Search people expect: the most relevant first, newest on request, matched words
marked (safely), the same hits on both databases, and a common word kept cheap."""

from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup

from dankheo.domain.text import fold, search_terms
from dankheo.showcase import listing, pagecache
from dankheo.showcase.highlight import highlight
from dankheo.showcase.listing import Filters
from dankheo.showcase.views import showcase_url
from tests.conftest import recorded_statements


def _names(html: str) -> list[str]:
    titles = re.findall(r'<h3 class="h6 card-title"><a [^>]*>(.*?)</a></h3>', html)
    return [re.sub(r"</?mark>", "", t) for t in titles]


def test_a_search_lists_the_most_relevant_first_and_newest_on_request(
    client, publish, db
):
    publish(name="Dân vận khéo", situation="Kết quả")
    publish(name="Mô hình trồng cây", situation="Nhờ dân vận khéo")
    db.session.commit()
    html = client.get("/showcase?q=dan+van+kheo").get_data(as_text=True)
    assert _names(html)[0] == "Dân vận khéo"
    assert '<option value="relevance" selected' in html
    newest = client.get("/showcase?q=dan+van+kheo&sort=newest").get_data(as_text=True)
    assert _names(newest)[0] == "Mô hình trồng cây"
    # No words: no relevance to offer, the newest come first.
    assert 'value="relevance"' not in client.get("/showcase").get_data(as_text=True)


def test_matched_words_are_marked_and_everything_else_escaped():
    assert highlight("Đoàn <b>khéo</b> & dân", ["doan", "kheo"]) == Markup(
        "<mark>Đoàn</mark> &lt;b&gt;<mark>khéo</mark>&lt;/b&gt; &amp; dân"
    )
    assert highlight("<i>", []) == Markup("&lt;i&gt;")


def test_the_same_hits_as_the_rule_on_either_database(publish, db):
    names = [
        "Dân vận khéo",
        "Đoàn kết dân cư",
        "Văn hóa khu dân cư",
        "Cải cách một cửa",
        "Đường hoa khéo léo",
    ]
    for name in names:
        publish(name=name, situation="a", goals="b", content="c", outputs="e")
    db.session.commit()
    for q in ("dan", "doan", "van kheo", "kheo", "cu dan", "mot cua", "zzz"):
        f = Filters.from_args({"q": q})
        page = listing.public_page(f, size=100)
        terms = search_terms(q)
        expected = {
            n
            for n in names
            if all(
                any(w.startswith(t) for w in re.split(r"[^0-9a-z]+", fold(n)))
                for t in terms
            )
        }
        # The folded text also holds the unit's name ("Xã Thử Nghiệm").
        assert {e.name for e in page.items} == expected, q
        assert listing.count_public(f) == len(expected)


def test_a_common_word_is_listed_newest_first_and_the_page_says_so(
    client, publish, db, monkeypatch
):
    for i in range(3):
        publish(name=f"Dân vận khéo {i}")
    db.session.commit()
    monkeypatch.setattr(listing, "RELEVANCE_LIMIT", 2)
    html = client.get("/showcase?q=dan").get_data(as_text=True)
    assert "không theo mức độ phù hợp" in html
    assert _names(html) == ["Dân vận khéo 2", "Dân vận khéo 1", "Dân vận khéo 0"]
    # The order control shows the order the list is in.
    assert re.search(r'<option value="newest"\s+selected>', html)
    assert not re.search(r'<option value="relevance"\s+selected>', html)
    monkeypatch.setattr(listing, "RELEVANCE_LIMIT", 3)
    pagecache.clear(client.application)  # the same data, a different rule: not kept
    assert "không theo mức độ phù hợp" not in client.get("/showcase?q=dan").get_data(
        as_text=True
    )


def test_a_common_words_page_never_reads_all_of_its_hits(app, publish, db, monkeypatch):
    """With more hits than are ranked, the page walks the list's order and checks each
    row: on SQLite by its own text, so the full-text index (which would hand over every
    hit, 261,000 for "dan van kheo" at a million entries) is not asked for the page."""
    for i in range(4):
        publish(name=f"Dân vận khéo {i}")
    publish(name="Mô hình khác")
    db.session.commit()
    monkeypatch.setattr(listing, "RELEVANCE_LIMIT", 2)
    f = Filters(q="dan van")
    with app.test_request_context():
        listing.count_public(f)  # counted once per data version, then kept
        with recorded_statements(db.engine) as seen:
            page = listing.public_page(f, size=3)
    assert [e.name for e in page.items] == [f"Dân vận khéo {i}" for i in (3, 2, 1)]
    listed = [s for s in seen if "FROM exemplars" in s and "LIMIT" in s]
    # SQLite: where the walk to check ends, then the page (PostgreSQL: the page).
    assert len(listed) == (2 if db.engine.dialect.name == "sqlite" else 1)
    if db.engine.dialect.name == "sqlite":
        assert not any("exemplars_fts" in s for s in listed)


def test_pages_of_a_common_word_are_whole_wherever_its_hits_lie(
    app, publish, db, monkeypatch
):
    """Hits dense at the start of the order, then sparse behind entries without the
    word: the walk checked by text finds the first pages, the index the later ones,
    and the pages together list every hit once, in order."""
    names = [f"Dân vận khéo {i}" for i in range(5)] + [f"Khác {i}" for i in range(6)]
    names += [f"Dân vận khéo muộn {i}" for i in range(3)] + ["Khác nữa"]
    for name in reversed(names):  # the first name is the newest
        publish(name=name)
    db.session.commit()
    monkeypatch.setattr(listing, "RELEVANCE_LIMIT", 2)
    monkeypatch.setattr(listing, "TEXT_WALK_ROWS", 4)
    expected = [n for n in names if n.startswith("Dân")]
    with app.test_request_context():
        for sort, order in (("newest", expected), ("oldest", expected[::-1])):
            listed: list[str] = []
            cursor = None
            while True:
                page = listing.public_page(Filters(q="dan", sort=sort), cursor, size=2)
                listed += [e.name for e in page.items]
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            assert listed == order, sort


def test_facet_links_are_what_url_for_builds(app):
    f = Filters(q="dân vận & x/y?+%#=", campaign=3, field="Kinh tế", sort="name")
    with app.test_request_context():
        for changes in ({}, {"unit": 7}, {"field": None}, {"form": "Bằng khen (tỉnh)"}):
            assert showcase_url(f, **changes) == url_for(
                "showcase.index", **f.to_args(**changes)
            )
        assert showcase_url(Filters()) == url_for("showcase.index")


def test_relevance_without_words_to_rank_lists_the_newest(client, publish, db):
    """A query of punctuation only has no terms: asking the API for relevance gave FTS5
    an empty MATCH (a 500 found by schemathesis); it now lists the newest."""
    publish(name="Mô hình một")
    db.session.commit()
    for url in ("/api/v1/exemplars?q=%21%21&sort=relevance", "/showcase?q=%21%21"):
        assert client.get(url).status_code == 200, url
