"""A long official list is laid out as a background job: the download offers to start
it, the page follows its progress, and the requester downloads the file from the job
store; a list under the threshold is still written in the request."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from dankheo.domain.enums import Role
from dankheo.jobs import queue_for, records

from .conftest import bulk_recommended

BASE = "/admin/lists/campaigns/{id}"


@pytest.fixture
def threshold(app):
    saved = app.config.get("LISTS_JOB_THRESHOLD")
    app.config["LISTS_JOB_THRESHOLD"] = 20
    yield 20
    if saved is None:
        app.config.pop("LISTS_JOB_THRESHOLD", None)
    else:
        app.config["LISTS_JOB_THRESHOLD"] = saved


def _start(client, p, fmt, **args):
    url = BASE.format(id=p.campaign.id)
    offer = client.get(f"{url}/list.{fmt}", query_string=args)
    assert offer.status_code == 200 and offer.mimetype == "text/html"
    page = offer.get_data(as_text=True)
    assert "sẽ được chuẩn bị trong nền" in page
    resp = client.post(f"{url}/list-jobs/{fmt}", query_string=args)
    assert resp.status_code == 303
    return resp.headers["Location"]


def test_small_list_is_written_in_the_request(province, login_as):
    client = login_as(province.secretariat)
    resp = client.get(BASE.format(id=province.campaign.id) + "/list.xlsx")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"


def test_long_list_runs_as_a_job_and_the_requester_downloads_it(
    province, db, threshold, login_as, make
):
    bulk_recommended(db, province, 45)
    client = login_as(province.secretariat)
    location = _start(client, province, "xlsx", doc_number="15/TTr-BDV")
    job_id = location.rstrip("/").rsplit("/", 1)[1]
    record = records.load(queue_for().huey, job_id)
    # Immediate mode (the tests' default) ran it when the request committed.
    assert record.state == "done", (record.state, record.message)
    assert (record.done, record.total) == (48, 48)
    page = client.get(location).get_data(as_text=True)
    assert "Tệp đã sẵn sàng: 48 hồ sơ" in page
    progress = client.get(location + "/progress").get_json()
    assert progress["finished"] and progress["percent"] == 100
    resp = client.get(location + "/file")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].endswith(
        '.xlsx"'
    )
    values = [
        c
        for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(
            values_only=True
        )
        for c in row
        if isinstance(c, str)
    ]
    assert any("15/TTr-BDV" in v for v in values)
    assert "Mô hình “Dân vận khéo” số 45 – vận động nhân dân chung tay" in values
    # Only the requester sees the job and its file.
    other = make.user(
        role=Role.SECRETARIAT, unit=province.committee, scope=province.root
    )
    db.session.commit()
    other_client = login_as(other)
    assert other_client.get(location).status_code == 404
    assert other_client.get(location + "/file").status_code == 404


def test_docx_and_pdf_jobs(province, db, threshold, login_as):
    bulk_recommended(db, province, 30)
    client = login_as(province.secretariat)
    docx = client.get(_start(client, province, "docx") + "/file")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text
    pdf = client.get(_start(client, province, "pdf") + "/file")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"


def test_the_file_expires(province, db, threshold, login_as, app):
    bulk_recommended(db, province, 25)
    client = login_as(province.secretariat)
    location = _start(client, province, "xlsx")
    huey = queue_for().huey
    record = records.load(huey, location.rsplit("/", 1)[1])
    # Its time is up: the same bytes, kept until a second ago.
    records.put_output(huey, record, records.read_output(huey, record), seconds=-1)
    records.save(huey, record)
    assert client.get(location + "/file").status_code == 404
    assert "hết hạn" in client.get(location).get_data(as_text=True)
    assert records.prune_outputs(huey) == 1
    assert huey.get(f"{records.PREFIX}file:{record.id}", peek=True) is None


def test_a_refused_list_fails_the_job_with_its_reason(
    province, db, threshold, login_as, app
):
    bulk_recommended(db, province, 25)
    app.config["LISTS_MAX_DOCUMENT_ROWS"] = 10
    try:
        client = login_as(province.secretariat)
        url = BASE.format(id=province.campaign.id)
        # The page refuses a document that is too long before offering a job...
        resp = client.get(f"{url}/list.pdf")
        assert resp.status_code in (302, 303)
        # ...and a job asked for directly fails with the same reason.
        location = client.post(f"{url}/list-jobs/pdf").headers["Location"]
        page = client.get(location).get_data(as_text=True)
        assert "quá dài để dàn trang" in page
    finally:
        app.config.pop("LISTS_MAX_DOCUMENT_ROWS", None)
