"""Promises of SECURITY.md that no other test file holds."""

from __future__ import annotations

import logging

from dankheo import create_app


def _app(**config: object):
    return create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", **config}
    )


def test_hsts_is_sent_when_cookies_are_secure():
    resp = _app(SESSION_COOKIE_SECURE=True).test_client().get("/auth/login")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_hsts_over_plain_http():
    resp = _app(SESSION_COOKIE_SECURE=False).test_client().get("/auth/login")
    assert "Strict-Transport-Security" not in resp.headers


def test_a_secret_vote_is_logged_without_its_choice(make, db):
    from dankheo.appraisal import voting

    from .appraisal.scenario import build, submitted

    sc = build(make, stage1={"ballot_mode": "secret"}, criteria=False)
    council = sc.commune_councils[0]
    e = submitted(make, sc, sc.hamlets[0])
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    # Straight on the module's logger: another test's logging setup may stop
    # propagation to the root logger that caplog listens on.
    logger, level, disabled = voting.log, voting.log.level, voting.log.disabled
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.disabled = False
    try:
        voting.cast_vote(sc.members[council.id][1], e, choice="reject")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled
    assert any("cast 1 votes" in line for line in lines)
    assert not any("reject" in line for line in lines)
