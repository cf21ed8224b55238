"""Lighthouse's four scores on the main public pages, on the demo province, served as
deployed (gunicorn on loopback). Never part of the test suite.

    .venv/bin/python bench/lighthouse.py               # mobile (Lighthouse's default)
    .venv/bin/python bench/lighthouse.py --desktop     # desktop preset
    .venv/bin/python bench/lighthouse.py --min 95      # exit 1 when a score is lower

Builds the demo province in a fresh SQLite file (or uses ``--database-url``), starts the
app on a free port and runs Lighthouse (``npx lighthouse``, pinned below) with Debian's
chromium (``CHROME_PATH`` or the ``chromium`` on PATH): no browser is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LIGHTHOUSE = "lighthouse@13.5.0"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as resp:
        return resp.read().decode("utf-8")


@contextmanager
def serve(env: dict[str, str], port: int):
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.2)
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def pages(base: str) -> dict[str, str]:
    """The pages measured; the detail page is the first entry the showcase lists."""
    listing = get(base + "/showcase")
    detail = re.search(r'href="(/showcase/\d+-[^"]+)"', listing)
    if detail is None:
        raise SystemExit("the showcase lists no entry: is the demo loaded?")
    return {
        "home": "/",
        "showcase": "/showcase",
        "showcase?q": "/showcase?q=dan+van+kheo",
        "detail": detail.group(1),
        "stats": "/stats",
        "login": "/auth/login",
    }


def lighthouse(url: str, chrome: str, desktop: bool) -> dict[str, int]:
    argv = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        "--only-categories=" + ",".join(CATEGORIES),
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if desktop:
        argv.append("--preset=desktop")
    out = subprocess.run(
        argv,
        env={**os.environ, "CHROME_PATH": chrome},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    report = json.loads(out)
    failing = [
        a["id"]
        for a in report["audits"].values()
        if a.get("score") is not None
        and a["score"] < 0.9
        and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]
    scores = {c: round(100 * report["categories"][c]["score"]) for c in CATEGORIES}
    scores["_failing"] = failing  # type: ignore[assignment]
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desktop", action="store_true")
    parser.add_argument("--database-url", help="an already loaded database")
    parser.add_argument("--min", type=int, default=0, help="lowest score accepted")
    parser.add_argument("--verbose", action="store_true", help="list failing audits")
    args = parser.parse_args()
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not chrome:
        raise SystemExit("chromium not found (apt-get install chromium)")

    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        env = {
            "DANKHEO_DATABASE_URL": args.database_url or f"sqlite:///{tmp}/demo.db",
            "DANKHEO_UPLOAD_FOLDER": f"{tmp}/uploads",
            "DANKHEO_SECRET_KEY": "lighthouse-only",
        }
        if not args.database_url:
            flask = [str(BIN / "flask"), "--app", "app"]
            run = {"env": {**os.environ, **env}, "cwd": ROOT, "check": True}
            subprocess.run([*flask, "db", "upgrade"], capture_output=True, **run)
            subprocess.run([*flask, "seed-demo"], capture_output=True, **run)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        worst = 100
        with serve(env, port):
            print(
                f"Lighthouse {LIGHTHOUSE.split('@')[1]}, {'desktop' if args.desktop else 'mobile'}"
            )
            print("| page | performance | accessibility | best practices | SEO |")
            print("|---|---:|---:|---:|---:|")
            for label, path in pages(base).items():
                s = lighthouse(base + path, chrome, args.desktop)
                worst = min([worst] + [s[c] for c in CATEGORIES])
                print(
                    f"| {label} | " + " | ".join(str(s[c]) for c in CATEGORIES) + " |"
                )
                if args.verbose and s["_failing"]:
                    print("    below 0.9:", ", ".join(s["_failing"]))
                sys.stdout.flush()
    return 1 if worst < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
