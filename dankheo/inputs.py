"""The input gate: every text value entering the product passes through here first.

Query-string parameters and form fields are cleaned as the request parses them (the
request class below), JSON bodies when a view reads them, imported spreadsheet cells
when :mod:`dankheo.units.imports` reads them. Nothing downstream (forms, operations,
queries) sees a value that did not pass.

The rules, and why:

- **Unicode NFC.** "ệ" typed as one character or as "e" plus two combining marks is
  the same word: search, uniqueness and sorting need one spelling.
- **NUL (U+0000) is refused**, with a 400 naming the parameter, before any view runs.
  No keyboard types it; PostgreSQL cannot store it (a 500 before this gate); a value
  carrying it is an attack or a broken client, and silently changing it would hide that.
- **Invisible characters are removed**, because nobody can type them and they come
  from pasted text: C0 controls other than tab and line feed, DEL, the C1 controls
  (U+0080–U+009F), bidirectional embeddings, overrides, isolates and marks
  (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C: they reverse titles on
  screen), zero-width space, word joiner and invisible operators (U+200B,
  U+2060–U+2064), the byte-order mark (U+FEFF), interlinear annotation marks
  (U+FFF9–U+FFFB), non-characters (U+FDD0–U+FDEF, U+FFFE, U+FFFF) and lone surrogates
  (JSON can carry them; no database encoding can). Zero-width joiner and non-joiner
  stay: they are part of emoji and of some scripts' spelling.
- **Line ends**: CR LF, a lone CR and U+2028/U+2029 become LF. Form fields, JSON and
  query-string parameters keep tabs and line feeds (text areas are multi-line, and a
  GET form such as the official list's header has text areas too); imported cells
  and file names are single-line, so there they become a space.
- **Lengths are bounded**: a form or JSON value at most :data:`MAX_FORM_VALUE`
  characters, a query-string value :data:`MAX_ARG_VALUE`, a URL :data:`MAX_URL`
  (longer gives 414). A longer value is refused (400); each form's own validators keep
  the column's length.
- **Passwords are kept verbatim** (fields in :data:`VERBATIM_FIELDS`): they are hashed,
  never shown or stored as text, and normalising them now would lock out an account
  whose password was set in another normal form. NUL is still refused.
- **Uploaded file names** are cleaned like single-line text and cut to their last
  path component ("../../etc/passwd" is "passwd").

A refused value does not raise while the request parses (error pages read the query
string too): the request remembers it, the gate's ``before_request`` raises it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask import Flask, Request, abort, request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.sansio.request import Request as SansioRequest
from werkzeug.utils import cached_property

from .domain import N_
from .errors import InvalidInput

#: Longest form field or JSON string, in characters (the longest text area is 20,000).
MAX_FORM_VALUE = 100_000
#: Longest query-string value, in characters.
MAX_ARG_VALUE = 2_000
#: Longest path plus query string, in bytes; gunicorn's own limit is 4094.
MAX_URL = 8_192
#: Form fields kept as typed (hashed, never stored as text): see the module docstring.
VERBATIM_FIELDS = frozenset({"password", "current", "new", "confirm"})

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
    "\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
)
_LINE_END = re.compile("\r\n?|[\u2028\u2029]")
_SINGLE_LINE = re.compile("[\t\n]")

NUL_MESSAGE = N_("Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL).")
NUL_NAMED = N_("Tham số %(name)s chứa ký tự không hợp lệ (NUL).")
TOO_LONG_MESSAGE = N_("Nội dung quá dài (tối đa %(max)s ký tự).")
TOO_LONG_NAMED = N_("Tham số %(name)s quá dài (tối đa %(max)s ký tự).")


def clean_text(value: str, *, multiline: bool = True) -> str:
    """``value`` in NFC with the invisible characters removed and line ends unified.

    Never raises: NUL is removed here too, so a value is always safe to show or store;
    :func:`refusal` says whether it should have been refused instead."""
    value = _LINE_END.sub("\n", value)
    value = _INVISIBLE.sub("", value)
    if not multiline:
        value = _SINGLE_LINE.sub(" ", value)
    # NFC last: removing a mark between two letters can make a new composition.
    return unicodedata.normalize("NFC", value)


def refusal(value: str, *, name: str | None, limit: int) -> InvalidInput | None:
    """The error a raw ``value`` earns (NUL, too long), or None."""
    if "\x00" in value:
        if name:
            return InvalidInput(NUL_NAMED, field=name, name=name)
        return InvalidInput(NUL_MESSAGE)
    if len(value) > limit:
        # A plain number: this runs while the request parses, before its language is known.
        if name:
            return InvalidInput(TOO_LONG_NAMED, field=name, name=name, max=limit)
        return InvalidInput(TOO_LONG_MESSAGE, max=limit)
    return None


def gate(
    value: str,
    *,
    name: str | None = None,
    multiline: bool = True,
    limit: int = MAX_FORM_VALUE,
) -> str:
    """The cleaned ``value``, or :class:`InvalidInput` naming ``name`` when refused."""
    error = refusal(value, name=name, limit=limit)
    if error is not None:
        raise error
    return clean_text(value, multiline=multiline)


def gate_cell(
    value: Any, *, limit: int = MAX_ARG_VALUE
) -> tuple[str, InvalidInput | None]:
    """An imported spreadsheet cell as single-line text, and the refusal it earns."""
    text = "" if value is None else str(value)
    return clean_text(text, multiline=False).strip(), refusal(
        text, name=None, limit=limit
    )


def gate_json(value: Any, *, name: str = "") -> Any:
    """A parsed JSON document with every key and string through :func:`gate`; refuses
    (``InvalidInput`` naming the JSON path) a NUL or a string too long."""
    if isinstance(value, str):
        return gate(value, name=name or None)
    if isinstance(value, list):
        return [gate_json(v, name=f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            clean_key = gate(key, name=name or None, multiline=False)
            path = f"{name}.{clean_key}" if name else clean_key
            out[clean_key] = gate_json(item, name=path)
        return out
    return value


def file_name(name: str | None) -> str | None:
    """An uploaded file's name: single-line clean text, last path component only."""
    if name is None:
        return None
    cleaned = clean_text(name, multiline=False).replace("\\", "/")
    return cleaned.rsplit("/", 1)[-1].strip()


