"""The similarity method itself: no application, no database."""

from __future__ import annotations

from dankheo.domain import similarity as sim
from dankheo.domain.similarity import DuplicateKind, Entry

TEXT = (
    "Đường giao thông nông thôn của thôn Đồng Tâm hẹp, xuống cấp, mùa mưa lầy lội. "
    "Chi bộ họp bàn, vận động từng hộ hiến đất, góp ngày công mở rộng đường lên bốn mét; "
    "Mặt trận và các đoàn thể nhận đoạn đường tự quản, trồng hoa hai bên."
)


def test_near_identical_names_and_texts_score_high_and_share_a_key():
    a = sim.fingerprint("Hiến đất làm đường thôn Đồng Tâm", TEXT)
    b = sim.fingerprint(
        "Hiến đất làm đường ở thôn Đồng Tâm", TEXT.replace("bốn mét", "năm mét")
    )
    s = sim.similarity(a, b)
    assert s.name >= sim.NAME_THRESHOLD and s.text >= sim.TEXT_THRESHOLD
    assert set(a.keys()) & set(b.keys())


def test_diacritics_and_case_do_not_matter():
    a = sim.fingerprint("Hiến đất làm đường", TEXT)
    b = sim.fingerprint("HIEN DAT LAM DUONG", " ".join(sim.words(TEXT)).upper())
    assert sim.similarity(a, b).name == 1.0
    assert sim.similarity(a, b).text == 1.0
    assert a.keys() == b.keys()


def test_different_texts_score_low():
    other = (
        "Hội Phụ nữ xã tổ chức lớp dạy nghề may cho chị em, liên kết với doanh nghiệp "
        "bao tiêu sản phẩm, giúp mười hộ thoát nghèo trong năm và lập quỹ tiết kiệm."
    )
    a = sim.fingerprint("Hiến đất làm đường thôn Đồng Tâm", TEXT)
    b = sim.fingerprint("Phụ nữ giúp nhau thoát nghèo", other)
    s = sim.similarity(a, b)
    assert not sim.is_near_duplicate(s)
    assert s.text < 0.1


def test_keys_are_the_same_in_every_process():
    # Stored keys must not depend on the process (no salted str hash).
    keys = sim.fingerprint("Hiến đất làm đường thôn Đồng Tâm", TEXT).keys()
    assert len(keys) == sim.NAME_BANDS + sim.TEXT_BANDS
    assert keys == sim.fingerprint("Hiến đất làm đường thôn Đồng Tâm", TEXT).keys()
    assert all(-(2**63) <= k < 2**63 for k in keys)
    # One element fills one bin; the empty ones borrow it.
    assert sim.sketch([4 * 5 + 3], 4) == [5, 5, 5, 5]
    assert sim.sketch([], 4) == []


def test_short_names_and_texts_get_no_keys_and_no_score():
    fp = sim.fingerprint("Mô hình", "Tốt")
    assert fp.keys() == []
    assert sim.similarity(fp, fp).score == 0.0


def _e(id, campaign, unit, year, continuing=False):
    return Entry(id, campaign, unit, year, continuing)


def test_pair_rule():
    assert sim.pair_kind(_e(2, 1, 10, 2026), _e(1, 1, 11, 2026)) == (
        DuplicateKind.SAME_CAMPAIGN,
        1,
        2,
    )
    # Same unit, same campaign: not a duplicate nomination.
    assert sim.pair_kind(_e(1, 1, 10, 2026), _e(2, 1, 10, 2026)) is None
    # Same unit, later year registered as new: recycled, the earlier year first.
    assert sim.pair_kind(_e(9, 2, 10, 2026), _e(5, 1, 10, 2025)) == (
        DuplicateKind.RECYCLED,
        5,
        9,
    )
    # ... but not when it says it continues the earlier model.
    assert sim.pair_kind(_e(9, 2, 10, 2026, True), _e(5, 1, 10, 2025)) is None
    # Another unit's model of an earlier year is replication, not a duplicate.
    assert sim.pair_kind(_e(9, 2, 10, 2026), _e(5, 1, 11, 2025)) is None


def test_shared_marks_highlight_shared_phrases_only():
    runs = sim.shared_marks(
        "Vận động hiến đất làm đường và trồng cây", "hien dat lam duong"
    )
    marked = "".join(p for p, shared in runs if shared)
    assert "hiến" in marked and "đường" in marked
    assert "trồng" not in marked
    assert "".join(p for p, _ in runs) == "Vận động hiến đất làm đường và trồng cây"


def test_text_bands_keep_their_numbers_when_the_name_is_too_short():
    bands = [b for b, _k in sim.fingerprint("Mô hình", TEXT).banded_keys()]
    assert bands == list(range(sim.NAME_BANDS, sim.NAME_BANDS + sim.TEXT_BANDS))
