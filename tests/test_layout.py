"""The house's layout: one blueprint per feature package, defined in the package's
`__init__.py`; no route module reaching into another blueprint's routes; the admin pages
in `admin`, one's own account in `auth`; and every module importable first, whatever
imports it first."""
from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tracker import create_app

TRACKER = Path(__file__).resolve().parent.parent / "tracker"


@pytest.fixture(scope="module")
def site():
    """The app's blueprints and URL map (no database needed)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(TRACKER.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_blueprint_is_the_bp_of_its_packages_init(site):
    """Each blueprint is `bp` in a package's __init__ (whose bottom imports its routes), so
    a feature is one folder: no `blueprint.py` beside the routes."""
    for blueprint in site.blueprints.values():
        module = importlib.import_module(blueprint.import_name)
        if blueprint.name == "health":
            continue  # two endpoints in a module of their own, no feature package
        assert hasattr(module, "__path__"), f"{blueprint.name}: {module.__name__} is no package"
        assert module.bp is blueprint
    assert not list(TRACKER.rglob("blueprint.py"))


def imported_modules(tree: ast.Module) -> set[str]:
    """The modules an AST imports, `from a.b import c` counted as a.b and a.b.c."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_route_module_imports_another_blueprints_routes():
    """A page's shared helpers (get_plan, get_item, owner choices, paging, EmptyForm) live
    in tracker.web and tracker.forms, not in another blueprint's routes."""
    failures = []
    for path in TRACKER.rglob("*routes.py"):
        own = module_name(path).rsplit(".", 1)[0]
        for name in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            if name.endswith("routes") and name.startswith("tracker.") \
                    and name.rsplit(".", 1)[0] != own:
                failures.append(f"{module_name(path)} imports {name}")
    assert failures == []


def test_admin_pages_are_in_admin_and_account_pages_in_auth(site):
    """Every /admin/ URL is the admin blueprint's (its before_request lets administrators
    only), every /account/ URL is auth's; the login allow-list names real endpoints."""
    from tracker.auth.routes import PUBLIC_ENDPOINTS

    rules = list(site.url_map.iter_rules())
    assert [r.rule for r in rules if r.rule.startswith("/admin/")
            and not r.endpoint.startswith("admin.")] == []
    assert [r.rule for r in rules if r.rule.startswith("/account/")
            and not r.endpoint.startswith("auth.")] == []
    assert PUBLIC_ENDPOINTS <= {r.endpoint for r in rules}


# Run in a fresh interpreter: the third-party packages are imported once, then each tracker
# module is imported first in a forked child (no tracker module loaded before it).
IMPORT_EACH_FIRST = textwrap.dedent("""
    import importlib, os, subprocess, sys, traceback

    modules = sys.argv[1:]
    listed = subprocess.run([sys.executable, "-c",  # what the tracker imports, to preload
        "import sys, " + ", ".join(modules) + "; print(' '.join(sys.modules))"],
        capture_output=True, text=True).stdout.split()
    for name in listed:
        if name.split(".")[0] != "tracker":
            try:
                importlib.import_module(name)
            except Exception:
                pass
    failed = 0
    for name in modules:
        pid = os.fork()
        if pid == 0:
            try:
                importlib.import_module(name)
            except BaseException:
                print(name, traceback.format_exc().splitlines()[-1], flush=True)
                os._exit(1)
            os._exit(0)
        failed += os.waitpid(pid, 0)[1] != 0
    sys.exit(1 if failed else 0)
""")


def test_every_module_can_be_imported_first():
    """Whatever imports it first (a test, a command, another module), each module loads:
    a package's __init__ loads its routes, and a cycle through them would leave some name
    undefined for one order of imports (as when `appendix/__init__.py` held its blueprint:
    the importer, the table and the renderers then brought in the plan pages)."""
    modules = sorted(module_name(path) for path in TRACKER.rglob("*.py"))
    result = subprocess.run([sys.executable, "-c", IMPORT_EACH_FIRST, *modules],
                            capture_output=True, text=True, timeout=600,
                            cwd=TRACKER.parent)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
