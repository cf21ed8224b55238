"""Search ignores Vietnamese diacritics both ways and folds đ/Đ to d, on both backends."""

from __future__ import annotations

import re

import pytest

from dankheo.domain.text import fold, search_terms
from dankheo.showcase.listing import Filters, count_public, public_page

# (what the visitor types, a name that must be found)
FOLDING_TABLE = [
    ("dan van kheo", "Mô hình Dân vận khéo ở khu dân cư"),
    ("Dân vận khéo", "Dan van kheo trong nha truong"),
    ("DÂN VẬN KHÉO", "Dân vận khéo trong cải cách hành chính"),
    ("duong", "Hiến đất mở rộng đường liên thôn"),
    ("ĐƯỜNG", "Hiến đất mở rộng đường liên thôn"),
    ("doan", "Đoàn Thanh niên ra quân"),
    ("đoàn", "Tuổi trẻ Doan ket"),
    ("nguoi", "Người dân là trung tâm"),
    ("truong", "Trường học thân thiện"),
    ("ngươ", "Tổ tự quản của người cao tuổi"),
    ("tuong", "Tường rào xanh"),
    ("lễ hội", "Le hoi van minh"),
    ("Nghệ", "Làng nghề truyền thống"),
    ("cong ty", "Công ty đồng hành cùng người lao động"),
    ("le hoi", "Lễ hội văn minh"),
    ("dien bien", "Điện Biên anh hùng"),
    ("Hồng  Gai", "Phường Hồng Gai xanh"),
    ("KHÉO", "vận động khéo léo"),
    ("hien dat", "HIẾN ĐẤT LÀM ĐƯỜNG"),
    ("thoat ngheo", "Giúp hộ thoát nghèo bền vững"),
    ("nha o", "Xây nhà ở cho hộ nghèo"),
    ("chuyển đổi số", "Chuyen doi so o xa"),
]


def _names(f: Filters) -> set[str]:
    return {e.name for e in public_page(f, size=100).items}


@pytest.mark.parametrize(("query", "target"), FOLDING_TABLE)
def test_folding_table(publish, query, target):
    publish(name=target)
    publish(name="Tổ hòa giải ở cơ sở")  # a decoy that matches none of the queries
    assert _names(Filters(q=query)) == {target}
    assert count_public(Filters(q=query)) == 1


def test_terms_are_word_prefixes_and_all_required(publish):
    publish(name="Dân vận khéo trong xây dựng nông thôn mới")
    publish(name="Nông dân giỏi")
    publish(name="Văn hóa khu dân cư")
    assert _names(Filters(q="dan")) == {
        "Dân vận khéo trong xây dựng nông thôn mới",
        "Nông dân giỏi",
        "Văn hóa khu dân cư",
    }
    # Every term must start a word somewhere, in any order.
    assert _names(Filters(q="dan van")) == {
        "Dân vận khéo trong xây dựng nông thôn mới",
        "Văn hóa khu dân cư",
    }
    assert _names(Filters(q="dan van kheo")) == {
        "Dân vận khéo trong xây dựng nông thôn mới"
    }
    assert _names(Filters(q="van hoa")) == {"Văn hóa khu dân cư"}
    # "an" starts no word of these names: no substring matches in the middle of words.
    assert _names(Filters(q="an")) == set()
    assert _names(Filters(q="dan gioi xyz")) == set()


def test_search_covers_content_results_unit_and_place(publish, make):
    publish.setup()
    unit = make.unit(parent=publish.province, name="Hội Cựu chiến binh xã Đông Hưng")
    publish(name="Mô hình A", content="Vận động bà con trồng cây xanh")
    publish(name="Mô hình B", outputs="Làm được 3 km đường bê tông")
    publish(name="Mô hình C", address="Thôn Đồng Tâm")
    publish(name="Mô hình D", unit=unit)
    assert _names(Filters(q="trong cay")) == {"Mô hình A"}
    assert _names(Filters(q="be tong")) == {"Mô hình B"}
    assert _names(Filters(q="dong tam")) == {"Mô hình C"}
    assert _names(Filters(q="cuu chien binh")) == {"Mô hình D"}


def test_punctuation_and_empty_queries(publish):
    publish(name="Quyết định 1034/QĐ-UBND về khen thưởng")
    assert _names(Filters(q="qd-ubnd")) == {"Quyết định 1034/QĐ-UBND về khen thưởng"}
    assert _names(Filters(q='"1034" *')) == {"Quyết định 1034/QĐ-UBND về khen thưởng"}
    assert count_public(Filters(q="  ...  ")) == 1  # no terms: no filter


def test_search_follows_edits(publish, db):
    e = publish("draft", name="Tên cũ")
    e.name = "Tên mới được sửa"
    db.session.flush()
    from dankheo.registry.operations import submit_exemplar, transition

    submit_exemplar(e, actor=None)
    transition(e, "recommend", actor=None, actor_kind="council")
    db.session.flush()
    assert _names(Filters(q="ten moi")) == {"Tên mới được sửa"}
    assert _names(Filters(q="ten cu")) == set()


def test_only_public_entries_are_found(publish):
    for state in ("draft", "submitted", "rejected", "returned"):
        publish(state, name=f"Dân vận khéo {state}")
    publish("recommended", name="Dân vận khéo đề nghị")
    publish("commended", name="Dân vận khéo khen thưởng")
    publish("replicated", name="Dân vận khéo nhân rộng")
    assert _names(Filters(q="dan van kheo")) == {
        "Dân vận khéo đề nghị",
        "Dân vận khéo khen thưởng",
        "Dân vận khéo nhân rộng",
    }


CORPUS = [
    "Dân vận khéo xây dựng nông thôn mới",
    "Đường làng ngõ xóm sáng xanh sạch đẹp",
    "Người cao tuổi gương mẫu",
    "Hội Liên hiệp Phụ nữ với ngày thứ bảy tình nguyện",
    "Đoàn viên thanh niên với chuyển đổi số",
    "Giúp nhau thoát nghèo, 120 hộ vay vốn",
    "Lễ hội văn minh, tiết kiệm",
    "Khu dân cư không có tội phạm",
    "Hiến đất mở đường 2,5 km",
    "Trường học thân thiện, học sinh tích cực",
    "Dân vận chính quyền: một cửa liên thông",
    "Thôn Đồng Tâm đoàn kết",
]
QUERIES = [
    "dan",
    "dan van",
    "duong",
    "doan",
    "nguoi",
    "le",
    "ng",
    "2",
    "5 km",
    "dong tam",
    "th",
    "thon",
    "hoi",
    "hoc",
    "khu dan cu",
    "mot cua",
    "xyz",
    "d",
    "ho vay",
]


def _reference(texts: dict[str, str], query: str) -> set[str]:
    """The rule in plain Python: every term starts a word of the folded text."""
    terms = search_terms(query)
    out = set()
    for name, text in texts.items():
        words = [w for w in re.split(r"[^0-9a-z]+", text) if w]
        if all(any(w.startswith(t) for w in words) for t in terms):
            out.add(name)
    return out


def test_backend_agrees_with_the_reference_rule(publish):
    """Both SQLite (FTS5) and PostgreSQL (pg_trgm regex) give exactly the hits of the
    rule in Python over the indexed text; the suite runs on both, so they agree."""
    texts = {}
    for name in CORPUS:
        e = publish(name=name)
        assert e.search_text == fold(e.search_text)
        texts[name] = e.search_text
    for q in QUERIES:
        assert _names(Filters(q=q)) == _reference(texts, q), q
