"""One public entry, as its page and the API show it, read in few statements.

A million entries are each seldom asked for twice, so an entry's page is nearly always
a first render and every statement it runs is paid on nearly every visit. One
statement reads the entry with its unit, campaign and field, the name its unit had in
the campaign's year, its latest commendation with the form, the ids of its public
photos, and whether its page has anything to say about objections. The stages it
passed, each with how it was decided, are a second
(:func:`dankheo.verification.record.decision_record`). Objections are read only when
the first said there is something to read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from ..appraisal.models import Commendation
from ..campaigns.models import Campaign
from ..extensions import db
from ..objections.queries import (
    NO_OBJECTIONS,
    EntryObjections,
    entry_objections,
    objections_to_show,
)
from ..registry.models import Attachment, Exemplar
from ..units.history import unit_name_at_column
from .search import public_condition

#: Only these are ever served as a photo of a public entry.
PUBLIC_IMAGE_TYPES = ("image/jpeg", "image/png")

#: The photos of a public entry that may be shown: marked public, and an image.
PUBLIC_PHOTO = (
    Attachment.is_public.is_(True),
    Attachment.content_type.in_(PUBLIC_IMAGE_TYPES),
)


@dataclass(frozen=True)
class PublicEntry:
    """A public entry and what its page shows besides its own columns."""

    exemplar: Exemplar
    #: The name its unit had at the end of the campaign's year (it may since have
    #: been renamed or merged).
    unit_name: str
    #: Its latest commendation decision (annulled ones too: the page shows them
    #: struck through), if it was commended.
    commendation: Commendation | None
    photo_ids: tuple[int, ...]
    #: Objections received about it, or a list of its campaign in force whose window
    #: may be open for it: only then are they read (:meth:`objections`).
    objections_to_show: bool

    def objections(self) -> EntryObjections:
        """Its received objections and the list open for it, if any (none read when
        the entry's statement said there is nothing to show)."""
        if not self.objections_to_show:
            return NO_OBJECTIONS
        return entry_objections(self.exemplar)


_later = aliased(Commendation)
_LATEST_COMMENDATION = (
    select(func.max(_later.id))
    .where(_later.exemplar_id == Exemplar.id)
    .scalar_subquery()
)
# One text of ids ("3,8"): an aggregate, so the entry stays one row whatever it holds.
_PHOTO_IDS = (
    select(func.aggregate_strings(cast(Attachment.id, String), ","))
    .where(Attachment.exemplar_id == Exemplar.id, *PUBLIC_PHOTO)
    .scalar_subquery()
)

#: Built once: building a statement anew costs a fifth of the page.
_ONE_PUBLIC = (
    select(
        Exemplar,
        unit_name_at_column(Exemplar.unit_id, Campaign.year).label("unit_name"),
        Commendation,
        _PHOTO_IDS.label("photo_ids"),
        objections_to_show(Exemplar.id, Exemplar.campaign_id).label("objections"),
    )
    .join(Campaign, Campaign.id == Exemplar.campaign_id)
    .outerjoin(Commendation, Commendation.id == _LATEST_COMMENDATION)
    .where(Exemplar.id == bindparam("id"), public_condition())
    .options(
        contains_eager(Exemplar.campaign),
        joinedload(Exemplar.unit),
        joinedload(Exemplar.field),
        joinedload(Commendation.form),
    )
)


def find(exemplar_id: int) -> PublicEntry | None:
    """The entry when it is public, with what its page shows (one statement)."""
    row = db.session.execute(_ONE_PUBLIC, {"id": exemplar_id}).one_or_none()
    if row is None:
        return None
    exemplar, unit_name, commendation, photo_ids, to_show = row
    return PublicEntry(
        exemplar=exemplar,
        unit_name=unit_name,
        commendation=commendation,
        photo_ids=tuple(sorted(int(i) for i in photo_ids.split(",")))
        if photo_ids
        else (),
        objections_to_show=bool(to_show),
    )


def public_photo(attachment_id: int) -> Attachment | None:
    """A photo that may be served: public, an image, and its entry public."""
    return db.session.scalar(
        select(Attachment)
        .join(Exemplar, Exemplar.id == Attachment.exemplar_id)
        .where(Attachment.id == attachment_id, *PUBLIC_PHOTO, public_condition())
    )
