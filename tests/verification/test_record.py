"""The public decision record: on the detail page and in the API, counts only."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from dankheo.verification.record import rule_in_words

from ..showcase.test_api import _validator


def test_rule_in_words_composes_translatable_pieces(app):
    rule = {
        "ballot_mode": "secret",
        "base": "all",
        "threshold_num": 1,
        "threshold_den": 2,
        "threshold_strict": True,
        "quorum_percent": 0,
        "min_average_score": 70,
        "quota": 5,
        "tie_rule": "most_approvals",
    }
    with app.test_request_context("/"):
        words = rule_in_words(rule)
    assert words.startswith(
        "bỏ phiếu kín, quá 1/2 tổng số thành viên, tối thiểu 70 điểm, 5 suất"
    )
    with app.test_request_context("/?lang=en"):
        english = rule_in_words(
            {
                **rule,
                "threshold_num": 2,
                "threshold_den": 3,
                "threshold_strict": False,
                "quota": 1,
            }
        )
    assert english.startswith("secret ballot, at least 2/3 of all members")
    assert "1 seat" in english


def test_detail_page_shows_how_each_stage_was_decided(world, client):
    a = world.entries["Mô hình A"]
    page = client.get(f"/showcase/{a.id}-{a.slug}").get_data(as_text=True)
    assert "Cách thức xét chọn" in page
    assert "Hội đồng thẩm định tỉnh" in page
    assert "bỏ phiếu kín, quá 1/2 tổng số thành viên" in page
    # 4 eligible, 4 took part, 1 recused (the commune member); 3 in favour, 1 against
    assert (
        "4 được biểu quyết, 4 tham gia, 1 không biểu quyết do tránh xung đột lợi ích"
        in page
    )
    assert "3 tán thành, 1 không tán thành, 0 không biểu quyết" in page
    assert "77,5/100" in page
    assert f"Phiên số 1 (mã {world.round.id})" in page
    for secret in ("Chủ Tịch Kín", "Người Chấm Chặt", "Thành Viên Xã"):
        assert secret not in page


def test_api_declares_and_serves_the_decision_record(world, client):
    a = world.entries["Mô hình A"]
    doc = client.get("/api/openapi.json").get_json()
    path = "/api/v1/exemplars/{id}/decisions"
    assert path in doc["paths"]
    resp = client.get(f"/api/v1/exemplars/{a.id}/decisions?lang=en")
    assert resp.status_code == 200
    body = resp.get_json()
    _validator(doc, path).validate(body)
    [d] = body["decisions"]
    assert d["council"] == "Hội đồng thẩm định tỉnh"
    assert (d["eligible"], d["present"], d["recused"]) == (4, 4, 1)
    assert (d["approvals"], d["rejections"], d["abstentions"]) == (3, 1, 0)
    assert d["average_score"] == 77.5 and d["max_score"] == 100
    assert d["rule"].startswith("secret ballot, more than 1/2 of all members")
    assert d["minutes"] == {"round_number": 1, "round_id": world.round.id}
    assert d["rule_backfilled"] is False
    assert isinstance(Draft202012Validator, type)


def test_entries_that_are_not_public_have_no_decision_record(world, client):
    for name in ("Mô hình C", "Mô hình D"):
        e = world.entries[name]
        assert client.get(f"/api/v1/exemplars/{e.id}/decisions").status_code == 404


def test_a_round_closed_before_rules_were_recorded_reads_the_stage_as_it_is(
    world, db, app
):
    """No rule snapshot for the round (closed before snapshots existed, and not
    backfilled): the record says so and reads the stage's rule and rubric now, with
    the same counts."""
    from sqlalchemy import delete

    from dankheo.appraisal.snapshots import RuleSnapshot
    from dankheo.verification.record import decision_record

    a = world.entries["Mô hình A"]
    with app.test_request_context("/"):
        [recorded] = decision_record(a)
        db.session.execute(
            delete(RuleSnapshot).where(RuleSnapshot.round_id == world.round.id)
        )
        db.session.flush()
        [now] = decision_record(a.id)
    assert recorded.backfilled is False and now.backfilled is True
    assert now.rule.startswith("bỏ phiếu kín, quá 1/2 tổng số thành viên")
    assert now.max_score == 100
    assert (now.eligible, now.present, now.recused) == (4, 4, 1)
    assert (now.approvals, now.rejections, now.abstentions) == (3, 1, 0)
    assert (now.round_number, now.round_id) == (1, world.round.id)
