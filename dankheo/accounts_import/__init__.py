"""Accounts from an Excel (.xlsx) or CSV file: the secretariat creates unit officers
and council members (and an administrator, administrators) in bulk.

Every row is checked first (unit in the importer's scope, role the importer may give
and sensible for the unit, user name and e-mail valid and unique in the file and in
the database, compared case-folded), the preview shows the errors by Excel row, and
once confirmed a job hashes a generated password for each account and writes them
all in one transaction, or none. The passwords go into a password file the importer
downloads once; the accounts must change them at first login.

Modules by concern: :mod:`.columns` (layout, roles, limits), :mod:`.checking`
(context, validation, duplicates), :mod:`.writing` (passwords, insert, audit, the
password file), :mod:`.jobs` (staging, the job, the page's calls) and
:mod:`.template` (the file to fill in). Reading the file is the bulk registration
import's (:mod:`dankheo.registry.bulk.reading`).
"""

from __future__ import annotations

from .checking import context_for
from .columns import COLUMNS
from .jobs import JOB_KIND, confirm_import, start_import, take_password_file
from .template import write_template
from .writing import import_accounts, password_file

__all__ = [
    "COLUMNS",
    "JOB_KIND",
    "confirm_import",
    "context_for",
    "import_accounts",
    "password_file",
    "start_import",
    "take_password_file",
    "write_template",
]