class GatedRequest(Request):
    """Flask's request whose ``args``, ``form`` (hence ``values``), ``files`` names and
    ``get_json()`` pass through the gate. :attr:`refused` holds the first refusal."""

    refused: InvalidInput | None = None

    def _note(self, error: InvalidInput | None) -> None:
        if error is not None and self.refused is None:
            self.refused = error

    def _gated(
        self, raw: MultiDict[str, Any], *, multiline: bool, limit: int
    ) -> MultiDict[str, Any]:
        pairs: list[tuple[str, Any]] = []
        for key, values in raw.lists():
            self._note(refusal(key, name=None, limit=MAX_ARG_VALUE))
            name = clean_text(key, multiline=False)
            for value in values:
                if isinstance(value, str):
                    self._note(refusal(value, name=name, limit=limit))
                    if name not in VERBATIM_FIELDS or not multiline:
                        value = clean_text(value, multiline=multiline)
                elif isinstance(value, FileStorage):
                    value.filename = file_name(value.filename)
                pairs.append((name, value))
        return self.parameter_storage_class(pairs)

    @cached_property
    def args(self) -> MultiDict[str, str]:
        # werkzeug types class access to a cached_property as its value, not itself.
        raw = SansioRequest.args.fget(self)  # type: ignore[attr-defined]
        return self._gated(raw, multiline=True, limit=MAX_ARG_VALUE)

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        d = self.__dict__
        d["form"] = self._gated(d["form"], multiline=True, limit=MAX_FORM_VALUE)
        d["files"] = self._gated(d["files"], multiline=False, limit=MAX_ARG_VALUE)

    def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> Any:
        data = super().get_json(force=force, silent=silent, cache=cache)
        return gate_json(data)


def _check_request() -> None:
    """Refuse what the gate refused, before any view (or CSRF check) reads it."""
    if len(request.path) + len(request.query_string) > MAX_URL:
        abort(414)
    # Parse now, so that a refused value stops the request here.
    request.args  # noqa: B018
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        request.form  # noqa: B018
    refused = getattr(request, "refused", None)
    if refused is not None:
        raise refused


def init_app(app: Flask) -> None:
    """Install the gate: the request class, the number and date limits of every form
    field, and the check that runs before anything else reads the request."""
    from .forms_common import install_field_limits

    app.request_class = GatedRequest
    install_field_limits()
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)


__all__ = [
    "GatedRequest",
    "clean_text",
    "file_name",
    "gate",
    "gate_cell",
    "gate_json",
    "init_app",
    "refusal",
]
