"""Operations on a dossier's attachments: add a checked file, remove one. Like every
operation they flush and never commit (the file is removed if the row never is)."""

from __future__ import annotations

import logging

from ..auth.models import User
from ..domain.enums import AttachmentKind
from ..extensions import db
from .deadlines import check_editable
from .models import Attachment, Exemplar
from .uploads import delete_stored, store_upload

log = logging.getLogger(__name__)


def add_attachment(
    exemplar: Exemplar,
    *,
    actor: User | None,
    stream,
    filename: str | None,
    kind: str = AttachmentKind.OTHER,
    is_public: bool = False,
) -> Attachment:
    """Attach a checked file to an editable dossier (raises UploadError on bad files)."""
    check_editable(exemplar)
    if is_public and kind != AttachmentKind.PHOTO:
        is_public = False  # only photos are ever shown to the public
    # The bytes are stored before the row is committed, and go if it never is.
    stored = store_upload(stream, filename)
    attachment = Attachment(
        exemplar=exemplar,
        kind=AttachmentKind(kind).value,
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        is_public=is_public,
        uploaded_by=actor,
    )
    db.session.add(attachment)
    db.session.flush()
    log.info(
        "attachment %s added to exemplar %s by user %s",
        attachment.id,
        exemplar.id,
        actor.id if actor else None,
    )
    return attachment


def remove_attachment(attachment: Attachment, *, actor: User | None) -> None:
    """Remove an attachment from an editable dossier (the file is deleted after commit)."""
    check_editable(attachment.exemplar)
    stored_name = attachment.stored_name
    exemplar_id = attachment.exemplar_id
    db.session.delete(attachment)
    db.session.flush()
    delete_stored(stored_name)
    log.info(
        "attachment %s removed from exemplar %s by user %s",
        attachment.id,
        exemplar_id,
        actor.id if actor else None,
    )
