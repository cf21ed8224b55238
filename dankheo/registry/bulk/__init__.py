"""Bulk registration of exemplars from an Excel (.xlsx) or CSV file.

Every row is checked first, then all rows are written in one transaction, or none:

1. ``check``: the file is streamed (openpyxl read-only mode, or a CSV reader), the header
   row found under any title rows, each cell cleaned and each row validated; rows ready
   to insert are spooled to a temporary file, so memory holds one row, the duplicate
   keys and the first errors, never the whole file. Duplicates (same unit, same folded
   name, same campaign) are looked for in the file and in the database.
2. ``write``: the spooled rows go in with Core ``insert()`` in batches, in one
   transaction that the caller commits (the request, or the job below).

Errors carry the row number the user sees in Excel (the header and title rows count),
the column's Vietnamese header and a translatable message. Small files are checked and
written inside the request; larger ones run as a background job (:mod:`dankheo.jobs`)
whose progress the page polls.

Modules by concern: :mod:`.columns` (the file's layout and limits), :mod:`.reading`
(readers, header, cells), :mod:`.checking` (context, validation, duplicates),
:mod:`.writing` (insert), :mod:`.jobs` (staging, the job, the page's calls) and
:mod:`.template` (the file to fill in).
"""

from __future__ import annotations

from .checking import context_for, import_scopes
from .columns import COLUMNS
from .jobs import JOB_KIND, confirm_import, start_import
from .reading import detect_format
from .template import XLSX, write_template
from .writing import import_file

__all__ = [
    "COLUMNS",
    "JOB_KIND",
    "XLSX",
    "confirm_import",
    "context_for",
    "detect_format",
    "import_file",
    "import_scopes",
    "start_import",
    "write_template",
]
