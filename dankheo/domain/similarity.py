"""Near-duplicate exemplars: fingerprints, candidate keys and the exact similarity.

The method is the same on every database, so SQLite and PostgreSQL flag the same pairs:

1. **Sets.** An exemplar's folded name (:func:`dankheo.domain.text.fold`) becomes the
   set of its character trigrams (each word padded as ``pg_trgm`` does, so a changed
   village number or a dropped word moves few of them); its folded text (situation,
   goals, content, outputs) becomes the set of its word 3-shingles (three consecutive
   syllables: Vietnamese words are one or two syllables, so a 3-shingle is a short
   phrase and a shared stock phrase weighs little). Elements are 32-bit hashes
   (BLAKE2b of each word, combined), the same in every process.
2. **MinHash sketch, one permutation.** Each element's hash picks one of ``k`` bins and
   the bin keeps its smallest value (one-permutation hashing, Li, Owen & Zhang 2012);
   an empty bin borrows a non-empty bin's value along a fixed random probe sequence
   (optimal densification, Shrivastava 2017). Cost: one hash per element, not ``k``.
3. **LSH banding.** The ``k`` values are cut into ``bands`` of ``rows``; each band is one
   64-bit key. Two exemplars whose sets have Jaccard similarity ``J`` share at least one
   key with probability ``1 - (1 - J**rows)**bands``:

   =====  ============  ==========  ==========  ==========  ==========
   set    bands × rows  J = 0.9     J = 0.8     J = 0.6     J = 0.3
   =====  ============  ==========  ==========  ==========  ==========
   name   10 × 6        1.00        0.95        0.38        0.01
   text   20 × 3        1.00        1.00        0.99        0.42
   =====  ============  ==========  ==========  ==========  ==========

   So pairs at or above the default thresholds (name 0.8, text 0.6) become candidates
   almost surely, and unrelated pairs almost never (names share common syllables, so
   their bands are longer).
4. **Exact check.** Candidates are scored with the exact Jaccard similarity of their
   sets; a pair is flagged when the name or the text reaches its threshold. The
   thresholds are configuration (``DUPLICATE_NAME_THRESHOLD``,
   ``DUPLICATE_TEXT_THRESHOLD``); below about 0.5 the bands above start to miss pairs
   and the band shapes here would have to change (with a full re-run).

Names under ``MIN_NAME_GRAMS`` trigrams and texts under ``MIN_TEXT_SHINGLES`` shingles
are too short to say anything and get no keys.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from . import N_
from .text import fold

#: Bands and rows of the name and text sketches (changing them needs a full re-run).
NAME_BANDS, NAME_ROWS = 10, 6
TEXT_BANDS, TEXT_ROWS = 20, 3
#: Defaults of the configurable thresholds (exact Jaccard similarity, 0..1).
NAME_THRESHOLD = 0.8
TEXT_THRESHOLD = 0.6
MIN_NAME_GRAMS = 12
MIN_TEXT_SHINGLES = 8
SHINGLE_WORDS = 3

_WORD = re.compile(r"[0-9a-z]+")
_MARKS = re.compile("[\u0300-\u036f]")
_D = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_K1, _K2 = 0x9E3779B1, 0x85EBCA77
_MASK32 = (1 << 32) - 1
_MASK = (1 << 64) - 1
#: Marks a bin no element fell in (larger than any 32-bit hash).
_EMPTY = 1 << 62


class DuplicateKind(StrEnum):
    """Why a pair is flagged: two units in one campaign, or one unit re-registering an
    earlier year's exemplar as new."""

    SAME_CAMPAIGN = "same_campaign"
    RECYCLED = "recycled"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


class FlagStatus(StrEnum):
    """A flag waits for the secretariat (``open``), then is ``dismissed`` ("not a
    duplicate", for good) or ``confirmed``."""

    OPEN = "open"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


_LABELS: dict[StrEnum, str] = {
    DuplicateKind.SAME_CAMPAIGN: N_("Trùng với đơn vị khác trong cùng đợt"),
    DuplicateKind.RECYCLED: N_("Đăng ký lại mô hình năm trước như mô hình mới"),
    FlagStatus.OPEN: N_("Chờ xem xét"),
    FlagStatus.DISMISSED: N_("Không trùng"),
    FlagStatus.CONFIRMED: N_("Xác nhận trùng"),
}


def _h32(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=4).digest(), "little"
    )


