"""Which columns name a file of the attachments' store: a dossier's attachments and an
objection's evidence file share the store. The storage check counts a file named by any
of them as referenced, and the backup lists all of them; a new column naming a file of
that store is added here, once.

Tables and columns are named, not imported, so the backup can read a copy of the
database (and an older schema) without the models.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

#: (table, primary key, column naming the stored file) for every reference.
ATTACHMENT_REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("attachments", "id", "stored_name"),
    ("objections", "id", "file_stored_name"),
)


def referenced_names(
    conn: Connection, *, only: str | None = None, skip_area: str | None = None
) -> list[tuple[str, str]]:
    """(owner as ``table.id``, stored name) of every reference, by table then id.

    ``only``: just the references naming this key. ``skip_area``: leave out the files
    kept in ``stored_files`` under that area (they travel with the database). Tables
    the schema does not have yet are skipped.
    """
    tables = inspect(conn)
    db_store = skip_area is not None and tables.has_table("stored_files")
    out: list[tuple[str, str]] = []
    for table, pk, column in ATTACHMENT_REFERENCES:
        if not tables.has_table(table):
            continue
        sql = f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL"
        sql += f" AND {column} <> ''"
        params: dict[str, str] = {}
        if only is not None:
            sql += f" AND {column} = :key"
            params["key"] = only
        if db_store:
            sql += (
                " AND NOT EXISTS (SELECT 1 FROM stored_files f WHERE "
                f"f.area = :area AND f.key = {table}.{column})"
            )
            params["area"] = str(skip_area)
        rows = conn.execute(text(sql + f" ORDER BY {pk}"), params)
        out += [(f"{table}.{r[0]}", str(r[1])) for r in rows]
    return out
