"""The one request lifecycle: commit below 400, roll back otherwise, refusals turned into a
page or a JSON problem in one place, one retry after a deadlock."""

from __future__ import annotations

import io

import pytest
from flask import flash, get_flashed_messages, request
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from dankheo import create_app
from dankheo.domain import N_
from dankheo.errors import InvalidInput, NotFound, RuleRefused
from dankheo.extensions import db
from dankheo.lifecycle import on_error
from dankheo.schema import create_schema
from dankheo.units.models import Unit
from dankheo.units.operations import create_unit


class Deadlock(Exception):
    sqlstate = "40P01"


@pytest.fixture
def lifecycle_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'l.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        }
    )
    calls = {"n": 0, "fail": 0, "read": []}

    @app.post("/_t/create")
    def _create():
        create_unit(
            code=request.form["code"], name="Xã Thử", tier="commune", kind="party"
        )
        if request.form.get("refuse"):
            on_error("errors/generic.html", error=None)
            raise RuleRefused(
                N_("Không thực hiện được thao tác này ở trạng thái hiện tại.")
            )
        if request.form.get("status"):
            return "refused", int(request.form["status"])
        return "ok"

    @app.post("/_t/flaky")
    def _flaky():
        calls["n"] += 1
        calls["read"].append(request.files["file"].read())
        flash("đã thử", "info")
        create_unit(code=f"F{calls['n']}", name="Xã", tier="commune", kind="party")
        if calls["n"] <= calls["fail"]:
            raise OperationalError("UPDATE", {}, Deadlock())
        return "|".join(m for m in get_flashed_messages())

    @app.get("/api/_t/missing")
    def _missing():
        raise InvalidInput(N_("Dữ liệu nhập không hợp lệ."), field="limit")

    @app.get("/_t/missing")
    def _missing_page():
        raise NotFound()

    with app.app_context():
        create_schema(db.engine)
    return app, calls


def _units(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit))


def test_success_commits_and_a_4xx_response_rolls_back(lifecycle_app):
    app, _ = lifecycle_app
    client = app.test_client()
    assert client.post("/_t/create", data={"code": "A"}).status_code == 200
    assert (
        client.post("/_t/create", data={"code": "B", "status": "400"}).status_code
        == 400
    )
    assert _units(app) == 1


def test_a_refusal_rolls_back_and_renders_the_declared_page(lifecycle_app):
    app, _ = lifecycle_app
    client = app.test_client()
    resp = client.post("/_t/create", data={"code": "C", "refuse": "1"})
    assert resp.status_code == 409
    assert "ở trạng thái hiện tại" in resp.get_data(as_text=True)
    assert _units(app) == 0


def test_a_deadlock_runs_the_view_once_more_as_the_first_time(lifecycle_app):
    app, calls = lifecycle_app
    calls["fail"] = 1
    resp = app.test_client().post(
        "/_t/flaky", data={"file": (io.BytesIO(b"noi dung"), "a.txt")}
    )
    assert resp.status_code == 200
    assert calls["n"] == 2
    assert calls["read"] == [b"noi dung", b"noi dung"]  # the upload was rewound
    assert resp.get_data(as_text=True) == "đã thử"  # flashed once, not twice
    assert _units(app) == 1  # only the second attempt's row


def test_a_second_deadlock_is_a_conflict_not_a_server_error(lifecycle_app):
    app, calls = lifecycle_app
    calls["fail"] = 2
    resp = app.test_client().post(
        "/_t/flaky",
        data={"file": (io.BytesIO(b"x"), "a.txt")},
        headers={"Referer": "http://localhost/registry/"},
    )
    assert resp.status_code == 303
    assert _units(app) == 0


def test_api_refusals_are_problem_documents_naming_the_parameter(lifecycle_app):
    app, _ = lifecycle_app
    resp = app.test_client().get("/api/_t/missing")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 400 and body["parameter"] == "limit"
    assert body["detail"] == body["message"] == "Dữ liệu nhập không hợp lệ."


def test_a_missing_record_is_the_404_page(lifecycle_app):
    app, _ = lifecycle_app
    assert app.test_client().get("/_t/missing").status_code == 404
