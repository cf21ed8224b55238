"""Assemble the whole schema: import every model module, so that mappers and Alembic
see every table, and every package that registers extra DDL with
:func:`dankheo.schema.register_extra`, so that ``install_extra`` creates it."""

from . import tallies  # noqa: F401  (summary tables)
from .appraisal import models as appraisal_models  # noqa: F401
from .appraisal import snapshots as appraisal_snapshots  # noqa: F401
from .auth import recovery  # noqa: F401  (account tokens)
from .auth.models import RoleAssignment, User  # noqa: F401
from .campaigns.models import Campaign, CommendationForm, Criterion, Field, Stage  # noqa: F401
from .coverage.models import RegistrationExpectation  # noqa: F401
from .duplicates import models as duplicates_models  # noqa: F401
from .files import models as files_models  # noqa: F401  (database file store)
from .lists.models import IssuedList  # noqa: F401
from .notifications import models as notification_models  # noqa: F401
from .objections import audited as objection_audited  # noqa: F401  (its audit spec)
from .objections import models as objection_models  # noqa: F401
from .registry.models import Attachment, Exemplar, History  # noqa: F401
from .showcase import search as showcase_search  # noqa: F401  (search index DDL)
from .units.models import Unit, UnitVersion  # noqa: F401
