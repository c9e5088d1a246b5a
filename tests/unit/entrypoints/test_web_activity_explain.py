"""The activity log's frequent entries read in Arabic, each made by the use case that writes it."""

from __future__ import annotations

import re

from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.memory.queue import RecordingQueue
from entrypoints.web.activity_explain import activity_line, activity_text
from entrypoints.web.formatting import fmt_datetime, fmt_money
from pricing_core.activity import ActivityType
from pricing_core.decision import DecisionStatus
from pricing_core.events import AppUninstalled
from pricing_core.settings import AutomationMode
from pricing_core.usecases.decisions import approve_decisions, reject_decisions
from pricing_core.usecases.onboard import onboard_store
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.refresh_tokens import refresh_store_tokens
from pricing_core.usecases.store_settings import update_settings
from pricing_core.usecases.webhooks import handle_webhook_event

CATALOG = [product(pid, "100") for pid in "abcde"]
OFFERS = {"a": [("x", "104"), ("y", "104")], "b": [("x", "97")], "c": [("x", "96")], "d": [("x", "103")],
          "e": [("x", "105")]}


def _entries(ports: Ports, store_id: str) -> list[str]:
    with ports.uow_factory(store_id) as uow:
        return [e.description for e in uow.store.activity.list(limit=100)]


def _world() -> tuple[Ports, list[str]]:
    """Two stores' activity: a full-auto sweep with one write Salla refuses and one it cannot take now,
    a manual store's approval and rejection, a token refresh, an uninstall."""
    ports = make_ports()
    ports.competitors.prices = OFFERS
    add_store(ports, "1", CATALOG)
    ports.salla_catalog.refuse["a"] = "price below the product's minimum"
    ports.salla_catalog.unavailable["d"] = "503 Service Unavailable"
    optimize_store(ports, "1", run_key="full-auto")
    refresh_store_tokens(ports, "1", force=True)
    add_store(ports, "2", CATALOG, mode=AutomationMode.MANUAL)
    optimize_store(ports, "2", run_key="manual")
    with ports.uow_factory("2") as uow:
        pending = [r.id for r in uow.store.decisions.list(status=DecisionStatus.PENDING)]
    queue = RecordingQueue()
    approve_decisions(ports.uow_factory, queue, ports.clock, store_id="2", decision_ids=pending[:1])
    reject_decisions(ports.uow_factory, ports.clock, store_id="2", decision_ids=pending[1:2])
    handle_webhook_event(ports.uow_factory, queue, ports.clock,
                         AppUninstalled(delivery_id="u-2", store_id="2", occurred_at=ports.clock.now()),
                         user_info=ports.salla_auth.user_info)
    # Store 1 still has decisions waiting: a change of its margin replaces them.
    update_settings(ports.uow_factory, queue, ports.clock, store_id="1",
                    changes={"min_profit_margin": "20", "max_change_pct": "8"})
    tokens = ports.salla_auth.issue("3")
    onboard_store(ports.uow_factory, queue, ports.clock, tokens=tokens,
                  merchant=ports.salla_auth.user_info(tokens.access_token), source="oauth")
    return ports, _entries(ports, "1") + _entries(ports, "2") + _entries(ports, "3")


def test_each_frequent_entry_reads_in_arabic_with_its_numbers() -> None:
    _, descriptions = _world()
    shapes = {
        "Optimization completed: ": 2, "Applied ": 1, "Salla refused ": 1, "not taken by Salla for now": 1,
        "Price change for ": 2, "OAuth token refreshed automatically": 1, "App uninstalled": 1,
        "pending decision(s) superseded": 1, " installed (oauth)": 1, "OAuth tokens authorized": 1,
    }
    for shape, count in shapes.items():
        made = [d for d in descriptions if shape in d]
        assert len(made) >= count, (shape, descriptions)
        for description in made:
            text = activity_line(description)
            assert text is not None, description
            # Left in Latin letters: only the product's name and the currency code, as the store spells them.
            assert not re.findall(r"[A-Za-z]{3,}", re.sub(r"Product \w|SAR|Store \d", "", text)), (description, text)
            if "valid until" in description:
                continue  # an instant, shown in the store's time: test_a_token_s_validity_is_in_the_store_s_time
            ungrouped = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # Babel groups thousands in money
            assert re.findall(r"\d+(?:\.\d+)?", description) == re.findall(r"\d+(?:\.\d+)?", ungrouped), (
                description, text)


def test_an_approval_names_who_and_the_prices() -> None:
    _, descriptions = _world()
    approved = next(d for d in descriptions if " approved by merchant: " in d)
    text = activity_line(approved)
    assert text is not None and text.startswith("وافق التاجر على تغيير سعر ")
    assert f" من {fmt_money('100.00', 'SAR', 'ar')} إلى " in text and "SAR" not in text
    # Money as the pages show it: grouped, with the currency's Arabic symbol.
    line = activity_line("Price change for Product b approved by merchant: 1078.00 -> 995.50 SAR")
    assert line == "وافق التاجر على تغيير سعر Product b: من 1,078.00\xa0ر.س.\u200f إلى 995.50\xa0ر.س.\u200f"


def test_a_token_s_validity_is_in_the_store_s_time() -> None:
    _, descriptions = _world()
    authorized = next(d for d in descriptions if d.startswith("OAuth tokens authorized"))
    until = authorized.rsplit(" ", 1)[1]
    text = activity_line(authorized)
    assert text is not None and text.endswith(f"صالح حتى {fmt_datetime(until, 'ar')}")
    assert "+03:00" in text and until not in text  # Riyadh's time, not the stored UTC instant
    # Not an instant: shown as written rather than failing the page.
    assert activity_line("OAuth tokens authorized (oauth); access token valid until later").endswith("حتى later")


def test_an_entry_of_another_shape_is_shown_as_written_and_marked_english() -> None:
    ports, descriptions = _world()
    with ports.uow_factory("1") as uow:
        kinds = {e.activity_type for e in uow.store.activity.list(limit=100)}
    assert ActivityType.OPTIMIZATION_COMPLETED in kinds
    other = "Store events not subscribed (none missing): the token lacks webhooks.read_write"
    assert activity_text(other, "ar") == (other, False)
    assert activity_text(descriptions[0], "en") == (descriptions[0], True)
