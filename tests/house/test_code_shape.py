"""The house rules a maintainer relies on, checked over the source tree (no app, no database).

- no function over 60 lines, no view (a function under ``@<bp>.route``/``.get``/``.post``) over 30;
- no function-level import of an ``evosync`` module unless a comment on that line names the cycle it breaks;
- no comment or docstring citing the spec, an issue or a document outside the repository (docs/ instead);
- ``evosync.catalog`` never imports ``evosync.sync``; the sync never imports the catalog's rule service.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "evosync"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MAX_FUNCTION = 60
MAX_VIEW = 30
VIEW_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
OUTSIDE_DOCS = re.compile(
    r"\bSPEC\b|\bissue \d+|reliability-targets|DESIGN\.md|shared/reference|\breference/"
)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _is_view(fn: ast.FunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr in VIEW_DECORATORS:
            return True
    return False


def _length(fn: ast.FunctionDef) -> int:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:] or body  # the docstring is documentation, not logic
    return (fn.end_lineno or fn.lineno) - body[0].lineno + 1


def test_no_long_functions_or_views():
    too_long = []
    for path in SOURCES:
        for fn in _functions(_tree(path)):
            limit = MAX_VIEW if _is_view(fn) else MAX_FUNCTION
            if _length(fn) > limit:
                too_long.append(f"{_rel(path)}:{fn.lineno} {fn.name} ({_length(fn)} > {limit} lines)")
    assert too_long == []


def test_function_level_imports_name_the_cycle_they_break():
    offenders = []
    for path in SOURCES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for fn in _functions(_tree(path)):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("evosync"):
                    line = lines[node.lineno - 1] + (lines[node.lineno - 2] if node.lineno > 1 else "")
                    if "cycle" not in line:
                        offenders.append(f"{_rel(path)}:{node.lineno} from {node.module}")
    assert offenders == []


def test_no_comment_cites_a_document_outside_the_repository():
    offenders = []
    for path in [*SOURCES, *sorted((PACKAGE / "templates").rglob("*.html"))]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE_DOCS.search(line):
                offenders.append(f"{_rel(path)}:{number} {line.strip()[:80]}")
    assert offenders == []


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("catalog", "evosync.sync"), ("sync", "evosync.catalog.service"), ("rules", "evosync.catalog")],
)
def test_dependencies_point_one_way(package, forbidden):
    offenders = [
        _rel(path)
        for path in sorted((PACKAGE / package).rglob("*.py"))
        if any(name == forbidden or name.startswith(forbidden + ".") for name in _imports(path))
    ]
    assert offenders == []


def test_rules_own_the_rule_rows_and_sync_has_sub_packages():
    from evosync.rules.models import SyncConfig, SyncFilter

    assert SyncFilter.__module__ == SyncConfig.__module__ == "evosync.rules.models"
    top = sorted(p.name for p in (PACKAGE / "sync").iterdir() if p.suffix == ".py")
    assert top == ["__init__.py"]
    assert {"config", "engine", "runs"} <= {p.name for p in (PACKAGE / "sync").iterdir() if p.is_dir()}
