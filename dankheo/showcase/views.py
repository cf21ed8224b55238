"""The public showcase: home, the searchable list, exemplar pages, statistics, open data.

Nothing here needs an account, and nothing here reads a non-public row: every list
goes through :mod:`dankheo.showcase.listing`, which starts from the public states;
facets and statistics count, and name no entry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import spreadsheets
from ..campaigns.models import Campaign
from ..domain import N_
from ..domain.enums import ExemplarKind
from ..registry.uploads import send_attachment
from ..verification.record import decision_record
from . import entry, exports, facets, listing, opendata, pagecache, statistics, story
from .commands import register_commands
from .highlight import highlight
from .listing import Filters

bp = Blueprint("showcase", __name__, cli_group=None)
register_commands(bp)
# Before the other hooks: its after_request then runs last (Flask runs them in reverse).
pagecache.install(bp, ("home", "index", "detail", "stats"))


def _same_for_everyone() -> bool:
    """True when the response holds nothing of the visitor's own: no signed-in user
    (base.html shows their name and the logout form's token), no flash message pending
    or shown, and no session cookie about to be set (a language just chosen)."""
    return (
        not current_user.is_authenticated
        and not session.get("_flashes")
        and not session.modified
    )


@bp.after_request
def _cache_headers(resp: Response) -> Response:
    # Anonymous pages may be cached briefly by browsers and proxies; anything personal
    # is never stored anywhere.
    if (
        request.method == "GET"
        and resp.status_code == 200
        and "Cache-Control" not in resp.headers
    ):
        resp.headers["Cache-Control"] = (
            "public, max-age=60" if _same_for_everyone() else "private, no-store"
        )
    return resp


@bp.get("/")
def home():
    campaign = statistics.current_campaign()
    funnel = story.funnel_steps(campaign) if campaign else []
    localities = facets.locality_facet(Filters())
    return render_template(
        "showcase/home.html",
        campaign=campaign,
        funnel=funnel,
        recent=listing.recent_public(6),
        fields=facets.field_links(),
        localities=localities,
        total=listing.count_public(Filters()),
    )


@bp.get("/showcase")
def index():
    f = Filters.from_args(request.args)
    size = current_app.config.get("PAGE_SIZE", 25)
    cursor = request.args.get("cursor")
    page = listing.public_page(f, cursor, size)
    # A keyset cursor does not know how deep it is: the "next" link carries the page's
    # number, used only for the title ("— trang 2"); without a cursor it is the first.
    number = request.args.get("p", type=int) if cursor else 1
    page_number = min(max(number, 2), 1_000_000) if number and cursor else 1
    return render_template(
        "showcase/index.html",
        f=f,
        page=page,
        cursor=cursor,
        page_number=page_number,
        total=listing.count_public(f),
        facets=facets.facet_counts(f),
        kinds=ExemplarKind,
        sorts=SORT_LABELS,
        relevance_limit=listing.RELEVANCE_LIMIT,
    )


SORT_LABELS = {
    "relevance": N_("Phù hợp nhất"),
    "newest": N_("Mới công bố trước"),
    "oldest": N_("Công bố sớm trước"),
    "name": N_("Theo tên (A–Z)"),
    "score": N_("Điểm bình quân của hội đồng"),
}


@bp.get("/showcase/<int:id>", defaults={"slug": ""})
@bp.get("/showcase/<int:id>-<slug>")
def detail(id: int, slug: str):
    found = entry.find(id)
    if found is None:
        abort(404)
    exemplar = found.exemplar
    if slug != exemplar.slug:
        return redirect(url_for(".detail", id=id, slug=exemplar.slug), 301)
    return render_template(
        "showcase/detail.html",
        exemplar=exemplar,
        unit_name=found.unit_name,
        commendation=found.commendation,
        photo_ids=found.photo_ids,
        decisions=decision_record(exemplar),
        objections=found.objections(),
        metrics=exemplar.metric_values(),
        description=story.summary(exemplar),
    )


@bp.get("/showcase/photos/<int:attachment_id>")
def photo(attachment_id: int):
    """A public photo of a public exemplar; publicness is checked again on every request,
    and the bytes are only ever served as the sniffed image type, never as HTML."""
    attachment = entry.public_photo(attachment_id)
    if attachment is None:
        abort(404)
    return send_attachment(attachment, inline=True, cache="public, max-age=3600")


# -- open data -----------------------------------------------------------------------


@bp.get("/showcase/open-data")
def open_data():
    """The full files of the public list: when they were built, how large they are."""
    return render_template("showcase/open_data.html", **opendata.files_info())


@bp.get("/showcase/export.csv")
def export_csv():
    f = Filters.from_args(request.args)
    if not f.active and (resp := opendata.prebuilt(exports.CSV_NAME)):
        return resp
    # A filtered list, or the full one before its first build: streamed, written
    # by the database.
    return exports.csv_file_response(exports.CSV_NAME, exports.export_csv(f))


@bp.get("/showcase/export.xlsx")
def export_xlsx():
    f = Filters.from_args(request.args)
    if not f.active and (resp := opendata.prebuilt(exports.XLSX_NAME)):
        return resp
    return exports.xlsx_response(
        exports.XLSX_NAME,
        [(_("Mô hình, điển hình"), exports.export_header(), exports.export_rows(f))],
    )


@bp.get("/showcase/feed.atom")
def feed():
    """Atom feed of the newest recommended (published) exemplars; written by the one
    writer, so it is well-formed XML whatever the names hold."""
    items = listing.recent_public(50)
    host = request.host.split(":")[0]
    updated = max(
        (e.published_at for e in items), default=datetime(2000, 1, 1, tzinfo=UTC)
    )
    entries = [
        spreadsheets.FeedEntry(
            title=e.name,
            id=f"tag:{host},{e.published_at:%Y-%m-%d}:exemplar/{e.id}",
            link=url_for(".detail", id=e.id, slug=e.slug, _external=True),
            updated=e.published_at,
            published=e.published_at,
            author=e.unit.name,
            category=e.field.name if e.field else None,
            summary=story.summary(e),
        )
        for e in items
    ]
    body = spreadsheets.atom_feed(
        title=_("Mô hình, điển hình “Dân vận khéo” mới được đề nghị khen thưởng"),
        id=url_for(".feed", _external=True),
        self_link=url_for(".feed", _external=True),
        alternate=url_for(".index", _external=True),
        updated=updated,
        entries=entries,
    )
    return spreadsheets.atom_response(body)


# -- statistics ----------------------------------------------------------------------


def _stats_campaign() -> tuple[list[Campaign], Campaign | None]:
    campaigns = statistics.public_campaigns()
    wanted = request.args.get("campaign", type=int)
    if wanted is not None:
        chosen = next((c for c in campaigns if c.id == wanted), None)
        if chosen is None:
            abort(404)
        return campaigns, chosen
    current = statistics.current_campaign()
    return campaigns, current


STATS_TABLES = ("funnel", "field", "locality", "unit_kind", "kind", "years")


#: Breakdowns of a campaign, by table key.
BREAKDOWNS = {
    "field": statistics.breakdown_by_field,
    "locality": statistics.breakdown_by_locality,
    "unit_kind": statistics.breakdown_by_unit_kind,
    "kind": statistics.breakdown_by_kind,
}


def _stats_table(key: str, campaign: Campaign | None, funnel=None):
    """One statistics table (None when it needs a campaign and there is none); only
    what that table needs is counted."""
    if key == "years":
        return story.stats_table("years", statistics.trend_by_year())
    if campaign is None:
        return None
    if key == "funnel":
        return story.funnel_table(funnel or story.funnel_steps(campaign))
    return story.stats_table(key, BREAKDOWNS[key](campaign))


def _stats_tables(campaign: Campaign | None, funnel=None) -> dict:
    tables = {key: _stats_table(key, campaign, funnel) for key in STATS_TABLES}
    return {key: t for key, t in tables.items() if t is not None}


@bp.get("/stats")
def stats():
    campaigns, campaign = _stats_campaign()
    funnel = story.funnel_steps(campaign) if campaign else []
    return render_template(
        "showcase/stats.html",
        campaigns=campaigns,
        campaign=campaign,
        funnel=funnel,
        tables=_stats_tables(campaign, funnel),
    )


@bp.get("/stats/<table>.csv")
def stats_csv(table: str):
    if table not in STATS_TABLES:
        abort(404)
    _campaigns, campaign = _stats_campaign()
    t = _stats_table(table, campaign)
    if t is None:
        abort(404)
    name = f"thong-ke-{table.replace('_', '-')}" + (
        f"-{campaign.year}" if campaign and table != "years" else ""
    )
    return exports.csv_response(f"{name}.csv", t.header, t.rows)


@bp.get("/stats/export.xlsx")
def stats_xlsx():
    _campaigns, campaign = _stats_campaign()
    tables = _stats_tables(campaign)
    sheets = [
        (tables[k].title, tables[k].header, tables[k].rows)
        for k in STATS_TABLES
        if k in tables
    ]
    name = "thong-ke" + (f"-{campaign.year}" if campaign else "")
    return exports.xlsx_response(f"{name}.xlsx", sheets)


#: What ``url_for`` leaves unquoted in a query string (checked equal by a test).
_QUERY_SAFE = "!$'()*,/:;?@"


@bp.app_template_global()
def showcase_url(f: Filters, **changes) -> str:
    """URL of the showcase list with ``f`` changed by ``changes`` (cursor dropped).

    A list page links every facet value (about ninety links): the route is built once
    per request and only the query string per link, which is what ``url_for`` would
    give."""
    base = g.get("showcase_base")
    if base is None:
        base = g.showcase_base = url_for("showcase.index")
    args = f.to_args(**changes)
    return f"{base}?{urlencode(args, safe=_QUERY_SAFE)}" if args else base


bp.add_app_template_filter(highlight, "highlight")
