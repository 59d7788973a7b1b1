"""The shape of the package: no private names across modules, no import cycles, small rooms."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gridgis"
MAX_CODE_LINES = 700


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, name: str | None) -> str:
    """Return the gridgis module an import refers to (a submodule if ``name`` is one)."""
    if name and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """Every gridgis import in a file, at any depth: (module, name or None, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "gridgis":
                found += [(node.module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, None, node.lineno)
                for alias in node.names
                if alias.name.split(".")[0] == "gridgis"
            ]
    return found


def _code_lines(path: Path) -> int:
    """Lines holding code: no blank lines, comments or docstrings."""
    source = path.read_text(encoding="utf-8")
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENCODING,
            tokenize.ENDMARKER,
        ):
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def test_no_module_imports_another_modules_private_names() -> None:
    crossing = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: {name} from {imported}"
        for module, path in MODULES.items()
        for imported, name, line in _imports(path)
        if name
        and name.startswith("_")
        and not name.startswith("__")
        and _resolve(imported, name) != module
    ]
    assert crossing == []


def test_there_is_no_import_cycle() -> None:
    graph = {
        module: {
            _resolve(imported, name)
            for imported, name, _ in _imports(path)
            if _resolve(imported, name) in MODULES and _resolve(imported, name) != module
        }
        for module, path in MODULES.items()
    }
    # A package's __init__ may re-export its submodules, and they may be
    # imported through it; that is not a cycle between rooms.
    for module in graph:
        graph[module] = {
            target
            for target in graph[module]
            if not (target.startswith(module + ".") or module.startswith(target + "."))
        }
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_is_a_room_of_one_job(module: str) -> None:
    path = MODULES[module]
    assert _code_lines(path) <= MAX_CODE_LINES, f"{path.name}: {_code_lines(path)} code lines"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{module} says nowhere what it is for"


def test_nothing_points_outside_the_repository() -> None:
    outside = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in [
            *PACKAGE.rglob("*.py"),
            *(PACKAGE.parent / "tests").rglob("*.py"),
            *(PACKAGE.parent / "scripts").rglob("*.py"),
            *(PACKAGE.parent / "docs").rglob("*.md"),
            *(PACKAGE.parent / "data").glob("*.toml"),
            PACKAGE.parent / "README.md",
            PACKAGE.parent / "setup.cfg",
        ]
        if path.name != "test_layout.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "DESIGN.md" in line or "DOMAIN.md" in line or "shared/" in line
    ]
    assert outside == []
