"""Matched words marked in the list: the same rule as the search (a word of the folded
text starting with a folded term), applied to the text as shown, escaped first.

A word of the text as shown is a run of the characters that fold to ``[0-9a-z]`` (with
the combining marks inside it, so decomposed "khéo" is one word); any other character
separates words, as in :func:`dankheo.domain.text.search_words`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup, escape

from ..domain.text import fold

_ASCII_WORD = re.compile(r"[0-9a-z]+")
_MARK = Markup("<mark>{}</mark>")
#: What one character is to the rule.
_SEPARATOR, _LETTER, _MARK_ONLY = 0, 1, 2


@lru_cache(maxsize=4096)
def _kind(char: str) -> int:
    folded = fold(char)
    if folded and _ASCII_WORD.fullmatch(folded):
        return _LETTER
    if not folded.strip() and unicodedata.combining(char):
        return _MARK_ONLY
    return _SEPARATOR


def _words(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word of ``text`` as shown."""
    spans: list[tuple[int, int]] = []
    start = -1
    for i, char in enumerate(text):
        kind = _kind(char)
        if kind == _LETTER or (kind == _MARK_ONLY and start >= 0):
            if start < 0:
                start = i
        elif start >= 0:
            spans.append((start, i))
            start = -1
    if start >= 0:
        spans.append((start, len(text)))
    return spans


def highlight(text: str | None, terms: Sequence[str]) -> Markup:
    """``text`` escaped, with every word that a search term begins wrapped in
    ``<mark>`` (terms are folded: "kheo" marks "khéo", "doan" marks "Đoàn", "kh" marks
    "khéo" as the search finds it)."""
    if not text:
        return Markup("")
    if not terms:
        return escape(text)
    parts: list[Markup] = []
    last = 0
    for start, end in _words(text):
        folded = fold(text[start:end])
        if any(folded.startswith(t) for t in terms):
            parts.append(escape(text[last:start]))
            parts.append(_MARK.format(text[start:end]))
            last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
