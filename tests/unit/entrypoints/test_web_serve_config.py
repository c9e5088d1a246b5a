"""``salla-optimizer serve``: which configuration the embedded default runs with."""

from __future__ import annotations

from adapters.config import Config
from entrypoints.cli import build_parser
from entrypoints.cli.web_commands import effective_config


def test_the_environment_is_honoured() -> None:
    env = {"ADMIN_API_TOKEN": "adm", "SALLA_WEBHOOK_SECRET": "whs", "SESSION_SECRET": "ses",
           "PUBLIC_URL": "https://optimizer.example"}
    config, notes = effective_config(Config.from_env(env), "0.0.0.0", 9000)
    assert (config.admin_api_token, config.salla_webhook_secret, config.session_secret) == ("adm", "whs", "ses")
    assert config.public_url == "https://optimizer.example" and notes == []
    assert config.uses_sandbox


def test_missing_secrets_are_generated_and_announced() -> None:
    config, notes = effective_config(Config.from_env({}), "0.0.0.0", 9000)
    assert config.public_url == "http://127.0.0.1:9000"
    assert config.admin_api_token and len(config.admin_api_token) >= 24
    assert config.salla_webhook_secret and config.session_secret
    assert any(config.admin_api_token in note for note in notes)
    other, _ = effective_config(Config.from_env({}), "0.0.0.0", 9000)
    assert other.admin_api_token != config.admin_api_token


def test_no_webhook_secret_is_invented_for_real_salla() -> None:
    real = Config.from_env({"SALLA_CLIENT_ID": "id", "SALLA_CLIENT_SECRET": "s"})
    config, _ = effective_config(real, "127.0.0.1", 8000)
    assert config.salla_webhook_secret is None  # deliveries are refused until the real secret is set


def test_serve_is_registered_with_host_and_port() -> None:
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert (args.host, args.port) == ("0.0.0.0", 8123) and callable(args.handler)


SERVE_ENV_KEYS = ("SALLA_CLIENT_ID", "SALLA_CLIENT_SECRET", "SALLA_ACCOUNTS_URL", "SALLA_API_URL", "DATABASE_URL",
                  "REDIS_URL", "HOST")


def test_the_sandbox_is_not_served_beyond_loopback_without_the_flag(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Black box: the real command, refused before anything is built (no database file appears)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in SERVE_ENV_KEYS}
    env.update(SALLA_OPTIMIZER_VAR_DIR=str(tmp_path / "var"), PYTHONPATH=os.pathsep.join(sys.path))
    code = "import sys; from entrypoints.cli import main; sys.exit(main(sys.argv[1:]))"
    for host in ("0.0.0.0", "::", "192.168.1.20", "optimizer.example"):
        done = subprocess.run([sys.executable, "-c", code, "serve", "--host", host, "--port", "18765"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, (host, done.stderr)
        [line] = done.stderr.strip().splitlines()
        assert line.startswith("error: refusing to serve the Salla sandbox") and "--expose-sandbox" in line
    assert not (tmp_path / "var").exists()


def test_the_flag_or_real_salla_or_loopback_let_serve_start(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    from entrypoints.cli import main, web_commands

    monkeypatch.setattr(sys, "setswitchinterval", lambda interval: None)  # serve tunes it for its own process

    for key in SERVE_ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    served: list[str] = []
    monkeypatch.setattr(web_commands, "_serve_one", lambda config, log_level, sockets=None: served.append(config.host))
    assert main(["serve", "--host", "0.0.0.0", "--expose-sandbox"]) == 0
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert main(["serve", "--host", host]) == 0
    monkeypatch.setenv("SALLA_CLIENT_ID", "real-app")             # real Salla: no sandbox to expose
    monkeypatch.setenv("SALLA_CLIENT_SECRET", "real-secret")
    assert main(["serve", "--host", "0.0.0.0"]) == 0
    assert served == ["0.0.0.0", "127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", "0.0.0.0"]
