"""The ceiling: the least a server can do to answer the showcase's first page.

Raw ``sqlite3`` and one compiled Jinja template render the same 25 newest public rows
(title, unit, year, state) and the same facet block (the counts by year, field and kind)
from the same database file. The facet counts are read once at start, as a perfect
cache would hold them; the rows are read on every request. dankheo's list is measured
against this in the same run (``bench/bench_http.py``).

    DANKHEO_BENCH_DB=/tmp/dankheo-bench.sqlite3 gunicorn -w 2 bench.ceiling_app:app
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask
from jinja2 import Environment

PUBLIC = "('commended', 'recommended', 'replicated')"
ROWS_SQL = f"""
SELECT e.id, e.name, e.slug, e.state, u.name AS unit, c.year
FROM exemplars e JOIN units u ON u.id = e.unit_id JOIN campaigns c ON c.id = e.campaign_id
WHERE e.state IN {PUBLIC}
ORDER BY e.published_at DESC, e.id DESC LIMIT 25
"""
FACETS_SQL = {
    "year": f"SELECT c.year, count(*) FROM exemplars e JOIN campaigns c "
    f"ON c.id = e.campaign_id WHERE e.state IN {PUBLIC} GROUP BY c.year ORDER BY 1 DESC",
    "field": f"SELECT f.name, count(*) FROM exemplars e JOIN fields f ON f.id = e.field_id "
    f"WHERE e.state IN {PUBLIC} GROUP BY f.name ORDER BY 2 DESC",
    "kind": f"SELECT e.kind, count(*) FROM exemplars e WHERE e.state IN {PUBLIC} "
    "GROUP BY e.kind ORDER BY 2 DESC",
}

TEMPLATE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Mô hình tiêu biểu</title></head><body><main>
<aside>{% for name, values in facets.items() %}<h2>{{ name }}</h2><ul>
{% for label, n in values %}<li><a href="?{{ name }}={{ label }}">{{ label }}</a> {{ n }}</li>
{% endfor %}</ul>{% endfor %}</aside>
<ol>{% for r in rows %}<li><article><h3><a href="/showcase/{{ r.id }}-{{ r.slug }}">{{ r.name }}</a></h3>
<p>{{ r.unit }} · {{ r.year }} · {{ r.state }}</p></article></li>{% endfor %}</ol>
</main></body></html>"""
)

app = Flask(__name__)
_local = threading.local()


def _connection() -> sqlite3.Connection:
    con = getattr(_local, "con", None)
    if con is None:
        con = sqlite3.connect(
            f"file:{os.environ['DANKHEO_BENCH_DB']}?mode=ro",
            uri=True,
            check_same_thread=False,
        )
        con.row_factory = sqlite3.Row
        _local.con = con
    return con


_facets: dict[str, list] = {}


@app.get("/showcase")
def showcase() -> str:
    con = _connection()
    if not _facets:
        _facets.update(
            {k: con.execute(sql).fetchall() for k, sql in FACETS_SQL.items()}
        )
    return TEMPLATE.render(rows=con.execute(ROWS_SQL).fetchall(), facets=_facets)
