"""The minutes printed on A4: every result column lies within the printed page, the
table header repeats, and the page declares its own size and page numbers."""

from __future__ import annotations

import os
import subprocess

import pytest

from dankheo.appraisal import closing, voting
from dankheo.domain.enums import UnitTier

from ..appraisal.scenario import build, submitted
from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.browser

MM = 96 / 25.4  # CSS pixels per millimetre

#: The printable width of the sheet the page asks for (A4 minus the page margins), as
#: the browser lays it out; a page that declares no size prints A4 portrait with the
#: browser's default 10 mm margins.
PRINTABLE_WIDTH = """() => {
  let size = "", margin = "";
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { continue; }
    for (const r of rules) {
      if (r.constructor.name === "CSSPageRule") {
        size = r.style.getPropertyValue("size") || size;
        margin = r.style.getPropertyValue("margin") || margin;
      }
    }
  }
  return {size, margin};
}"""


def _printable_px(size: str, margin: str) -> int:
    width_mm = 297 if "landscape" in size else 210
    parts = [p for p in margin.split() if p.endswith("mm")]
    side = {1: 0, 2: 1, 3: 1, 4: 1}.get(len(parts))
    horizontal = 2 * float(parts[side][:-2]) if side is not None else 20
    return int((width_mm - horizontal) * MM)


@pytest.fixture
def closed_round(make, db):
    sc = build(make, members_per_council=4)
    c1 = sc.commune_councils[0]
    hamlet = make.unit(
        parent=sc.communes[0],
        tier=UnitTier.GRASSROOTS,
        name="Chi bộ khu dân cư số 12 phường Hồng Hải mở rộng",
    )
    crit = [c.id for c in c1.stage.criteria]
    for i in range(14):
        e = submitted(
            make,
            sc,
            hamlet if i % 2 else sc.hamlets[0],
            name=f"Mô hình dân vận khéo vận động nhân dân hiến đất mở đường số {i}",
        )
        for member in sc.members[c1.id][1:]:
            voting.cast_vote(
                member,
                e,
                choice="approve",
                scores=dict(zip(crit, (50, 30), strict=True)),
            )
    chair = sc.chair(c1)
    chair.user.unit = sc.hamlets[0]
    rnd = c1.open_round
    closing.close_round(rnd, actor=chair.user)
    db.session.commit()
    return rnd.id, chair.user.username


def test_minutes_print_fits_the_page(page, live_server, closed_round, tmp_path):
    round_id, chair = closed_round
    login(page, live_server, chair, PASSWORD)
    page.goto(f"{live_server}/appraisal/rounds/{round_id}/minutes")
    declared = page.evaluate(PRINTABLE_WIDTH)
    width = _printable_px(declared["size"], declared["margin"])
    page.set_viewport_size({"width": width, "height": 700})
    page.emulate_media(media="print")
    edges = page.evaluate(
        """() => {
          const t = document.querySelector("table[aria-labelledby=results-title]");
          const cells = [...t.querySelectorAll("tr > *")];
          return {
            result: t.tHead.rows[0].cells[8].getBoundingClientRect().right,
            last: Math.max(...cells.map(c => c.getBoundingClientRect().right)),
            header: getComputedStyle(t.tHead).display,
          };
        }"""
    )
    assert edges["result"] <= width, edges
    assert edges["last"] <= width, edges
    assert edges["header"] == "table-header-group"
    assert "landscape" in declared["size"]
    pdf = tmp_path / "bien-ban.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert pdf.stat().st_size > 0
    out = os.environ.get("DANKHEO_PRINT_DIR")
    if out:  # for a person to look at the pages
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), os.path.join(out, "minutes")],
            check=True,
        )
