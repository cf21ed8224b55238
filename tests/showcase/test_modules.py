"""The showcase and the API import no module that imports them back, and the schema
set-up depends on no package (packages register their extra DDL with it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import dankheo

PACKAGE = Path(dankheo.__file__).resolve().parent
OURS = ("dankheo.showcase", "dankheo.api", "dankheo.schema")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """First-party modules imported at module level (imports inside functions run
    later and cannot make an import cycle)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules else base)
    return {m for m in found if m in modules and m != name}


def test_no_import_cycle_through_the_showcase_or_the_api():
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: _imports(path, set(files)) for name, path in files.items()}

    def reaches(start: str, goal: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == goal:
                    return [*trail, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
        return None

    cycles = [
        cycle
        for name in graph
        if name.startswith(OURS) and (cycle := reaches(name, name)) is not None
    ]
    assert not cycles


def test_schema_imports_no_package_and_the_models_register_the_search_index():
    code = (
        "import sys, dankheo.schema\n"
        "assert not [m for m in sys.modules if m.startswith("
        "('dankheo.showcase', 'dankheo.models', 'dankheo.registry'))]\n"
        "import dankheo.models\n"
        "from dankheo.schema import EXTRA_DDL\n"
        "from dankheo.showcase.search import create_search_objects\n"
        "assert create_search_objects in [c for c, _d, _a in EXTRA_DDL]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
