"""What the campaigns package tells others, so they react without being imported here.

``campaign_status_changed`` is sent by :func:`dankheo.campaigns.lifecycle.change_status`
with ``sender=campaign`` and the keywords ``action``, ``from_status``, ``to_status``,
``reason`` (the secretariat's words, required when reopening) and ``actor``, inside the
same transaction. The audit log records it, reason included.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

campaign_status_changed = _signals.signal("campaign-status-changed")
