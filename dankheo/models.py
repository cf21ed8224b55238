"""Import every model module so that mappers and Alembic see the whole schema."""

from .appraisal import models as appraisal_models  # noqa: F401
from .auth.models import RoleAssignment, User  # noqa: F401
from .campaigns.models import Campaign, CommendationForm, Criterion, Field, Stage  # noqa: F401
from .registry.models import Attachment, Exemplar, History  # noqa: F401
from .units.models import Unit  # noqa: F401
