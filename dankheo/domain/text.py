"""Vietnamese text folding, the same at index time and at query time.

``fold`` strips every combining mark (tones and vowel marks, stacked ones such as
"ườ" or "ễ"), maps đ/Đ to d (Unicode does not decompose it), and casefolds, so
"Đoàn" -> "doan" and "đường" -> "duong".

The search rule: a *word* is a run of ``[0-9a-z]`` in the folded text, everything else
(spaces, punctuation, symbols, letters of other scripts that do not fold to Latin)
separates words. :func:`search_words` stores the folded text in that form (the words
joined by single spaces), and :func:`search_terms` splits a query by the same rule, so
both databases' tokenizers see exactly these words.
"""

from __future__ import annotations

import re
import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
#: Longer words are cut to this many letters, in the text and in queries alike:
#: PostgreSQL refuses a lexeme over 2,047 bytes, so an index over one would refuse the row.
MAX_WORD = 100


def fold(text: str | None) -> str:
    """Return ``text`` without diacritics, đ folded to d, lower case, spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", stripped.casefold().translate(_D)).strip()


def search_words(text: str | None) -> str:
    """The folded words of ``text`` joined by single spaces: what the search indexes.

    "Quyết định 1034/QĐ-UBND, 1.5 ha" -> "quyet dinh 1034 qd ubnd 1 5 ha". Letters that
    do not fold to ``[0-9a-z]`` (Chinese, Khmer, ł, ø...) separate words like
    punctuation does, so "中文abc" holds the word "abc" on every database: without
    this, SQLite's tokenizer kept "中文abc" as one word while PostgreSQL split it."""
    return " ".join(w[:MAX_WORD] for w in _NON_WORD.split(fold(text)) if w)


def slugify(text: str | None, max_length: int = 80) -> str:
    """URL slug from a Vietnamese name: folded, words joined by hyphens."""
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "x"


def search_terms(query: str | None, max_terms: int = 12) -> list[str]:
    """Split a user query into folded word terms (punctuation dropped, order kept)."""
    words = [w[:MAX_WORD] for w in _NON_WORD.split(fold(query)) if w]
    seen: dict[str, None] = {}
    for w in words:
        seen.setdefault(w, None)
    return list(seen)[:max_terms]
