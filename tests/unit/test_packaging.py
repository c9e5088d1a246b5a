"""The quick start's install (``pip install -e .``, no extras) has everything the embedded default imports.

The test environment installs every extra, so a module that only an extra brings (``redis``) or
that only arrives through another extra's dependencies (``pydantic_settings`` came with crewai)
imports fine here and fails on a fresh machine. This runs the embedded default in a child
process (bootstrap, the app, its lifespan with the in-process worker, a few pages and a webhook),
takes the library modules it loaded that ``src`` imports by name (a library's own optional imports,
such as uvicorn's of watchfiles, are the library's business), and checks each one's distribution is
one the base dependencies of ``pyproject.toml`` bring, markers evaluated, extras not followed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"pricing_core", "adapters", "runners", "entrypoints", "bootstrap"}

EMBEDDED_RUN = textwrap.dedent("""
    import json, sys
    from starlette.testclient import TestClient
    import uvicorn, uvicorn.loops.auto, uvicorn.protocols.http.auto
    from adapters.config import Config
    from bootstrap import ProcessKind, bootstrap
    from entrypoints.cli import main
    from entrypoints.web.app import create_app

    runtime = bootstrap(Config(), ProcessKind.SERVE)
    app = create_app(runtime.services, background=runtime.background)
    with TestClient(app) as client:
        for path in ("/health", "/", "/sandbox/", "/metrics"):
            assert client.get(path).status_code < 500, path
        answer = client.post("/webhooks/salla", content=b"{}", headers={"content-type": "application/json"})
        assert answer.status_code < 500, answer.text
    runtime.close()
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
""")


def _base_closure() -> set[str]:
    """Every distribution the base dependencies install, following their own requirements."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(spec) for spec in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo.extend(Requirement(spec) for spec in metadata.requires(name) or [])
        except metadata.PackageNotFoundError:
            continue
    return seen


def _imported_by_src() -> set[str]:
    """The top-level names of every module an import statement in ``src`` names (at any depth),
    except those tried under ``except ImportError`` (optional by design, like ``httpx2``)."""
    names: set[str] = set()
    optional: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names.update(_imported(node))
            if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
                optional.update(name for stmt in node.body for inner in ast.walk(stmt) for name in _imported(inner))
    return names - optional


def _imported(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name.split(".")[0] for alias in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return {node.module.split(".")[0]}
    return set()


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(c, ast.Name) and c.id in ("ImportError", "ModuleNotFoundError") for c in caught)


def test_the_embedded_default_imports_only_what_the_base_install_brings(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", EMBEDDED_RUN], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                           "PYTHONPATH": str(ROOT / "src")})
    assert run.returncode == 0, run.stderr[-3000:]
    loaded = set(json.loads(run.stdout.strip().splitlines()[-1]))
    libraries = (loaded & _imported_by_src()) - set(sys.stdlib_module_names) - FIRST_PARTY
    distributions = metadata.packages_distributions()
    base = _base_closure()
    missing = {
        module: sorted(distributions[module]) for module in libraries
        if module in distributions and not {canonicalize_name(d) for d in distributions[module]} & base
    }
    assert not missing, f"imported by the embedded default but not in the base install: {missing}"
    assert {"starlette", "uvicorn", "sqlalchemy", "dramatiq"} <= libraries  # the check saw the real run
