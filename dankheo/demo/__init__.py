"""Deterministic demo data. ``run_preset(name, seed, echo)`` builds one preset and returns
the lines of its report (accounts and passwords, counts)."""

from __future__ import annotations

from collections.abc import Callable


def run_preset(
    name: str, *, seed: int, echo: Callable[[str], None] = print
) -> list[str]:
    if name == "province":
        from .province import build_province

        return build_province(seed=seed, echo=echo)
    if name == "quang-ninh":
        from .quang_ninh import build_quang_ninh

        return build_quang_ninh(seed=seed, echo=echo)
    raise ValueError(name)
