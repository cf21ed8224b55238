"""Duplicate and recycled nominations: near-identical exemplars of two units in one
campaign, or of one unit registered again as new in a later year, flagged to the
secretariat and shown to the council. The method is in
:mod:`dankheo.domain.similarity`; detection in :mod:`.detection`."""

from __future__ import annotations

from typing import Any

from ..registry.signals import exemplar_submitted


def on_exemplar_submitted(exemplar: Any, **_extra: Any) -> None:
    """Receiver of :data:`~dankheo.registry.signals.exemplar_submitted`."""
    from .detection import check_exemplar

    check_exemplar(exemplar)


exemplar_submitted.connect(on_exemplar_submitted)
