"""Read-only JSON API (v1). Route modules register on ``bp``; CSRF does not apply (no
cookies write)."""

from . import campaigns, decisions, exemplars, spec  # noqa: F401  (their routes register on bp)
from .blueprint import bp

__all__ = ["bp"]