#: Word -> hash, and word -> hashes of its trigrams. Vietnamese has a few thousand
#: syllables, so these stay small and most words are hashed once per process.
_WORD_HASH: dict[str, int] = {}
_WORD_GRAMS: dict[str, tuple[int, ...]] = {}
_CACHE_LIMIT = 200_000


def _word_hash(word: str) -> int:
    h = _WORD_HASH.get(word)
    if h is None:
        if len(_WORD_HASH) > _CACHE_LIMIT:
            _WORD_HASH.clear()
        h = _WORD_HASH[word] = _h32(word)
    return h


def _word_grams(word: str) -> tuple[int, ...]:
    grams = _WORD_GRAMS.get(word)
    if grams is None:
        if len(_WORD_GRAMS) > _CACHE_LIMIT:
            _WORD_GRAMS.clear()
        padded = f"  {word} "
        grams = _WORD_GRAMS[word] = tuple(
            {_h32(padded[i : i + 3]) for i in range(len(padded) - 2)}
        )
    return grams


def words(text: str | None) -> list[str]:
    """The folded words (syllables) of ``text``, punctuation dropped: the words of
    :func:`dankheo.domain.text.fold`, computed with C-level regular expressions
    (Vietnamese marks are all in the block U+0300-U+036F)."""
    if not text:
        return []
    decomposed = unicodedata.normalize("NFD", text.translate(_D)).casefold()
    return _WORD.findall(_MARKS.sub("", decomposed))


def name_set(name: str | None) -> frozenset[int]:
    """Hashes of the character trigrams of the name's folded words."""
    grams: set[int] = set()
    for word in words(name):
        grams.update(_word_grams(word))
    return frozenset(grams)


def text_set(text: str | None) -> frozenset[int]:
    """Hashes of the word 3-shingles of the folded text."""
    h = [_word_hash(w) for w in words(text)]
    if len(h) < SHINGLE_WORDS:
        return frozenset([sum(h) & _MASK32]) if h else frozenset()
    # Order matters (two different odd multipliers); 32 bits are plenty for sets of a
    # few hundred phrases and keep the arithmetic on small integers.
    return frozenset(
        ((a * _K1) ^ (b * _K2) ^ c) & _MASK32
        for a, b, c in zip(h, h[1:], h[2:], strict=False)
    )


_PROBES: dict[int, list[list[int]]] = {}


def _probes(k: int) -> list[list[int]]:
    """For each bin, a fixed pseudo-random sequence of bins to borrow from (the same in
    every process: BLAKE2b of the bin and the step)."""
    table = _PROBES.get(k)
    if table is None:
        table = _PROBES[k] = [
            [_h32(f"{i}:{j}") % k for j in range(4 * k)] for i in range(k)
        ]
    return table


def sketch(elements: Iterable[int], k: int) -> list[int]:
    """One-permutation MinHash of ``elements`` in ``k`` bins. An empty bin borrows the
    value of the first non-empty bin along its own fixed random probe sequence
    (optimal densification): neighbouring empty bins borrow from different bins, so a
    band of consecutive bins stays as informative as a band of full ones."""
    bins: list[int] = [_EMPTY] * k
    for h in elements:
        v, i = divmod(h, k)
        if v < bins[i]:
            bins[i] = v
    full = [b for b in bins if b != _EMPTY]
    if not full:
        return []
    out = list(bins)
    probes = _probes(k)
    for i in range(k):
        if bins[i] == _EMPTY:
            value = next((bins[j] for j in probes[i] if bins[j] != _EMPTY), full[0])
            out[i] = value
    return out


def band_keys(signature: list[int], bands: int, rows: int, salt: int) -> list[int]:
    """One signed 64-bit key per band (``salt`` keeps name and text keys apart)."""
    keys = []
    for b in range(bands):
        acc = (salt * 1_000_003 + b) & _MASK
        for value in signature[b * rows : (b + 1) * rows]:
            acc = ((acc ^ value) * 0x100000001B3 + 0x9E3779B97F4A7C15) & _MASK
            acc ^= acc >> 29
        keys.append(acc - (1 << 64) if acc >= 1 << 63 else acc)
    return keys


