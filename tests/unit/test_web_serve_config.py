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
