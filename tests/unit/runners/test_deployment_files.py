"""The deployable topology stays true to the code: Dockerfile, compose.yaml, .env.example and README.

Every compose service of our image runs a real CLI command; every variable the files set is one
``Config`` knows; every variable ``Config`` knows is documented in README and ``.env.example``;
and ``Config`` is the only reader of the environment.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from adapters.config import Config, env_names
from entrypoints.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]
IMAGE = "salla-price-optimizer"


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def our_services() -> dict[str, dict]:  # type: ignore[type-arg]
    services = compose()["services"]
    ours = {name: s for name, s in services.items() if str(s.get("image", "")).startswith(IMAGE) or "build" in s}
    assert ours, "compose.yaml runs no service from our image"
    return ours


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


@pytest.mark.parametrize("name", sorted(our_services()))
def test_every_service_of_our_image_runs_a_real_cli_command(name: str) -> None:
    command = our_services()[name]["command"]
    args = build_parser().parse_args(command if isinstance(command, list) else shlex.split(command))
    assert callable(getattr(args, "handler", None)), f"{name}: {command} is not a command"


def test_the_topology_has_its_process_kinds_and_a_one_shot_migration() -> None:
    commands = {name: s["command"][0] for name, s in our_services().items()}
    assert {"serve", "worker", "scheduler", "migrate"} <= set(commands.values())
    services = compose()["services"]
    assert {"postgres", "redis"} <= set(services)
    migrate = next(name for name, command in commands.items() if command == "migrate")
    assert services[migrate]["restart"] == "no"
    for name, service in our_services().items():
        if name != migrate and service.get("profiles") is None:
            assert service["depends_on"][migrate]["condition"] == "service_completed_successfully", name


def test_every_variable_the_files_set_is_one_config_knows() -> None:
    known = set(env_names().values())
    for name, service in our_services().items():
        unknown = set(service.get("environment") or {}) - known
        assert not unknown, f"{name} sets {sorted(unknown)}, which Config does not read"
    assert set(env_example()) <= known, sorted(set(env_example()) - known)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for variable in re.findall(r"^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=", dockerfile, re.M):
        if variable.startswith("PYTHON"):
            continue  # the interpreter's own
        assert variable in known, f"Dockerfile sets {variable}, which Config does not read"


def test_every_config_variable_is_documented_in_readme_and_env_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = env_example()
    for field, variable in env_names().items():
        assert variable in example, f"{variable} ({field}) is missing from .env.example"
        assert f"`{variable}`" in readme, f"{variable} ({field}) is missing from README's configuration table"


def test_the_env_example_is_a_valid_configuration() -> None:
    config = Config.from_env({k: v for k, v in env_example().items() if v})
    assert config.uses_sandbox and config.schedules == Config().schedules


def test_the_dockerfile_is_multi_stage_non_root_with_the_cli_as_entrypoint() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM\s", dockerfile, re.M)) >= 2
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    entry = re.search(r'^ENTRYPOINT\s+\["([^"]+)"\]', dockerfile, re.M)
    assert entry is not None and entry.group(1) in scripts
    cmd = re.search(r"^CMD\s+(\[.*\])", dockerfile, re.M)
    assert cmd is not None and callable(build_parser().parse_args(yaml.safe_load(cmd.group(1))).handler)


def test_config_is_the_only_reader_of_the_environment() -> None:
    readers = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "src").rglob("*.py")
        if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))
        and "Nothing goes through ``os.environ``" not in path.read_text(encoding="utf-8")
    )
    assert readers == ["src/adapters/config.py"]
