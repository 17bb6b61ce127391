"""The packages are layers: cli -> curation -> services -> literature; nothing else.

``literature`` is meant to be reusable without maps, so it imports none of the others.
``services`` holds the clients of the services a map lives on (MINERVA): it may use
literature's HTTP layer and errors, and knows nothing of maps or projects, so it imports
neither ``curation`` nor ``cli``. ``curation`` may not import ``cli``; ``cli`` may import
every layer below it. A small AST walk checks every import statement, including those
inside functions (the lazy ones).
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "curation", "literature", "services")
# What each package may import from the others.
ALLOWED = {
    "cli": {"curation", "literature", "services"},
    "curation": {"literature", "services"},
    "services": {"literature"},
    "literature": set(),
}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, package) of every absolute import of one of our packages in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue  # relative imports stay inside their package
        found += [(node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in PACKAGES]
    return found


def test_the_checker_sees_lazy_and_dotted_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import os\nimport curation.project\n"
        "def f():\n    from cli.main import cli\n    from . import sibling\n",
        encoding="utf-8",
    )
    assert imported_packages(source) == [(2, "curation"), (4, "cli")]


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_layers(package):
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: imports {target}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, target in imported_packages(path)
        if target != package and target not in ALLOWED[package]
    ]
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package])}:\n" + "\n".join(wrong)


def loaded_after(code: str) -> list[str]:
    """Our modules loaded by a fresh interpreter that runs ``code``."""
    probe = (
        f"import sys\n{code}\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {PACKAGES!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.split()


def test_importing_literature_loads_no_curation_module():
    modules = sorted(p.stem for p in (ROOT / "literature").glob("*.py") if p.stem != "__init__")
    loaded = loaded_after(
        "import literature\n" + "".join(f"import literature.{m}\n" for m in modules)
    )
    assert "literature.model" in loaded
    assert [m for m in loaded if not m.startswith("literature")] == []


def test_importing_services_loads_neither_curation_nor_the_cli():
    modules = sorted(p.stem for p in (ROOT / "services").glob("*.py") if p.stem != "__init__")
    assert modules, "services/ holds no module"
    loaded = loaded_after("import services\n" + "".join(f"import services.{m}\n" for m in modules))
    assert "services.minerva" in loaded
    assert [m for m in loaded if m.split(".")[0] not in ("services", "literature")] == []


def test_importing_curation_loads_only_what_is_asked_for():
    assert loaded_after("import curation") == ["curation", "curation.lazy"]
    loaded = loaded_after("import curation.identifiers")
    assert "curation.project" not in loaded and "curation.celldesigner" not in loaded
    loaded = loaded_after("from curation import Project, InputError")
    assert "curation.project" in loaded


def test_literature_failures_are_curations_errors():
    """curation and the CLI catch what literature raises with their own classes."""
    import curation
    import literature.errors
    from curation import errors

    assert errors.InputError is literature.errors.InputError
    assert errors.OutsideError is literature.errors.OutsideError
    assert issubclass(errors.CheckFailed, literature.errors.CrsmapError)
    assert curation.OutsideError.exit_code == 3 and curation.InputError.exit_code == 2
