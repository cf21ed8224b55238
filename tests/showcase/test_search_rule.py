"""The same hits on SQLite (FTS5) and PostgreSQL (a GIN index over the words): a fixed
corpus of awkward texts and, for each query, the exact entries it must find. The suite
runs on both databases, so both agree with the rule written out here: every query term
begins a word, and a word is a run of ``[0-9a-z]`` in the folded text."""

from __future__ import annotations

import pytest

from dankheo.domain.text import search_words
from dankheo.showcase import listing, search
from dankheo.showcase.highlight import highlight
from dankheo.showcase.listing import Filters, count_public, public_page

CORPUS = {
    "doan": "Đội xung kích Đoàn thanh niên",
    "upper": "ĐƯỜNG HOA NÔNG THÔN MỚI",
    "decision": "Quyết định 1034/QĐ-UBND năm 2024",
    "numbers": "Diện tích 1.5 ha, 2,5 km và 15 hộ",
    "email": "Liên hệ: info@danvan.gov.vn hoặc https://dankheo.vn/mo-hinh?id=7",
    "quotes": "Mô hình “Dân vận khéo” – câu lạc bộ O'Brien's",
    "chinese": "中文abc 汉字 xyz中 社区",
    "khmer": "ភូមិKhmer ស្រុកកំពង់ thôn",
    "short": "Tà Xùa săn mây",
    "one": "Ở ấp Ư Minh",
    "marks": "à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ è é ẻ ẽ ẹ ê ề ế ể ễ ệ ì í ỉ ĩ ị "
    "ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ ù ú ủ ũ ụ ư ừ ứ ử ữ ự ỳ ý ỷ ỹ ỵ Đ",
    "latin": "Łódź và Ørsted straße",
    "nfd": "Khe\u0301o le\u0301o vận đô\u0323ng",  # decomposed marks
    "mixed": "TrƯỜng THCS Nguyễn Du lớp 6A1",
}

# (query, the entries it finds), worked out by hand from the rule.
EXPECTED = [
    (
        "d",
        {
            "decision",
            "doan",
            "email",
            "marks",
            "mixed",
            "nfd",
            "numbers",
            "quotes",
            "upper",
        },
    ),
    ("doan", {"doan"}),
    ("DOÀN", {"doan"}),
    ("dan van", {"quotes"}),
    ("đường", {"upper"}),
    ("1", {"decision", "numbers"}),
    ("1.5", {"numbers"}),
    ("15", {"numbers"}),
    ("2,5", {"numbers"}),
    ("qd-ubnd", {"decision"}),
    ("1034/qđ", {"decision"}),
    ("info@danvan.gov.vn", {"email"}),
    ("dankheo.vn", {"email"}),
    ("mo hinh", {"email", "quotes"}),
    ("o'brien", {"quotes"}),
    ("s", {"latin", "quotes", "short"}),
    # Letters of other scripts separate words like punctuation: "中文abc" holds "abc".
    ("abc", {"chinese"}),
    ("xyz", {"chinese"}),
    ("khmer", {"khmer"}),
    ("thon", {"khmer", "upper"}),
    ("ta xua", {"short"}),
    ("ta", {"short"}),
    ("x", {"chinese", "doan", "short"}),
    ("o", {"latin", "marks", "one", "quotes"}),
    ("u", {"decision", "marks", "one"}),
    ("ap minh", {"one"}),
    ("y", {"marks"}),
    ("a e i o u y d", {"marks"}),
    # ł and ø do not fold to Latin letters: they separate words, in the query too.
    ("lodz", set()),
    ("łódź", {"latin"}),
    ("rsted", {"latin"}),
    ("strasse", {"latin"}),
    ("kheo leo", {"nfd"}),
    ("dong", {"nfd"}),
    ("6a", {"mixed"}),
    ("6a1", {"mixed"}),
    ("tr", {"mixed"}),
    ("THCS nguyen du lop", {"mixed"}),
    ("an", set()),
    ("zz", set()),
]


@pytest.fixture
def corpus(publish, make):
    """The entries, with nothing else to search: the story and the unit say "Qqq"."""
    publish.setup()
    unit = make.unit(parent=publish.province, name="Qqq")
    story = dict.fromkeys(("situation", "goals", "content", "outputs"), "Qqq")
    ids = {}
    for key, name in CORPUS.items():
        e = publish(name=name, unit=unit, **story)
        assert e.search_text == search_words(name) + " qqq" * 5
        ids[e.id] = key
    return ids


@pytest.mark.parametrize(("query", "expected"), EXPECTED, ids=[q for q, _ in EXPECTED])
def test_every_database_finds_exactly_the_expected_entries(
    corpus, query, expected, monkeypatch, db
):
    found = {corpus[e.id] for e in public_page(Filters(q=query), size=100).items}
    found_newest = {
        corpus[e.id]
        for e in public_page(Filters(q=query, sort="newest"), size=100).items
    }
    assert found == expected
    assert found_newest == expected
    assert count_public(Filters(q=query)) == len(expected)
    # Each way of finding the hits (the index's, the order's walk, each row's own
    # text) finds the same ones, the entries a term is inside of but does not begin
    # ("an" in "dan") included.
    for how in (search.HITS, search.WALK, search.TEXT):
        stmt = listing.public_exemplars(Filters(q=query), how)
        assert {corpus[e.id] for e in db.session.scalars(stmt)} == expected, how
    # And a page of a search with more hits than are ranked, by each order, with the
    # text checked along a walk of 3 rows before the index is asked.
    monkeypatch.setattr(listing, "RELEVANCE_LIMIT", 0)
    monkeypatch.setattr(listing, "TEXT_WALK_ROWS", 3)
    for sort in ("relevance", "newest", "name", "score"):
        page = public_page(Filters(q=query, sort=sort), size=100)
        assert {corpus[e.id] for e in page.items} == expected


def test_search_words_keeps_only_the_latin_words_of_the_folded_text():
    assert search_words("Quyết định 1034/QĐ-UBND, 1.5 ha") == (
        "quyet dinh 1034 qd ubnd 1 5 ha"
    )
    assert search_words("中文abc “Đoàn” ភូមិKhmer") == "abc doan khmer"
    assert search_words(None) == ""


def test_highlight_marks_prefixes_by_the_same_rule():
    assert str(highlight("Tà Xùa săn mây", ["ta", "x"])) == (
        "<mark>Tà</mark> <mark>Xùa</mark> săn mây"
    )
    # Decomposed marks stay inside their word.
    assert str(highlight("Khe\u0301o le\u0301o", ["kh"])) == (
        "<mark>Khe\u0301o</mark> le\u0301o"
    )
    assert str(highlight("1034/QĐ-UBND", ["qd", "ub"])) == (
        "1034/<mark>QĐ</mark>-<mark>UBND</mark>"
    )
    assert str(highlight("中文abc", ["ab"])) == "中文<mark>abc</mark>"


def test_a_very_long_word_is_kept_and_found_by_its_beginning(publish):
    """PostgreSQL refuses a lexeme over 2,047 bytes: words are cut at 100 letters in
    the text and in the query alike, so saving works and the word is still found."""
    e = publish(name="Mã số dài", content="Nội dung " + "a" * 3000 + " " + "b" * 150)
    assert max(len(w) for w in e.search_text.split()) == 100
    names = {x.name for x in public_page(Filters(q="a" * 3000), size=10).items}
    assert names == {e.name}
    assert count_public(Filters(q="b" * 120)) == 1
