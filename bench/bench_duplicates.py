"""Duplicate check over N exemplars with a known number of planted near-duplicates.

    .venv/bin/python bench/bench_duplicates.py --rows 100000
    .venv/bin/python bench/bench_duplicates.py --rows 100000 --database-url postgresql+psycopg://...

The database is built with ``bench/generate.py``'s structure and fast loaders (60
communes with 4 organisations each, ten yearly campaigns), with texts of their own:
names of 6-9 syllables and about 70 words of situation, goals, content and outputs,
drawn from a few thousand syllables, so unrelated exemplars share little, as real ones
do. Every ``--plant-every``-th exemplar is a near-copy (one name syllable and one word
in thirty changed) of an earlier one: half by another unit in the same campaign, half by
the same unit in a later year registered as new. Prints the time of each step, the
pairs found and how many of the planted pairs were recalled. Deterministic per seed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import (  # noqa: E402
    _reset_sqlite_file,
    build_structure,
    default_url,
    load_postgresql,
    load_sqlite,
)

from dankheo import create_app  # noqa: E402
from dankheo.extensions import db  # noqa: E402

ONSETS = [
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "p",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
RIMES = [
    "a",
    "ai",
    "an",
    "ang",
    "anh",
    "ao",
    "at",
    "au",
    "ay",
    "e",
    "em",
    "en",
    "eo",
    "i",
    "ich",
    "iem",
    "ien",
    "inh",
    "o",
    "oc",
    "oi",
    "on",
    "ong",
    "u",
    "uc",
    "ui",
    "un",
    "ung",
    "uyen",
    "uong",
    "ua",
    "ưa",
    "ươi",
]
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
STATES = ("recommended", "commended", "replicated")


def syllables(rnd: random.Random, n: int = 4000) -> list[str]:
    import unicodedata

    out: set[str] = set()
    while len(out) < n:
        s = rnd.choice(ONSETS) + rnd.choice(RIMES)
        tone = rnd.choice(TONES)
        out.add(unicodedata.normalize("NFC", s[:-1] + s[-1] + tone) if tone else s)
    return sorted(out)


def phrase(rnd: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rnd.choice(vocab) for _ in range(n))


def mutate(rnd: random.Random, vocab: list[str], text: str, every: int) -> str:
    words = text.split()
    for i in range(0, len(words), every):
        words[min(len(words) - 1, i + rnd.randrange(every))] = rnd.choice(vocab)
    return " ".join(words)


def rows(
    n: int, unit_rows: list, camp_rows: list, seed: int, plant_every: int
) -> tuple[Iterator[tuple[dict[str, Any], None]], list[tuple[int, int, str]]]:
    rnd = random.Random(seed)
    vocab = syllables(rnd)
    # The campaigns sorted by year, so a recycled copy goes to a later one.
    camps = sorted(camp_rows, key=lambda c: c[3])
    planted: list[tuple[int, int, str]] = []
    made: list[dict[str, Any]] = []

    def gen() -> Iterator[tuple[dict[str, Any], None]]:
        for i in range(1, n + 1):
            uid = rnd.choice(unit_rows)[0]
            cidx = rnd.randrange(len(camps))
            row: dict[str, Any] = {
                "name": phrase(rnd, vocab, rnd.randint(6, 9)).capitalize(),
                "situation": phrase(rnd, vocab, 22),
                "goals": phrase(rnd, vocab, 14),
                "content": phrase(rnd, vocab, 24),
                "outputs": phrase(rnd, vocab, 10),
                "is_continuing": False,
            }
            if i % plant_every == 0 and made:
                src = made[rnd.randrange(len(made))]
                same_campaign = len(planted) % 2 == 0
                if not same_campaign and src["_cidx"] == len(camps) - 1:
                    same_campaign = True  # no later year to recycle into
                if same_campaign:
                    cidx = src["_cidx"]
                    while uid == src["unit_id"]:
                        uid = rnd.choice(unit_rows)[0]
                else:
                    uid = src["unit_id"]
                    cidx = rnd.randrange(src["_cidx"] + 1, len(camps))
                row["name"] = mutate(rnd, vocab, src["name"], 10)
                for key in ("situation", "goals", "content", "outputs"):
                    row[key] = mutate(rnd, vocab, src[key], 30)
                kind = "same_campaign" if same_campaign else "recycled"
                a, b = src["id"], i
                planted.append((a, b, kind))
            cid, fields, _forms, _year = camps[cidx]
            row.update(
                id=i,
                campaign_id=cid,
                unit_id=uid,
                field_id=rnd.choice(fields),
                kind="model",
                state=STATES[i % 3],
                slug=f"x-{i}",
                search_text="",
            )
            if len(made) < 50_000 or rnd.random() < 0.1:
                made.append({**row, "_cidx": cidx})
            yield row, None

    return gen(), planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("N", 100_000)))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--plant-every", type=int, default=100)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or default_url()
    )
    args = parser.parse_args()
    url = args.database_url
    from dankheo.appraisal.models import Commendation
    from dankheo.duplicates.backfill import find_duplicates
    from dankheo.duplicates.detection import check_exemplar, load_rows, verify
    from dankheo.registry.models import Exemplar

    t0 = time.perf_counter()
    if url.startswith("sqlite:///"):
        _reset_sqlite_file(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True}
    )
    unit_rows, camp_rows = build_structure(app)
    generated, planted = rows(
        args.rows, unit_rows, camp_rows, args.seed, args.plant_every
    )
    with app.app_context():
        tables = (Exemplar.__table__, Commendation.__table__)
        if url.startswith("sqlite"):
            load_sqlite(url, tables, generated)
        else:
            load_postgresql(tables, generated)
    backend = url.split("://")[0]
    print(
        f"{backend}: {args.rows:,} exemplars loaded in {time.perf_counter() - t0:.1f} s"
    )
    with app.app_context():
        first = find_duplicates()
        db.session.commit()
        again = find_duplicates()  # keys in place: the check alone
        db.session.commit()
        # Incremental: one exemplar as on submit (keys replaced, candidates, verify).
        ids = [b for _a, b, _k in planted[:20]]
        t = time.perf_counter()
        for i in ids:
            check_exemplar(db.session.get(Exemplar, i))
        db.session.commit()
        per_submit = (time.perf_counter() - t) / max(1, len(ids))
        # Planted pairs whose exact similarity reaches a threshold: the ones the
        # method promises to find (the rest were mutated below the thresholds).
        rows_ = load_rows({i for a, b, _k in planted for i in (a, b)})
        eligible = {(a, b) for a, b, _k in planted} & {
            (f.first_id, f.second_id)
            for f in verify([(a, b) for a, b, _k in planted], rows_)
        }
    s1, s2 = first.seconds, again.seconds
    found = set(again.pairs)
    recalled = sum(1 for a, b, _k in planted if (a, b) in found)
    recalled_eligible = len(eligible & found)
    print(
        f"  first run (index + check): index {s1['index']:.1f} s "
        f"({first.indexed:,} exemplars), join {s1['join']:.2f} s, "
        f"verify {s1['verify']:.2f} s, record {s1['record']:.2f} s"
    )
    print(
        f"  check (keys in place): {sum(s2.values()):.2f} s "
        f"(join {s2['join']:.2f} s, verify {s2['verify']:.2f} s, "
        f"{again.candidates:,} candidate pairs)"
    )
    print(f"  on submit: {per_submit * 1000:.0f} ms per exemplar")
    print(
        f"  pairs found: {len(found):,}; planted: {len(planted):,}; "
        f"recalled: {recalled:,} ({100 * recalled / max(1, len(planted)):.1f} %); "
        f"planted at or above a threshold: {len(eligible):,}, recalled "
        f"{recalled_eligible:,} ({100 * recalled_eligible / max(1, len(eligible)):.1f} %)"
    )


if __name__ == "__main__":
    main()
