"""How the audit log follows objections (declared here, so the audit package needs no
import of this one: objections reach the secretariat's corrections, which reach admin)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..audit.audited import audited, name_of
from ..domain import N_
from ..registry.models import Exemplar
from .models import Objection


def _objection_verb(action: str, changes: dict[str, list[Any]]) -> str:
    if action == "created":
        return "objection_lodged"
    state = changes.get("state")
    if action == "updated" and state:
        return {
            "received": "objection_received",
            "reviewing": "objection_reviewing",
            "decided": "objection_decided",
        }.get(str(state[1]), action)
    return action


audited(
    Objection,
    N_("Phản ánh, kiến nghị"),
    type="objection",
    label=lambda s, o: f"#{o.id} — {name_of(s, Exemplar, o.exemplar_id)}",
    # The entry's unit now (an entry moves with a merge of units).
    unit_id=lambda s, o: s.scalar(
        select(Exemplar.unit_id).where(Exemplar.id == o.exemplar_id)
    ),
    exemplar_id=lambda o: o.exemplar_id,
    # Who objected stays with the secretariat's queue, never copied anywhere: neither
    # the address, the account, the file's own name, nor the actor of the lodging.
    exclude=frozenset(
        {"email", "user_id", "token_hash", "token_expires_at", "file_name"}
    ),
    anonymous=frozenset({"created"}),
    verb=_objection_verb,
)
