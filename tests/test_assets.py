"""Assets every page needs: a favicon, compressed responses, and a trimmed Bootstrap that
still holds every Bootstrap class the templates use."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import flask_bootstrap

ROOT = Path(__file__).resolve().parent.parent
FULL_BOOTSTRAP = (
    Path(flask_bootstrap.__file__).parent / "static/bootstrap5/css/bootstrap.min.css"
)
TRIMMED = ROOT / "dankheo/static/vendor/bootstrap.min.css"

CLASS_ATTR = re.compile(r'class="([^"]*)"')
SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def _classes_in(css: str) -> set[str]:
    return set(SELECTOR_CLASS.findall(re.sub(r"\{[^{}]*\}", "{}", css)))


def test_trimmed_bootstrap_keeps_every_class_the_templates_use():
    full = _classes_in(FULL_BOOTSTRAP.read_text(encoding="utf-8"))
    kept = _classes_in(TRIMMED.read_text(encoding="utf-8"))
    used: set[str] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        for attr in CLASS_ATTR.findall(path.read_text(encoding="utf-8")):
            # Jinja expressions inside the attribute are skipped; literal names count.
            literal = re.sub(r"\{[{%].*?[%}]\}", " ", attr)
            used.update(
                name for name in literal.split() if re.fullmatch(r"[\w-]+", name)
            )
    missing = sorted((used & full) - kept)
    assert not missing, f"run `make css`: the trimmed Bootstrap lacks {missing}"
    assert TRIMMED.stat().st_size < FULL_BOOTSTRAP.stat().st_size / 2


def test_favicon_is_served(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    assert resp.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page


def test_pages_and_css_leave_compressed(client):
    resp = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers.get("Vary", "")
    assert b"<html" in gzip.decompress(resp.data)
    css = client.get(
        "/static/vendor/bootstrap.min.css", headers={"Accept-Encoding": "br"}
    )
    assert css.headers.get("Content-Encoding") == "br"


def test_pages_load_no_full_bootstrap(client):
    page = client.get("/").get_data(as_text=True)
    assert "vendor/bootstrap.min.css" in page
    assert "bootstrap5/css/bootstrap.min.css" not in page
