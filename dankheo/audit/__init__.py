"""The audit log of secretariat and administrator actions, and tamper-evident
hash chains over it and over the exemplars' history.

Importing the package attaches the session listeners (see :mod:`.recording`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..campaigns.signals import campaign_status_changed
from ..registry.signals import exemplars_imported
from . import models  # noqa: F401  (register the tables)
from .recording import (
    install,
    on_campaign_status_changed,
    on_exemplars_imported,
    record_event,
)

install(Session)
exemplars_imported.connect(on_exemplars_imported)
campaign_status_changed.connect(on_campaign_status_changed)

__all__ = ["record_event"]
