"""The list as a Word document that offices edit before signing: landscape A4, Times
New Roman, the table's heading row repeated on every page, "Trang x/y" in the footer.

Table rows are appended as raw WordprocessingML built once per row: python-docx's
``add_row`` re-reads the whole table for each row, which is quadratic on long lists.
"""

from __future__ import annotations

import copy
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from . import qr
from .document import ListDocument

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FONT = "Times New Roman"
#: Printable width of landscape A4 with 15 mm margins, in twentieths of a point.
PAGE_MM = 297 - 2 * 15


def _twips(mm: float) -> int:
    return int(mm / 25.4 * 1440)


def _paragraph(
    container, text: str, *, bold=False, italic=False, size=13, align="center"
):
    p = container.add_paragraph()
    p.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    run = p.add_run(text)
    run.bold = bold
    run.italic = italic
    run.font.size = Pt(size)
    return p


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _field(paragraph, instr: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters; python-docx would refuse them.
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 32)


def _cell_xml(text: str, width: int, *, bold=False, center=False, span=1, shade=False):
    tc = OxmlElement("w:tc")
    pr = OxmlElement("w:tcPr")
    w = OxmlElement("w:tcW")
    w.set(qn("w:w"), str(width))
    w.set(qn("w:type"), "dxa")
    pr.append(w)
    if span > 1:
        gs = OxmlElement("w:gridSpan")
        gs.set(qn("w:val"), str(span))
        pr.append(gs)
    if shade:
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:fill"), "EEEEEE")
        pr.append(shd)
    tc.append(pr)
    for line in _clean(text).split("\n") or [""]:
        p = OxmlElement("w:p")
        ppr = OxmlElement("w:pPr")
        sp = OxmlElement("w:spacing")
        sp.set(qn("w:before"), "0")
        sp.set(qn("w:after"), "0")
        ppr.append(sp)
        if center:
            jc = OxmlElement("w:jc")
            jc.set(qn("w:val"), "center")
            ppr.append(jc)
        p.append(ppr)
        r = OxmlElement("w:r")
        if bold:
            rpr = OxmlElement("w:rPr")
            rpr.append(OxmlElement("w:b"))
            r.append(rpr)
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = line
        r.append(t)
        p.append(r)
        tc.append(p)
    return tc


def write_list_docx(doc: ListDocument) -> bytes:
    """The list as a .docx (built in memory: Word files are zipped XML)."""
    word = Document()
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(15))
    section.top_margin, section.bottom_margin = Mm(15), Mm(15)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _sep, rest = doc.page_label.partition("%(page)s")
    between, _sep, after = rest.partition("%(pages)s")
    footer.add_run(before)
    _field(footer, "PAGE")
    footer.add_run(between)
    _field(footer, "NUMPAGES")
    footer.add_run(after)
    if doc.proof_footer:
        footer.add_run(f" · {doc.proof_footer}")

    # Issuing body (left) and national motto (right).
    head = word.add_table(rows=1, cols=2)
    _no_borders(head)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Mm(110), Mm(157)
    left.paragraphs[0].text = ""
    lines = doc.issuing_lines or [""]
    for i, text in enumerate(lines):
        target = left.paragraphs[0] if i == 0 else left.add_paragraph()
        target.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = target.add_run(text)
        run.bold = i == len(lines) - 1
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].add_run(doc.motto[0]).bold = True
    motto = right.add_paragraph()
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = motto.add_run(doc.motto[1])
    run.bold = True
    run.underline = True

    _paragraph(word, "")
    _paragraph(word, doc.title, bold=True, size=14)
    _paragraph(word, doc.subtitle, bold=True)
    _paragraph(word, doc.reference, italic=True)
    _paragraph(word, "")

    total_w = sum(c.width for c in doc.columns)
    widths = [_twips(PAGE_MM * c.width / total_w) for c in doc.columns]
    table = word.add_table(rows=1, cols=len(doc.columns))
    table.style = word.styles["Table Grid"]
    table.autofit = False
    tbl = table._tbl
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(w))
    header_tr = tbl.tr_lst[0]
    for tc in list(header_tr.tc_lst):
        header_tr.remove(tc)
    for c, w in zip(doc.columns, widths, strict=True):
        header_tr.append(_cell_xml(c.label, w, bold=True, center=True, shade=True))
    trpr = header_tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    cant_split = OxmlElement("w:cantSplit")

    full = sum(widths)
    for line in doc.lines():
        tr = OxmlElement("w:tr")
        tr.append(_tr_pr(cant_split))
        if line.kind == "row":
            for i, (text, w) in enumerate(zip(line.cells, widths, strict=True)):
                tr.append(_cell_xml(text, w, center=i in (0, 6)))
        else:
            tr.append(
                _cell_xml(
                    line.text,
                    full,
                    bold=True,
                    span=len(widths),
                    shade=line.kind == "group",
                )
            )
        tbl.append(tr)
    if not doc.total:
        tr = OxmlElement("w:tr")
        tr.append(_cell_xml(doc.empty_text, full, span=len(widths), center=True))
        tbl.append(tr)

    _paragraph(word, "")
    sign = word.add_table(rows=1, cols=2)
    _no_borders(sign)
    s_left, s_right = sign.rows[0].cells
    s_left.width, s_right.width = Mm(130), Mm(137)
    s_right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    s_right.paragraphs[0].add_run(doc.place_date).italic = True
    for text in doc.signer_lines:
        p = s_right.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(text).bold = True
    for _i in range(4):
        s_right.add_paragraph()
    p = s_right.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(doc.signer_name).bold = True
    if doc.proof is not None:
        _proof(word, doc)

    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _proof(word, doc: ListDocument) -> None:
    """An issued list's QR code and digest, after the signature."""
    assert doc.proof is not None
    _paragraph(word, "")
    block = word.add_table(rows=1, cols=2)
    _no_borders(block)
    code, text = block.rows[0].cells
    code.width, text.width = Mm(32), Mm(235)
    picture = io.BytesIO(qr.png(doc.proof.url))
    code.paragraphs[0].add_run().add_picture(picture, width=Mm(28))
    short, where, full = doc.proof_lines
    text.paragraphs[0].add_run(short).bold = True
    text.add_paragraph().add_run(where)
    small = text.add_paragraph().add_run(full)
    small.font.size = Pt(8)


def _tr_pr(cant_split):
    pr = OxmlElement("w:trPr")
    pr.append(copy.deepcopy(cant_split))
    return pr
