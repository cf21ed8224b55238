"""Every user-visible string is translatable, and the English catalogue covers them all.

Source strings are Vietnamese (the product's first language); English is the catalogue.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "_l": None,
    "N_": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}


def _source_messages() -> set[tuple[str | None, str]]:
    """(context, message) of every source string."""
    found: set[tuple[str | None, str]] = set()
    for method, folder in (("python", "dankheo"), ("jinja2", "templates")):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py" if method == "python" else "**.html", method)],
            keywords=KEYWORDS,
            # Babel skips folders starting with "_" by default: templates/_macros counts.
            directory_filter=lambda path: not Path(path).name.startswith((".", "__")),
        ):
            for m in message if isinstance(message, tuple) else (message,):
                if m:
                    found.add((context, m))
    return found


def test_english_catalogue_translates_every_source_string():
    with open(ROOT / "translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and m.string
        and (m.string if isinstance(m.string, str) else m.string[0])
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, (
        f"{len(missing)} strings lack an English translation, e.g. {missing[:10]}"
    )


def test_english_pages_are_english(client):
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert "Username or email" in page and "Tên đăng nhập" not in page


def test_the_secretariat_tabs_name_their_lists_in_the_plural(client, make, login_as):
    """A tab or a page listing many campaigns or units reads "Campaigns", "Units";
    the same Vietnamese word over one value (a column, a field) stays singular."""
    from dankheo.domain.enums import Role

    admin = make.user(role=Role.ADMIN)
    make.db.session.commit()
    login_as(admin)
    page = client.get("/admin/units?lang=en").get_data(as_text=True)
    assert ">Campaigns</a>" in page and ">Units</a>" in page
    assert '<h1 class="page-title h3">Units</h1>' in page
    page = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert ">Unit</th>" in page
    page = client.get("/admin/units?lang=vi").get_data(as_text=True)
    assert ">Đợt thi đua</a>" in page and ">Đơn vị</a>" in page


def test_form_errors_and_pagination_are_english_too(client, make, login_as):
    from dankheo.domain.enums import Role

    officer = make.user(role=Role.UNIT_OFFICER)
    make.campaign(unit=officer.unit)
    make.db.session.commit()
    login_as(officer)
    page = client.post("/registry/new?lang=en", data={"name": ""}).get_data(
        as_text=True
    )
    assert "Not saved yet" in page and "Chưa lưu được" not in page
