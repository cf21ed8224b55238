"""The list as a PDF made on the server: landscape A4, the table's heading row repeated
on every page, "Trang x/y" at the foot, in the DejaVu Serif font shipped in ``fonts/``
(Vietnamese needs a font with its stacked marks; nothing is fetched at run time)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Flowable,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import qr
from .document import ListDocument

PDF = "application/pdf"
FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSerifCondensed"
MARGIN = 12 * mm
GRID = ("GRID", (0, 0), (-1, -1), 0.5, colors.black)


@cache
def _register_fonts() -> str:
    """Register the shipped TTFs once per process; returns the family name."""
    faces = {
        FAMILY: "DejaVuSerifCondensed.ttf",
        f"{FAMILY}-Bold": "DejaVuSerifCondensed-Bold.ttf",
        f"{FAMILY}-Italic": "DejaVuSerifCondensed-Italic.ttf",
    }
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))
    pdfmetrics.registerFontFamily(
        FAMILY,
        normal=FAMILY,
        bold=f"{FAMILY}-Bold",
        italic=f"{FAMILY}-Italic",
        boldItalic=f"{FAMILY}-Bold",
    )
    return FAMILY


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=13.5)
    return {
        "center": ParagraphStyle("center", base, alignment=TA_CENTER),
        "bold": ParagraphStyle(
            "bold", base, alignment=TA_CENTER, fontName=f"{font}-Bold"
        ),
        "title": ParagraphStyle(
            "title",
            base,
            alignment=TA_CENTER,
            fontName=f"{font}-Bold",
            fontSize=14,
            leading=18,
        ),
        "italic": ParagraphStyle(
            "italic", base, alignment=TA_CENTER, fontName=f"{font}-Italic"
        ),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=11, alignment=TA_LEFT),
        "cell_c": ParagraphStyle(
            "cell_c", base, fontSize=9, leading=11, alignment=TA_CENTER
        ),
        "th": ParagraphStyle(
            "th",
            base,
            fontSize=9,
            leading=11,
            alignment=TA_CENTER,
            fontName=f"{font}-Bold",
        ),
        "group": ParagraphStyle(
            "group", base, fontSize=9.5, leading=12, fontName=f"{font}-Bold"
        ),
    }


CELL_SIZE = 9
CELL_LEADING = 11
PAD = 3
TOP_PAD = 1.5
BOTTOM_PAD = 3.5


def _wrap(text: str, font: str, width: float) -> str:
    """``text`` broken into lines that fit ``width`` points in ``font``."""
    lines: list[str] = []
    for part in text.split("\n"):
        lines += simpleSplit(part, font, CELL_SIZE, width) or [""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


class QRCode(Flowable):
    """A QR code drawn as squares (vector: sharp when printed at any size)."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.grid = qr.modules(payload)
        self.size = size
        self.width = self.height = size

    def wrap(self, _avail_width, _avail_height):
        return self.size, self.size

    def draw(self) -> None:
        n = len(self.grid)
        cell = self.size / (n + 4)  # a quiet zone of two modules on each side
        c = self.canv
        c.setFillColor(colors.white)
        c.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        c.setFillColor(colors.black)
        for y, row in enumerate(self.grid):
            for x, dark in enumerate(row):
                if dark:
                    c.rect(
                        (x + 2) * cell,
                        self.size - (y + 3) * cell,
                        cell,
                        cell,
                        stroke=0,
                        fill=1,
                    )


def _proof_block(doc: ListDocument, st: dict[str, ParagraphStyle], width: float):
    """An issued list's QR code and digest, beside the signature (same page)."""
    assert doc.proof is not None
    short, where, full = doc.proof_lines
    small = ParagraphStyle("small", st["cell"], fontSize=7, leading=9)
    text = [
        Paragraph(f"<b>{_text(short)}</b>", st["cell"]),
        Paragraph(_text(where), small),
        Paragraph(_text(full), small),
    ]
    code = 26 * mm
    block = Table(
        [[QRCode(doc.proof.url, code), text]],
        colWidths=[code + 3 * mm, width - code - 3 * mm],
    )
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return block


