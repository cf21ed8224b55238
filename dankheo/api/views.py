"""Read-only JSON API (v1). Route modules register on ``bp``; CSRF does not apply (no cookies write)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import campaigns, exemplars  # noqa: E402,F401  (routes)
