"""What the registry tells other packages, so they react without being imported here.

``exemplar_withdrawn`` is sent by :func:`dankheo.registry.operations.withdraw_exemplar`
with ``sender=exemplar`` and the keyword ``actor`` (the user, or ``None`` for the
system), synchronously and inside the same transaction: a receiver changes rows with
the session and never commits; if it raises, the withdrawal is refused and everything
rolls back. It is sent once the withdrawal is allowed and just before the state
changes, so ``exemplar.stage_id`` is still the stage it is taken back from.

A receiver may return a short Vietnamese sentence for the withdrawal's history note
(e.g. how many ballots it discarded), or ``None``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: An exemplar goes back from the first stage to its unit as a draft.
exemplar_withdrawn = _signals.signal("exemplar-withdrawn")

#: An exemplar was submitted or resubmitted (``sender=exemplar``, keyword ``actor``),
#: inside the same transaction, after its state changed: the duplicate check indexes
#: and compares it there.
exemplar_submitted = _signals.signal("exemplar-submitted")

#: A bulk import wrote ``count`` exemplars into the campaign ``sender`` with Core
#: inserts (no ORM events fire for them); sent inside the writing transaction.
exemplars_imported = _signals.signal("exemplars-imported")
