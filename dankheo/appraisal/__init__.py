"""Appraisal: councils vote on the exemplars at each stage of a campaign.

Modules by concern: :mod:`.setup` (stages, rubrics), :mod:`.councils` (councils,
members, opening rounds), :mod:`.recusal` (who judges what), :mod:`.voting` (votes,
returns), :mod:`.closing` (tally and close), :mod:`.commendations` (commendations,
replication); :mod:`.workspace`, :mod:`.dossier` and :mod:`.manage` hold the
council's and the secretariat's pages.

Appraisal listens to the registry instead of being called by it: when a unit withdraws
an exemplar, the open-round votes on it are discarded (:func:`.voting.discard_open_votes`).
"""

from __future__ import annotations

from ..registry.signals import exemplar_withdrawn
from .voting import on_exemplar_withdrawn

# A strong reference: the receiver is a module-level function that lives as long as the
# app does.
exemplar_withdrawn.connect(on_exemplar_withdrawn)
