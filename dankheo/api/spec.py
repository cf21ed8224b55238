"""The OpenAPI document and request validation, both from the models of
:mod:`dankheo.api.schemas`, through spectree.

Each view declares its query model and response models with :func:`operation`;
spectree validates the query string before the view runs, serialises the model the
view returns, and lists the route, its parameters and its responses in the document.
A refused parameter becomes :class:`~dankheo.errors.InvalidInput` naming it, which
the request lifecycle answers as a JSON problem document (400).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError
from spectree import Response, SpecTree

from ..domain import N_
from ..errors import InvalidInput
from .blueprint import bp
from .schemas import Problem

DESCRIPTION = (
    "API chỉ đọc về các mô hình, điển hình “Dân vận khéo” được đề nghị khen "
    "thưởng, được khen thưởng và nhân rộng, và phễu thi đua của từng đợt. "
    "Không cần đăng nhập. Tìm kiếm không phân biệt dấu (đ = d). Tham số để trống "
    "coi như không có; tham số không hợp lệ được trả lời 400, `parameter` nêu tên "
    "tham số."
)

spec = SpecTree(
    "flask",
    title="Dân vận khéo — dữ liệu mở",
    version="1.0.0",
    description=DESCRIPTION,
    # Only the routes declared with ``operation`` (the JSON API) are documented.
    mode="strict",
    # No documentation pages: they load scripts from elsewhere (the CSP forbids it).
    page_templates={},
    annotations=False,
    validation_error_status=400,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

#: Messages of a refused parameter, by pydantic error type.
RANGE = N_("Tham số %(name)s phải là số nguyên từ %(low)s đến %(high)s.")
CHOICE = N_("Tham số %(name)s phải là một trong: %(choices)s.")
TOO_LONG = N_("Tham số %(name)s dài quá %(limit)s ký tự.")
CONTROL = N_("Tham số %(name)s chứa ký tự điều khiển.")
CURSOR = N_("Tham số %(name)s không phải giá trị `next` của một trang có cùng thứ tự.")
ONE_VALUE = N_("Tham số %(name)s không hợp lệ (chỉ được có một giá trị).")
INVALID = N_("Tham số %(name)s không hợp lệ.")

_INTEGER_ERRORS = frozenset(
    {
        "int_parsing",
        "int_type",
        "int_from_float",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    }
)


@cache
def _parameters(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """The documented schema of each parameter (bounds and choices for messages)."""
    properties: dict[str, dict[str, Any]] = model.model_json_schema()["properties"]
    return properties


def refusal(model: type[BaseModel], error: ValidationError) -> InvalidInput:
    """The first refused parameter of ``error`` as a domain error naming it, with a
    message built from the parameter's declared bounds or choices."""
    first = error.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    schema = _parameters(model).get(name, {})
    kind = first["type"]
    if isinstance(first.get("input"), list):  # ?limit=1&limit=2
        return InvalidInput(ONE_VALUE, field=name, name=name)
    if kind in _INTEGER_ERRORS and "maximum" in schema:
        return InvalidInput(
            RANGE,
            field=name,
            name=name,
            low=schema.get("minimum", 0),
            high=schema["maximum"],
        )
    if kind == "literal_error" and "enum" in schema:
        return InvalidInput(
            CHOICE, field=name, name=name, choices=", ".join(schema["enum"])
        )
    if kind == "string_too_long":
        return InvalidInput(TOO_LONG, field=name, name=name, limit=schema["maxLength"])
    if kind == "string_pattern_mismatch":
        return InvalidInput(CONTROL, field=name, name=name)
    if kind == "cursor":
        return InvalidInput(CURSOR, field=name, name=name)
    return InvalidInput(INVALID, field=name, name=name)


def operation(
    operation_id: str,
    *,
    ok: type[BaseModel],
    query: type[BaseModel] | None = None,
    not_found: str | None = None,
    path: dict[str, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a JSON API route: its query model, its answer and its refusals.

    The view's docstring (Vietnamese, up to a form feed) is its summary in the
    document. A view with a ``query`` model receives the validated model as
    ``query``."""
    responses: dict[str, Any] = {"HTTP_200": ok}
    if not_found is not None:
        responses["HTTP_404"] = (Problem, not_found)
    responses["HTTP_400"] = (
        Problem,
        "Tham số không hợp lệ (giá trị sai kiểu, ngoài khoảng, không có trong danh "
        "sách, có ký tự điều khiển, hoặc con trỏ hỏng); `parameter` nêu tên tham số.",
    )

    def before(
        _req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any
    ) -> None:
        if isinstance(error, ValidationError) and query is not None:
            raise refusal(query, error)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def run(*args: Any, **kwargs: Any) -> Any:
            if query is not None:
                kwargs["query"] = request.context.query  # type: ignore[attr-defined]
            return view(*args, **kwargs)

        return spec.validate(
            query=query,
            resp=Response(**responses),
            before=before,
            operation_id=operation_id,
            path_parameter_descriptions=path,
        )(run)

    return decorate


@cache
def _document() -> dict[str, Any]:
    """spectree's document, with refusals under the media type they are sent with
    (``application/problem+json``, see :func:`dankheo.lifecycle.problem`)."""
    doc = copy.deepcopy(spec.spec)
    for operations in doc["paths"].values():
        for op in operations.values():
            for status, answer in op["responses"].items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content["application/problem+json"] = content.pop(
                        "application/json"
                    )
    return doc


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document, generated from the declared routes and models."""
    return {**_document(), "servers": [{"url": request.host_url.rstrip("/")}]}
