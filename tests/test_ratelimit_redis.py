"""Login rate limits are shared between processes through Redis (the scale-out set-up:
several gunicorn workers). Each process here is a separate Python interpreter with its
own app, as gunicorn workers are; together they exhaust one shared budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from .redis_required import redis_or_skip

REDIS = os.environ.get("DANKHEO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent

WORKER = textwrap.dedent(
    """
    import json, sys
    from dankheo import create_app
    from dankheo.extensions import db
    from dankheo.schema import create_schema

    url, prefix, tries, folder = sys.argv[1:5]
    app = create_app({
        "SECRET_KEY": "w", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3",
        "UPLOAD_FOLDER": folder,
        "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_LOGIN": "3 per minute", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        create_schema(db.engine)
    client = app.test_client()
    codes = [client.post("/auth/login", data={"login": "ai-do", "password": "sai"}).status_code
             for _ in range(int(tries))]
    print(json.dumps(codes))
    """
)


def test_two_processes_share_one_login_budget(tmp_path):
    redis_or_skip(REDIS).close()
    prefix = f"dankheo-test-{uuid.uuid4().hex[:8]}"

    def worker(tries: int, name: str) -> list[int]:
        folder = tmp_path / name
        folder.mkdir()
        out = subprocess.run(
            [sys.executable, "-c", WORKER, REDIS, prefix, str(tries), str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = worker(2, "a")
    second = worker(2, "b")
    assert first == [401, 401]
    # The second worker has made only two attempts, but the budget of three is shared.
    assert second == [401, 429]
