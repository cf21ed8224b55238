"""QR codes of issued lists: each links to the public page that checks the list.

One generator (segno, pure Python) for every format: the print page inlines its SVG,
the Word file embeds its PNG, the PDF draws its modules as squares (vector, sharp at
any zoom). Error correction "M" survives a crease or a stamp on a printed page.
"""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

#: Error correction level: about 15 % of the symbol can be damaged.
ERROR = "m"


def make_qr(payload: str) -> segno.QRCode:
    """The QR code of ``payload`` (every format calls this one function)."""
    return segno.make(payload, error=ERROR, micro=False)


def svg(payload: str, title: str) -> Markup:
    """An inline ``<svg>`` for HTML pages, described for screen readers."""
    code = make_qr(payload)
    markup = code.svg_inline(
        scale=3, border=2, title=title, svgclass="qr", lineclass=""
    )
    # An image named by its <title> (segno escapes the title).
    return Markup(markup.replace("<svg ", '<svg role="img" ', 1))


def png(payload: str, scale: int = 4) -> bytes:
    out = io.BytesIO()
    make_qr(payload).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def modules(payload: str) -> list[list[bool]]:
    """The dark (True) and light modules, row by row, without the quiet zone."""
    return [[bool(v) for v in row] for row in make_qr(payload).matrix]
