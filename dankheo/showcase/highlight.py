"""Matched words marked in the list: the same rule as the search (a word of the folded
text starting with a folded term), applied to the text as shown, escaped first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from ..domain.text import fold

_WORD = re.compile(r"\w+")
_MARK = Markup("<mark>{}</mark>")


def highlight(text: str | None, terms: Sequence[str]) -> Markup:
    """``text`` escaped, with every word that a search term begins wrapped in
    ``<mark>`` (terms are folded: "kheo" marks "khéo", "doan" marks "Đoàn")."""
    if not text:
        return Markup("")
    if not terms:
        return escape(text)
    parts: list[Markup] = []
    last = 0
    for m in _WORD.finditer(text):
        folded = fold(m.group())
        if any(folded.startswith(t) for t in terms):
            parts.append(escape(text[last : m.start()]))
            parts.append(_MARK.format(m.group()))
            last = m.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
