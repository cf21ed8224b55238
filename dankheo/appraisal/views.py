"""The appraisal blueprint. Its pages live in modules by audience and concern:

* :mod:`.workspace` — council members and chairs: queue, tally, rounds, returns,
  minutes;
* :mod:`.dossier` — a council member's dossier, its attachments and the vote;
* :mod:`.manage` — the secretariat: stages, rubrics, councils, members, commendations
  and replication.

Every view follows the request lifecycle (:mod:`dankheo.lifecycle`): load, check
permission, validate, declare the error page, call one operation, flash, redirect.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")

# The page modules register their routes on ``bp`` when imported.
from . import dossier, manage, workspace  # noqa: E402, F401
