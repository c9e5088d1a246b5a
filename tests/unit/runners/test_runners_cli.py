"""The runner commands, over in-memory services (rendering, exit codes, errors)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.config import Config
from adapters.services import Services
from bootstrap import build_services
from entrypoints.cli import main, runner_commands, store_commands
from pricing_core.errors import SallaUnavailable
from pricing_core.settings import AutomationMode
from pricing_core.store_events import STORE_EVENTS


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Ports:
    p = make_ports()
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the terminal width

    def services() -> Services:
        return build_services(Config(), uow_factory=p.uow_factory, locks=p.locks, clock=p.clock,
                              salla_auth=p.salla_auth, salla_catalog=p.salla_catalog, competitors=p.competitors,
                              advisor=None)

    monkeypatch.setattr(runner_commands, "_services", services)
    monkeypatch.setattr(store_commands, "_services", services)
    return p


def test_tokens_status_json_and_table(ports: Ports, capsys: pytest.CaptureFixture[str]) -> None:
    add_store(ports, "1")
    add_store(ports, "2", expires_in=timedelta(hours=3))
    add_store(ports, "3", active=False)
    assert main(["tokens", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"total_stores": 3, "active_stores": 2, "inactive_stores": 1,
                               "tokens_expiring_soon": 1, "tokens_expired": 0, "healthy_tokens": 1}
    assert [s["store_id"] for s in data["stores"]] == ["1", "2", "3"]
    assert main(["tokens", "status"]) == 0
    out = capsys.readouterr().out
    assert "tokens expiring soon" in out and "Token expires soon" in out


def test_tokens_status_names_the_stores_without_a_store_event_subscription(
    ports: Ports, capsys: pytest.CaptureFixture[str]
) -> None:
    from pricing_core.usecases.subscriptions import ensure_store_subscriptions

    add_store(ports, "1")
    add_store(ports, "2")
    ensure_store_subscriptions(ports, "1", callback_url="https://optimizer.example/webhooks/salla")
    assert main(["tokens", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stores_missing_store_events"] == ["2"]
    by_id = {s["store_id"]: s for s in data["stores"]}
    assert by_id["1"]["store_events"]["subscribed"] == list(STORE_EVENTS)
    assert by_id["2"]["store_events"] is None and by_id["2"]["store_events_gap"] == "not checked yet"
    assert main(["tokens", "status"]) == 0
    out = capsys.readouterr().out
    assert "Stores without a store-event subscription: 2" in out and "not checked yet" in out


def test_tokens_refresh_reports_outcomes(ports: Ports, capsys: pytest.CaptureFixture[str]) -> None:
    add_store(ports, "1", expires_in=timedelta(hours=3))
    add_store(ports, "2")
    assert main(["tokens", "refresh"]) == 0
    assert "store 1: refreshed" in capsys.readouterr().out
    ports.salla_auth.fail_next(SallaUnavailable("timeout"))
    assert main(["tokens", "refresh", "--store", "2", "--force"]) == 1   # transient: non-zero, retry later
    assert "store 2: transient" in capsys.readouterr().out
    assert main(["tokens", "refresh", "--store", "nope"]) == 1


def test_sweep_runs_in_the_foreground(ports: Ports, capsys: pytest.CaptureFixture[str]) -> None:
    add_store(ports, "1", [product(str(i), "100") for i in range(7)], mode=AutomationMode.FULL_AUTO)
    ports.competitors.prices = {str(i): [("x", "103"), ("y", "103")] for i in range(7)}
    assert main(["sweep", "1"]) == 0
    out = capsys.readouterr().out
    assert "completed: 7 analyzed, 7 updated, 0 queued" in out
    assert main(["sweep", "missing"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_stores_list(ports: Ports, capsys: pytest.CaptureFixture[str]) -> None:
    add_store(ports, "1", mode=AutomationMode.MANUAL)
    add_store(ports, "2", active=False)
    assert main(["stores", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["store_id"], r["automation_mode"], r["is_active"]) for r in rows] == [
        ("1", "manual", True), ("2", "full-auto", False)]
    assert main(["stores", "list"]) == 0
    assert "2 store(s)" in capsys.readouterr().out


def test_worker_and_scheduler_need_redis(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["worker"]) == 1
    assert "REDIS_URL" in capsys.readouterr().err


def test_sample_with_a_bad_number_names_the_input_not_python_internals(capsys) -> None:
    from entrypoints.cli import main

    assert main(["sample", "--margin", "abc"]) != 0
    err = capsys.readouterr().err
    assert "--margin 'abc'" in err and "class" not in err and "ConversionSyntax" not in err
