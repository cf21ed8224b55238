"""The appraisal blueprint. Its pages live in two modules by audience:

* :mod:`.workspace` — council members and chairs: queue, dossier and vote, tally,
  rounds, returns, minutes;
* :mod:`.manage` — the secretariat: stages, rubrics, councils, members, commendations
  and replication.

Every view follows the request lifecycle (:mod:`dankheo.lifecycle`): load, check
permission, validate, declare the error page, call one operation, flash, redirect.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")

# The page modules register their routes on ``bp`` when imported.
from . import manage, workspace  # noqa: E402, F401
