"""Framework-free rules of dankheo: no Flask or SQLAlchemy imports here (a test checks).

The words used for the product's ideas, Vietnamese and English, are in ``GLOSSARY.md``
next to this file: one word per idea across code, URLs, templates and tests.
"""


def N_(message: str) -> str:
    """Mark a label for translation; the templates and views translate it at render time."""
    return message
