"""The pricing core stays pure: no I/O framework, no outer package, on its import path or in its source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[3] / "src" / "pricing_core"
FORBIDDEN = {"httpx", "sqlalchemy", "psycopg", "redis", "dramatiq", "starlette", "crewai", "requests",
             "adapters", "runners", "entrypoints", "uvicorn", "apscheduler", "alembic"}


def test_core_source_imports_nothing_forbidden():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_the_core_loads_no_io_framework():
    code = ("import sys, pricing_core, pricing_core.ports, pricing_core.usecases; "
            "import importlib, pkgutil; "
            "[importlib.import_module('pricing_core.usecases.' + m.name) "
            " for m in pkgutil.iter_modules(pricing_core.usecases.__path__)]; "
            f"print(sorted(m for m in {sorted(FORBIDDEN)!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
