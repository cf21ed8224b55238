"""The secretariat's pages: campaigns, units, users (stages, councils and commendations
live in the appraisal blueprint and are linked from the dashboard)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