def _numbered_canvas(label: str, font: str, footer: str = ""):
    """A canvas that draws "Trang x/y" once the number of pages is known (and an issued
    list's short digest on every page)."""

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 9)
                width, _height = self._pagesize
                page = label % {"page": self._pageNumber, "pages": total}
                self.drawCentredString(
                    width / 2, 7 * mm, f"{page} · {footer}" if footer else page
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def write_list_pdf(doc: ListDocument) -> bytes:
    """Lay the list out on landscape A4 pages (built in memory; the views cap the
    length of lists rendered as documents)."""
    font = _register_fonts()
    st = _styles(font)
    page_w, _page_h = landscape(A4)
    usable = page_w - 2 * MARGIN
    story: list = []

    lines = doc.issuing_lines or [""]
    left = [
        Paragraph(_text(t), st["bold"] if i == len(lines) - 1 else st["center"])
        for i, t in enumerate(lines)
    ]
    right = [
        Paragraph(_text(doc.motto[0]), st["bold"]),
        Paragraph(f"<u>{_text(doc.motto[1])}</u>", st["bold"]),
    ]
    head = Table([[left, right]], colWidths=[usable * 0.42, usable * 0.58])
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story += [
        head,
        Spacer(1, 6 * mm),
        Paragraph(_text(doc.title), st["title"]),
        Paragraph(_text(doc.subtitle), st["bold"]),
        Paragraph(_text(doc.reference), st["italic"]),
        Spacer(1, 4 * mm),
    ]

    total_w = sum(c.width for c in doc.columns)
    widths = [usable * c.width / total_w for c in doc.columns]
    bold = f"{font}-Bold"
    data: list[list] = [
        [
            _wrap(c.label, bold, w - 2 * PAD)
            for c, w in zip(doc.columns, widths, strict=True)
        ]
    ]
    style: list[tuple] = [
        GRID,
        ("FONT", (0, 0), (-1, 0), bold, CELL_SIZE, CELL_LEADING),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("FONT", (0, 1), (-1, -1), font, CELL_SIZE, CELL_LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (6, 1), (6, -1), "CENTER"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), TOP_PAD),
        ("BOTTOMPADDING", (0, 0), (-1, -1), BOTTOM_PAD),
    ]
    blank = [""] * (len(widths) - 1)
    for line in doc.lines():
        r = len(data)
        if line.kind == "row":
            # Pre-wrapped plain text: a Paragraph per cell costs ten times more and
            # the table re-measures its remaining rows at every page break.
            data.append(
                [
                    _wrap(v, font, w - 2 * PAD)
                    for v, w in zip(line.cells, widths, strict=True)
                ]
            )
            continue
        data.append([_wrap(line.text, bold, usable - 2 * PAD), *blank])
        style += [
            ("SPAN", (0, r), (-1, r)),
            ("FONT", (0, r), (-1, r), bold, CELL_SIZE, CELL_LEADING),
            ("ALIGN", (0, r), (-1, r), "LEFT"),
        ]
        if line.kind == "group":
            # A group's heading never ends a page: it stays with its first entry.
            style += [
                ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F3F3F3")),
                ("NOSPLIT", (0, r), (-1, r + 1)),
            ]
    if not doc.total:
        r = len(data)
        data.append([doc.empty_text, *blank])
        style += [("SPAN", (0, r), (-1, r)), ("ALIGN", (0, r), (-1, r), "CENTER")]
    # Every cell is plain pre-wrapped text, so each row's height is known: given to
    # the table, it is not measured again at every page break.
    heights: list[float | None] = [
        max(v.count("\n") + 1 for v in row) * CELL_LEADING + TOP_PAD + BOTTOM_PAD
        for row in data
    ]
    last_grid = len(data) - 1
    style[style.index(GRID)] = ("GRID", (0, 0), (-1, last_grid), 0.5, colors.black)

    # The signature is the table's last, borderless row, kept on one page with the
    # last entries and the total: never a page holding the signature alone.
    sign = [Paragraph(_text(doc.place_date), st["italic"])]
    sign += [Paragraph(_text(t), st["bold"]) for t in doc.signer_lines]
    sign += [Spacer(1, 22 * mm), Paragraph(_text(doc.signer_name), st["bold"])]
    proof = _proof_block(doc, st, usable * 0.5) if doc.proof is not None else ""
    sign_table = Table([[proof, sign]], colWidths=[usable * 0.5, usable * 0.5])
    sign_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    r = len(data)
    data.append([sign_table, *blank])
    heights.append(None)
    style += [
        ("SPAN", (0, r), (-1, r)),
        ("TOPPADDING", (0, r), (-1, r), 5 * mm),
        ("NOSPLIT", (0, max(1, r - 3)), (-1, r)),
    ]
    table = LongTable(data, colWidths=widths, rowHeights=heights, repeatRows=1)
    table.setStyle(TableStyle(style))
    story.append(table)

    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=doc.title,
        author=" ".join(doc.issuing_lines),
    ).build(story, canvasmaker=_numbered_canvas(doc.page_label, font, doc.proof_footer))
    return out.getvalue()
