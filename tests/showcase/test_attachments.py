"""Stored files are served one way everywhere (the registry, the council's dossier, the
showcase's photos): the stored type, never sniffed by the browser, a policy that runs
nothing, and the original Vietnamese name in the Content-Disposition."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from dankheo.domain.enums import Role
from dankheo.registry.attachments import add_attachment
from dankheo.registry.operations import submit_exemplar
from dankheo.registry.uploads import path_for

from ..appraisal import scenario
from .conftest import PDF, PNG

DOCX_NAME = "Bảng kê hộ hiến đất.docx"


def _docx() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<x/>")
    return buf.getvalue()


def _attach(exemplar, name: str, data: bytes, kind: str, public: bool = False):
    return add_attachment(
        exemplar,
        actor=None,
        stream=io.BytesIO(data),
        filename=name,
        kind=kind,
        is_public=public,
    )


def scenario_story() -> dict:
    return {
        "name": "Mô hình của thôn",
        "situation": "Đường làng hẹp.",
        "goals": "Mở rộng đường.",
        "content": "Vận động hiến đất.",
        "outputs": "2 km đường.",
    }


def _check(resp, name: str, content_type: str, *, inline: bool, cache: str) -> None:
    assert resp.status_code == 200
    assert resp.mimetype == content_type
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert resp.headers["Cache-Control"] == cache


@pytest.fixture
def files(make, db, publish):
    """One public entry with a photo, a report and a form, all of its own unit."""
    e = publish(
        name="Mô hình có tệp",
        files=[
            ("Ảnh hoạt động.png", PNG, "photo", True),
            ("Báo cáo thành tích.pdf", PDF, "report", False),
            (DOCX_NAME, _docx(), "report", False),
        ],
    )
    photo, report, form = sorted(e.attachments, key=lambda a: a.id)
    officer = make.user(role=Role.UNIT_OFFICER, unit=e.unit)
    db.session.commit()
    return e, photo, report, form, officer


def test_registry_download(client, files, login_as):
    e, photo, report, form, officer = files
    login_as(officer)
    base = f"/registry/{e.id}/attachments"
    png = client.get(f"{base}/{photo.id}")
    _check(
        png, "Ảnh hoạt động.png", "image/png", inline=True, cache="private, no-store"
    )
    assert png.data == PNG
    _check(
        client.get(f"{base}/{report.id}"),
        "Báo cáo thành tích.pdf",
        "application/pdf",
        inline=True,
        cache="private, no-store",
    )
    _check(
        client.get(f"{base}/{form.id}"),
        DOCX_NAME,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        inline=False,
        cache="private, no-store",
    )
    path_for(report).unlink()
    assert client.get(f"{base}/{report.id}").status_code == 404


def test_showcase_photo(client, files):
    _e, photo, _report, _form, _officer = files
    resp = client.get(f"/showcase/photos/{photo.id}")
    _check(
        resp,
        "Ảnh hoạt động.png",
        "image/png",
        inline=True,
        cache="public, max-age=3600",
    )
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    path_for(photo).unlink()
    assert client.get(f"/showcase/photos/{photo.id}").status_code == 404


def test_the_three_routes_send_the_same_headers(client, files, login_as):
    e, photo, _report, _form, officer = files
    public = client.get(f"/showcase/photos/{photo.id}")
    login_as(officer)
    private = client.get(f"/registry/{e.id}/attachments/{photo.id}")
    for header in ("Content-Security-Policy", "X-Content-Type-Options"):
        assert public.headers[header] == private.headers[header], header
    assert (
        public.headers["Content-Disposition"] == private.headers["Content-Disposition"]
    )


def test_council_dossier_attachment(make, db, login_as):
    sc = scenario.build(make)
    e = make.exemplar(unit=sc.hamlets[0], campaign=sc.campaign, **scenario_story())
    report = _attach(e, "Báo cáo thành tích.pdf", PDF, "report")
    form = _attach(e, DOCX_NAME, _docx(), "report")
    submit_exemplar(e, actor=None)
    council = sc.commune_councils[0]
    db.session.commit()
    client = login_as(sc.members[council.id][2].user)
    base = f"/appraisal/councils/{council.id}/entries/{e.id}/attachments"
    _check(
        client.get(f"{base}/{report.id}"),
        "Báo cáo thành tích.pdf",
        "application/pdf",
        inline=True,
        cache="private, no-store",
    )
    docx = client.get(f"{base}/{form.id}")
    _check(
        docx,
        DOCX_NAME,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        inline=False,
        cache="private, no-store",
    )
    registry = login_as(sc.officer).get(f"/registry/{e.id}/attachments/{form.id}")
    assert (
        docx.headers["Content-Security-Policy"]
        == registry.headers["Content-Security-Policy"]
    )
    path_for(form).unlink()
    client = login_as(sc.members[council.id][2].user)
    assert client.get(f"{base}/{form.id}").status_code == 404


def test_send_attachment_serves_a_download_and_refuses_a_missing_file(app, files):
    from werkzeug.exceptions import NotFound

    from dankheo.registry.uploads import send_attachment

    _e, _photo, report, _form, _officer = files
    with app.test_request_context():
        resp = send_attachment(report, inline=False, cache="private, no-store")
        try:
            _check(
                resp,
                "Báo cáo thành tích.pdf",
                "application/pdf",
                inline=False,
                cache="private, no-store",
            )
            # A PDF is not sandboxed: Chromium's viewer would refuse to open it.
            assert "sandbox" not in resp.headers["Content-Security-Policy"]
        finally:
            resp.close()
        path_for(report).unlink()
        with pytest.raises(NotFound):
            send_attachment(report, inline=True, cache="private, no-store")
