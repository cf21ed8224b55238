"""Read-only JSON API (v1). Route modules register on ``bp``; CSRF does not apply (no
cookies write)."""

from ..showcase import pagecache
from . import campaigns, decisions, exemplars, spec  # noqa: F401  (their routes register on bp)
from .blueprint import bp

# The open data is the same for everyone: answers are kept like the showcase's pages.
pagecache.install(
    bp, ("campaigns", "campaign_funnel", "exemplars", "exemplar", "exemplar_decisions")
)

__all__ = ["bp"]
