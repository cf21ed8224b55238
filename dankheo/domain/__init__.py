"""Framework-free rules of dankheo: no Flask or SQLAlchemy imports here (a test checks)."""


def N_(message: str) -> str:
    """Mark a label for translation; the templates and views translate it at render time."""
    return message
