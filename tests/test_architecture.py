"""The layers of the house, checked on the source: no import cycle between modules, and
domain modules that need neither Flask nor the web layer.

The imports are read with `ast`, not by importing: every `import`/`from … import` of a
tracker module counts, at module level or inside a function (a deferred import still ties
the two modules), except under `if TYPE_CHECKING:`. Importing `tracker.a.b` also runs the
packages' `__init__` files, which are not counted as dependencies: `tracker/__init__.py`
is the app factory and imports everything.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import tracker

PACKAGE = Path(tracker.__file__).parent

# The rules that need no request and no database (DESIGN, "The domain, in the code").
DOMAIN_MODULES = (
    "tracker.periods",
    "tracker.workdays",
    "tracker.statuses",
    "tracker.policy",
    "tracker.notices",
    "tracker.appendix.formats",
    "tracker.appendix.table",
    "tracker.notify.planner",
    "tracker.outbox.recipients",
)
FRAMEWORKS = ("flask", "flask_babel", "flask_login", "flask_mail", "flask_migrate",
              "flask_sqlalchemy", "flask_wtf", "werkzeug", "sqlalchemy")
# tracker/i18n.py is the plain modules' translation: it asks Flask-Babel, inside a
# function, only when a request is running, so it loads no framework by itself.
BRIDGES = {"tracker.i18n"}


def is_web_layer(module: str) -> bool:
    last = module.rpartition(".")[2]
    return module == "tracker.web" or last == "routes" or last.endswith("_routes") \
        or last == "blueprint"


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("tracker", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of the import nodes under `if TYPE_CHECKING:` (never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


@cache
def imports_of(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the tracker modules `module` imports, the top-level names of the others)."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    own, others = set(), set()

    def add(name: str) -> None:
        if name != "tracker" and not name.startswith("tracker."):
            others.add(name.partition(".")[0])
            return
        while name not in modules():  # `from tracker.x import name`: the module is tracker.x
            name = name.rpartition(".")[0]
        own.add(name)

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's package
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                add(submodule if submodule in modules() else base)
    own.discard(module)
    return frozenset(own), frozenset(others)


def import_cycles() -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(imports_of(module)[0]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(modules()):
        if module not in index:
            visit(module)
    return groups


def is_blueprint_and_its_routes(group: list[str]) -> bool:
    """A package's blueprint (its `__init__`, or its `blueprint.py` while one is left) imports
    its own route modules to register them, and they import it for `bp`: the one cycle allowed."""
    packages = {module.rpartition(".")[0] for module in group if is_web_layer(module)}
    if len(packages) != 1:
        return False
    package = packages.pop()
    return all(module in (package, f"{package}.blueprint")
               or (module.rpartition(".")[0] == package and is_web_layer(module))
               for module in group)


def test_no_import_cycle_but_a_blueprint_and_its_routes():
    """Modules form no import cycle, except a package's blueprint with its own routes."""
    cycles = [group for group in import_cycles() if not is_blueprint_and_its_routes(group)]
    assert cycles == []


def loaded_by(module: str) -> set[str]:
    """The tracker modules `module` needs, itself included, following their imports (not
    those of a bridge)."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            if current not in BRIDGES:
                todo.extend(imports_of(current)[0])
    return seen


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_modules_need_neither_flask_nor_the_web_layer(module):
    """A domain rule imports, directly or through the modules it uses, no framework (Flask,
    its extensions, SQLAlchemy) and no view: it is tested on plain values in milliseconds."""
    needed = loaded_by(module)
    frameworks = {f"{other} → {name}" for other in needed - BRIDGES
                  for name in imports_of(other)[1] if name in FRAMEWORKS}
    assert frameworks == set()
    assert {other for other in needed if is_web_layer(other)} == set()


def test_the_checks_see_what_they_look_for():
    """The import reader finds a known cycle, a blueprint and a framework import, so an empty
    answer above means something."""
    assert any("tracker.auth.routes" in group for group in import_cycles())
    assert is_blueprint_and_its_routes(["tracker.auth", "tracker.auth.routes"])
    assert not is_blueprint_and_its_routes(["tracker.plans.routes", "tracker.appendix.routes"])
    assert not is_blueprint_and_its_routes(["tracker.mailer", "tracker.notify.sender"])
    assert "flask" in imports_of("tracker.web")[1]
    assert "tracker.models.user" in loaded_by("tracker.models")


def test_every_test_states_its_rule_in_a_docstring():
    """Every test function under tests/test_*.py opens with a docstring stating the rule it
    checks, so a failure says what the product must do."""
    missing = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        missing += [f"{path.name}:{node.lineno} {node.name}" for node in ast.walk(tree)
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and node.name.startswith("test_") and not ast.get_docstring(node)]
    assert missing == []


def test_the_code_passes_the_linter():
    """ruff (pyproject.toml's rules: errors, imports, bugbear, pyupgrade, complexity ≤ 12)
    finds nothing in the package, the tests or the benchmarks: the house rules are checked
    by the suite, not by memory."""
    root = Path(tracker.__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                             "tracker", "tests", "bench"],
                            cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