@dataclass(frozen=True)
class Fingerprint:
    """The two sets of an exemplar."""

    name: frozenset[int]
    text: frozenset[int]

    def banded_keys(self) -> list[tuple[int, int]]:
        """(band, key) pairs: name bands ``0 .. NAME_BANDS - 1`` if the name is long
        enough, text bands from ``NAME_BANDS`` on if the text is."""
        out: list[tuple[int, int]] = []
        if len(self.name) >= MIN_NAME_GRAMS:
            sig = sketch(self.name, NAME_BANDS * NAME_ROWS)
            out += enumerate(band_keys(sig, NAME_BANDS, NAME_ROWS, salt=1))
        if len(self.text) >= MIN_TEXT_SHINGLES:
            sig = sketch(self.text, TEXT_BANDS * TEXT_ROWS)
            keys = band_keys(sig, TEXT_BANDS, TEXT_ROWS, salt=2)
            out += enumerate(keys, start=NAME_BANDS)
        return out

    def keys(self) -> list[int]:
        """The candidate keys alone."""
        return [key for _band, key in self.banded_keys()]


def fingerprint(name: str | None, text: str | None) -> Fingerprint:
    return Fingerprint(name_set(name), text_set(text))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True)
class Similarity:
    name: float
    text: float

    @property
    def score(self) -> float:
        return max(self.name, self.text)


def similarity(a: Fingerprint, b: Fingerprint) -> Similarity:
    """Exact Jaccard similarity of the names and of the texts (0 when one is too short
    to compare)."""
    name = (
        jaccard(a.name, b.name)
        if min(len(a.name), len(b.name)) >= MIN_NAME_GRAMS
        else 0.0
    )
    text = (
        jaccard(a.text, b.text)
        if min(len(a.text), len(b.text)) >= MIN_TEXT_SHINGLES
        else 0.0
    )
    return Similarity(round(name, 4), round(text, 4))


def is_near_duplicate(
    s: Similarity,
    name_threshold: float = NAME_THRESHOLD,
    text_threshold: float = TEXT_THRESHOLD,
) -> bool:
    return s.name >= name_threshold or s.text >= text_threshold


@dataclass(frozen=True)
class Entry:
    """What the pair rule needs to know of an exemplar."""

    id: int
    campaign_id: int
    unit_id: int
    year: int
    is_continuing: bool


def pair_kind(a: Entry, b: Entry) -> tuple[DuplicateKind, int, int] | None:
    """Whether ``a`` and ``b`` may be flagged at all, as (kind, first id, second id).

    - Same campaign, different units: ``same_campaign``, the lower id first.
    - Same unit, different years, the later one registered as new (not continuing):
      ``recycled``, the earlier year first. A continuing entry is the same model
      carried on, which is what it says it is.
    - Anything else (two entries of one unit in one campaign, another unit's model of
      an earlier year, which is replication) is not a duplicate.
    """
    if a.id == b.id:
        return None
    if a.campaign_id == b.campaign_id:
        if a.unit_id == b.unit_id:
            return None
        lo, hi = sorted((a.id, b.id))
        return DuplicateKind.SAME_CAMPAIGN, lo, hi
    if a.unit_id != b.unit_id or a.year == b.year:
        return None
    earlier, later = (a, b) if a.year < b.year else (b, a)
    if later.is_continuing:
        return None
    return DuplicateKind.RECYCLED, earlier.id, later.id


def shared_marks(
    text: str, other: str, *, phrases: bool = True
) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, shared) runs, where shared pieces are words that belong
    to a 3-word phrase also found in ``other`` (folded), or, with ``phrases=False``
    (names), words found in ``other``. For highlighting two texts side by side."""
    tokens = re.split(r"(\w+)", text)
    folded = [fold(tokens[i]) for i in range(1, len(tokens), 2)]
    other_words = words(other)
    marked: set[int] = set()
    n = SHINGLE_WORDS
    if phrases and len(folded) >= n and len(other_words) >= n:
        found = {tuple(other_words[i : i + n]) for i in range(len(other_words) - n + 1)}
        for i in range(len(folded) - n + 1):
            if tuple(folded[i : i + n]) in found:
                marked.update(range(i, i + n))
    else:
        vocabulary = set(other_words)
        marked = {i for i, w in enumerate(folded) if w in vocabulary}
    out: list[tuple[str, bool]] = []
    for k, piece in enumerate(tokens):
        shared = k % 2 == 1 and (k - 1) // 2 in marked
        if out and out[-1][1] == shared:
            out[-1] = (out[-1][0] + piece, shared)
        elif piece:
            out.append((piece, shared))
    return out
